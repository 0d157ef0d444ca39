from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.utils import timezone

from accounts.scoping import sites_where_user_registers
from audit.forms import ReasonForChangeMixin
from esotrial import protocol

from . import eligibility as eligibility_rules
from .models import Baseline, Eligibility, MetastaticLesion, Patient


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's own date picker; ISO 8601 on the wire

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def clean_past_date(value, label):
    """No clinical date lies in the future (site local date, settings.TIME_ZONE)."""
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"The {label} cannot be in the future.")
    return value


def not_before_consent(value, patient, label):
    if value and value < patient.consent_date:
        raise forms.ValidationError(
            f"The {label} cannot precede informed consent ({patient.consent_date:%Y-%m-%d})."
        )
    return value


class CrispyMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class PatientForm(ReasonForChangeMixin, CrispyMixin, forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["site", "initials", "sex", "year_of_birth", "consent_date"]
        widgets = {"consent_date": DateInput(), "sex": forms.RadioSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The site is part of the screening number: it is fixed at registration.
            del self.fields["site"]
        else:
            sites = sites_where_user_registers(user)
            self.fields["site"].queryset = sites
            self.fields["site"].empty_label = None if sites.count() == 1 else "Choose the site"

    def clean_initials(self):
        return self.cleaned_data["initials"].strip().upper()

    def clean_year_of_birth(self):
        year = self.cleaned_data["year_of_birth"]
        if year > timezone.localdate().year:
            raise forms.ValidationError("The year of birth cannot be in the future.")
        return year

    def clean_consent_date(self):
        value = clean_past_date(self.cleaned_data["consent_date"], "consent date")
        earliest = protocol.EARLIEST_CONSENT_DATE.value
        if value < earliest:
            raise forms.ValidationError(
                f"The consent date cannot precede the trial's opening ({earliest:%d %b %Y})."
            )
        return value


class EligibilityForm(ReasonForChangeMixin, CrispyMixin, forms.ModelForm):
    confirm = forms.BooleanField(
        required=False,
        label="I confirm, as investigator, that this patient meets every criterion above.",
        help_text="Your name and the time are recorded. A later change to this form clears the confirmation.",
    )

    class Meta:
        model = Eligibility
        fields = [
            "assessment_date",
            *[name for name, _ in eligibility_rules.CRITERIA],
            "screen_failure_reason",
        ]
        widgets = {
            "assessment_date": DateInput(),
            **{name: forms.RadioSelect for name, _ in eligibility_rules.CRITERIA},
            "screen_failure_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, patient, user, lesions, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient, self.lesions = patient, lesions
        for name, _ in eligibility_rules.CRITERIA:
            field = self.fields[name]
            field.required = True
            field.choices = [(True, "Yes"), (False, "No")]  # no blank radio
            if name in eligibility_rules.DEFAULT_CRITERIA:
                field.label = f"{field.label} [default]"
        if not user.has_perm("crf.confirm_eligibility"):
            del self.fields["confirm"]
        self.assessment = None
        self.helper.layout = Layout(
            "assessment_date",
            Fieldset("Inclusion criteria", *[InlineRadios(n) for n, _ in eligibility_rules.INCLUSION]),
            Fieldset("Exclusion criteria", *[InlineRadios(n) for n, _ in eligibility_rules.EXCLUSION]),
            Fieldset(
                "Computed from the lesions entered",
                HTML(
                    "<p class='small text-muted'>Lesion limits and “at least one metastasis pathologically "
                    "confirmed” are checked against the lesion table, not asked here.</p>"
                ),
            ),
            "screen_failure_reason",
            *[name for name in ("confirm", "reason_for_change", "loaded_version") if name in self.fields],
        )

    def clean_assessment_date(self):
        value = clean_past_date(self.cleaned_data["assessment_date"], "assessment date")
        return not_before_consent(value, self.patient, "eligibility assessment")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        answers = Eligibility(
            patient=self.patient, **{k: v for k, v in cleaned.items() if k in self.Meta.fields}
        )
        self.assessment = eligibility_rules.assess(answers, self.lesions, self.patient)
        if not self.assessment.eligible:
            if cleaned.get("confirm"):
                self.add_error(
                    "confirm", "Eligibility cannot be confirmed: " + " ".join(self.assessment.failures)
                )
            if not cleaned.get("screen_failure_reason", "").strip():
                self.add_error(
                    "screen_failure_reason",
                    "The patient is not eligible (" + " ".join(self.assessment.failures) + ") "
                    "Record the screen-failure reason, or correct the answers or the lesions.",
                )
        return cleaned


class BaselineForm(ReasonForChangeMixin, CrispyMixin, forms.ModelForm):
    class Meta:
        model = Baseline
        fields = [
            "ecog",
            "histological_diagnosis_date",
            "primary_location",
            "clinical_t",
            "clinical_n",
            "primary_status",
            "pdl1_cps",
            "metastasis_timing",
            "prior_anti_pd1",
            "prior_anti_pd1_best_response",
            "systemic_therapy_line",
        ]
        widgets = {
            "histological_diagnosis_date": DateInput(),
            "prior_anti_pd1": forms.RadioSelect,
            "systemic_therapy_line": forms.RadioSelect,
            "metastasis_timing": forms.RadioSelect,
            "primary_status": forms.RadioSelect,
        }

    def clean_histological_diagnosis_date(self):
        return clean_past_date(
            self.cleaned_data["histological_diagnosis_date"], "date of histological diagnosis"
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("prior_anti_pd1") is True and not cleaned.get("prior_anti_pd1_best_response"):
            self.add_error(
                "prior_anti_pd1_best_response", "Give the best response to the prior anti-PD-1 therapy."
            )
        if cleaned.get("prior_anti_pd1") is False and cleaned.get("prior_anti_pd1_best_response"):
            self.add_error(
                "prior_anti_pd1_best_response", "Leave empty: there was no prior anti-PD-1 therapy."
            )
        return cleaned


class LesionForm(forms.ModelForm):
    class Meta:
        model = MetastaticLesion
        fields = [
            "organ",
            "organ_other",
            "location",
            "longest_diameter_mm",
            "imaging_method",
            "imaging_date",
            "pathologically_confirmed",
            "target_lesion",
        ]
        widgets = {"imaging_date": DateInput(), "location": forms.TextInput(attrs={"size": 18})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # compact Bootstrap widgets for a table row
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"

    def clean_imaging_date(self):
        return clean_past_date(self.cleaned_data["imaging_date"], "imaging date")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organ") == "other" and not cleaned.get("organ_other", "").strip():
            self.add_error("organ_other", "Name the organ.")
        return cleaned


class BaseLesionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError("Record at least one metastatic lesion.")
        targets = [f.cleaned_data for f in kept if f.cleaned_data.get("target_lesion")]
        if len(targets) > 5:  # RECIST 1.1: at most 5 target lesions, 2 per organ
            raise forms.ValidationError("RECIST 1.1 allows at most 5 target lesions.")
        for organ in {t["organ"] for t in targets}:
            if sum(t["organ"] == organ for t in targets) > 2:
                raise forms.ValidationError("RECIST 1.1 allows at most 2 target lesions per organ.")


LESION_FORMSET_MAX = 8  # more than the 4 allowed, so that a fifth lesion can be recorded and flagged

LesionFormSet = forms.inlineformset_factory(
    Patient,
    MetastaticLesion,
    form=LesionForm,
    formset=BaseLesionFormSet,
    extra=1,
    max_num=LESION_FORMSET_MAX,
    validate_max=True,
    can_delete=True,
)


class ReasonForm(forms.Form):
    reason_for_change = forms.CharField(
        label="Reason for change",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you change or remove a lesion already saved.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_for_change"].widget.attrs["class"] = "form-control"
