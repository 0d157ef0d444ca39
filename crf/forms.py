from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import may_act
from accounts.scoping import sites_where_user_registers
from audit.forms import ReasonForChangeMixin, loaded_version_or_error
from audit.services import save_with_reason
from esotrial import protocol

from . import eligibility as eligibility_rules
from . import plausibility, recist, schedule, timeline
from .models import (
    Baseline,
    Eligibility,
    EndOfTreatment,
    EndReason,
    FollowUp,
    LocalIntervention,
    MetastaticLesion,
    NewAnticancerTherapy,
    NonTargetStatus,
    OffStudy,
    Patient,
    TargetMeasurement,
    TreatmentCycle,
    TumourAssessment,
)
from .radiotherapy import is_stereotactic_schedule


class DateInput(forms.DateInput):
    input_type = "date"  # the browser's own date picker; ISO 8601 on the wire

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def clean_past_date(value, label):
    """No clinical date lies in the future (site local date, settings.TIME_ZONE)."""
    if value and value > timezone.localdate():
        raise forms.ValidationError(gettext("The %(label)s cannot be in the future.") % {"label": label})
    return value


def not_before_consent(value, patient, label):
    if value and value < patient.consent_date:
        raise forms.ValidationError(
            gettext("The %(label)s cannot precede informed consent (%(date)s).")
            % {"label": label, "date": f"{patient.consent_date:%Y-%m-%d}"}
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
            self.fields["site"].empty_label = None if sites.count() == 1 else gettext("Choose the site")

    def clean_initials(self):
        return self.cleaned_data["initials"].strip().upper()

    def clean_year_of_birth(self):
        year = self.cleaned_data["year_of_birth"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(gettext("The year of birth cannot be in the future."))
        return year

    def clean_consent_date(self):
        value = clean_past_date(self.cleaned_data["consent_date"], gettext("consent date"))
        earliest = protocol.EARLIEST_CONSENT_DATE.value
        if value < earliest:
            raise forms.ValidationError(
                gettext("The consent date cannot precede the trial's opening (%(date)s).")
                % {"date": f"{earliest:%d %b %Y}"}
            )
        return value


class EligibilityForm(ReasonForChangeMixin, CrispyMixin, forms.ModelForm):
    confirm = forms.BooleanField(
        required=False,
        label=_("I confirm, as investigator, that this patient meets every criterion above."),
        help_text=_("Your name and the time are recorded. A later change to this form clears the confirmation."),
    )

    class Meta:
        model = Eligibility
        fields = [
            "assessment_date",
            *[name for name, _meets in eligibility_rules.CRITERIA],
            "screen_failure_reason",
        ]
        widgets = {
            "assessment_date": DateInput(),
            **{name: forms.RadioSelect for name, _meets in eligibility_rules.CRITERIA},
            "screen_failure_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, patient, user, lesions, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient, self.lesions = patient, lesions
        for name, _meets in eligibility_rules.CRITERIA:
            field = self.fields[name]
            field.required = True
            field.choices = [(True, _("Yes")), (False, _("No"))]  # no blank radio
            if name in eligibility_rules.DEFAULT_CRITERIA:
                field.label = gettext("%(label)s [default]") % {"label": field.label}
        if not may_act(user, "crf.confirm_eligibility"):
            del self.fields["confirm"]
        if "reason_for_change" in self.fields:
            # Confirming the answers as they stand changes no answer: no reason is asked for it.
            self.fields["reason_for_change"].required = False
            self.fields["reason_for_change"].help_text = _("Required when you change an answer.")
        self.assessment = None
        self.helper.layout = Layout(
            "assessment_date",
            Fieldset(gettext("Inclusion criteria"), *[InlineRadios(n) for n, _meets in eligibility_rules.INCLUSION]),
            Fieldset(gettext("Exclusion criteria"), *[InlineRadios(n) for n, _meets in eligibility_rules.EXCLUSION]),
            Fieldset(
                gettext("Computed from the lesions entered"),
                HTML(
                    format_html(
                        "<p class='small text-muted'>{}</p>",
                        gettext(
                            "Lesion limits and “at least one metastasis pathologically confirmed” are checked "
                            "against the lesion table, not asked here."
                        ),
                    )
                ),
            ),
            "screen_failure_reason",
            *[name for name in ("confirm", "reason_for_change", "loaded_version") if name in self.fields],
        )

    def clean_assessment_date(self):
        value = clean_past_date(self.cleaned_data["assessment_date"], gettext("assessment date"))
        return not_before_consent(value, self.patient, gettext("eligibility assessment"))

    def clean(self):
        cleaned = super().clean()
        changed_answers = [name for name in self.changed_fields if name != "confirm"]
        if self.instance.pk and changed_answers and not cleaned.get("reason_for_change"):
            self.add_error("reason_for_change", forms.Field.default_error_messages["required"])
        if self.errors:
            return cleaned
        answers = Eligibility(patient=self.patient, **{k: v for k, v in cleaned.items() if k in self.Meta.fields})
        self.assessment = eligibility_rules.assess(answers, self.lesions, self.patient)
        if not self.assessment.eligible:
            if cleaned.get("confirm"):
                self.add_error(
                    "confirm",
                    gettext("Eligibility cannot be confirmed: %(failures)s")
                    % {"failures": " ".join(self.assessment.failures)},
                )
            if not cleaned.get("screen_failure_reason", "").strip():
                self.add_error(
                    "screen_failure_reason",
                    gettext(
                        "The patient is not eligible (%(failures)s) "
                        "Record the screen-failure reason, or correct the answers or the lesions."
                    )
                    % {"failures": " ".join(self.assessment.failures)},
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

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient

    def clean_histological_diagnosis_date(self):
        label = gettext("date of histological diagnosis")
        value = clean_past_date(self.cleaned_data["histological_diagnosis_date"], label)
        problems = timeline.history_date_problems(
            value,
            self.patient.year_of_birth,
            self.patient.consent_date,
            label,
            max_years_before_consent=protocol.DIAGNOSIS_MAX_YEARS_BEFORE_CONSENT.value,
        )
        if problems:
            raise forms.ValidationError(problems)
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("prior_anti_pd1") is True and not cleaned.get("prior_anti_pd1_best_response"):
            self.add_error(
                "prior_anti_pd1_best_response", gettext("Give the best response to the prior anti-PD-1 therapy.")
            )
        if cleaned.get("prior_anti_pd1") is False and cleaned.get("prior_anti_pd1_best_response"):
            self.add_error(
                "prior_anti_pd1_best_response", gettext("Leave empty: there was no prior anti-PD-1 therapy.")
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
            "short_axis_mm",
            "bone_soft_tissue_mm",
            "previously_irradiated",
            "progressed_since_irradiation",
            "imaging_method",
            "imaging_date",
            "pathologically_confirmed",
            "target_lesion",
        ]
        widgets = {"imaging_date": DateInput(), "location": forms.TextInput(attrs={"size": 18})}
        labels = {
            "longest_diameter_mm": _("Longest diameter (mm)"),
            "short_axis_mm": _("Short axis (mm), nodes"),
            "bone_soft_tissue_mm": _("Soft-tissue part (mm), bone"),
            "previously_irradiated": _("Previously irradiated"),
            "progressed_since_irradiation": _("Progressed since"),
            "pathologically_confirmed": _("Path. confirmed"),
            "target_lesion": _("Target"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # compact Bootstrap widgets for a table row
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"
            field.widget.attrs["aria-label"] = field.label
        self.fields["short_axis_mm"].widget.attrs["placeholder"] = _("nodes")
        self.fields["bone_soft_tissue_mm"].widget.attrs["placeholder"] = _("bone")

    def clean_imaging_date(self):
        label = gettext("imaging date")
        value = clean_past_date(self.cleaned_data["imaging_date"], label)
        patient = self.instance.patient  # set by the patient's lesion formset
        problems = timeline.history_date_problems(value, patient.year_of_birth, patient.consent_date, label)
        if problems:
            raise forms.ValidationError(problems)
        return value

    def clean(self):
        cleaned = super().clean()
        organ = cleaned.get("organ")
        if organ == "other" and not cleaned.get("organ_other", "").strip():
            self.add_error("organ_other", gettext("Name the organ."))
        if organ and organ != "other" and cleaned.get("organ_other", "").strip():
            self.add_error("organ_other", gettext("Only for the organ “Other”."))
        longest, short_axis = cleaned.get("longest_diameter_mm"), cleaned.get("short_axis_mm")
        pathological = protocol.RECIST_NODE_PATHOLOGICAL_MIN_SHORT_AXIS_MM.value
        if recist.is_nodal(organ):
            if short_axis is None and "short_axis_mm" not in self.errors:
                self.add_error("short_axis_mm", gettext("A lymph node is measured by its short axis (RECIST 1.1)."))
            elif short_axis is not None and longest is not None and short_axis > longest:
                self.add_error("short_axis_mm", gettext("The short axis cannot exceed the longest diameter."))
            elif short_axis is not None and short_axis < pathological and not cleaned.get("pathologically_confirmed"):
                self.add_error(
                    "short_axis_mm",
                    gettext(
                        "A node under %(mm)s mm short axis is normal by RECIST 1.1: record it only when "
                        "it is pathologically confirmed."
                    )
                    % {"mm": pathological},
                )
        elif short_axis is not None:
            self.add_error("short_axis_mm", gettext("Only for lymph nodes: leave empty."))
        if organ and organ != "bone" and cleaned.get("bone_soft_tissue_mm") is not None:
            self.add_error("bone_soft_tissue_mm", gettext("Only for bone lesions: leave empty."))
        if cleaned.get("progressed_since_irradiation") and not cleaned.get("previously_irradiated"):
            self.add_error("progressed_since_irradiation", gettext("Only for a previously irradiated lesion."))
        if cleaned.get("target_lesion") and not self.errors and organ:
            reason = recist.not_measurable_because(
                organ,
                longest,
                short_axis,
                cleaned.get("bone_soft_tissue_mm"),
                cleaned.get("previously_irradiated"),
                cleaned.get("progressed_since_irradiation"),
            )
            if reason:
                self.add_error(
                    "target_lesion",
                    gettext("Not measurable, so not a target: %(reason)s (RECIST 1.1).") % {"reason": reason},
                )
        return cleaned


class BaseLesionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return  # the table-wide rules read every row's values: fix the rows' own errors first
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError(gettext("Record at least one metastatic lesion."))
        targets = [f.cleaned_data for f in kept if f.cleaned_data.get("target_lesion")]
        most, per_organ = protocol.RECIST_MAX_TARGETS.value, protocol.RECIST_MAX_TARGETS_PER_ORGAN.value
        if len(targets) > most:
            raise forms.ValidationError(gettext("RECIST 1.1 allows at most %(most)s target lesions.") % {"most": most})
        # All lymph nodes are one organ; each "other" organ counts on its own, by the name given.
        organs = [
            recist.target_organ(t["organ"] if t["organ"] != "other" else f"other: {t['organ_other'].strip().lower()}")
            for t in targets
        ]
        for organ in set(organs):
            if organs.count(organ) > per_organ:
                named = gettext("lymph nodes (all nodes count as one organ)") if organ == recist.LYMPH_NODES else organ
                raise forms.ValidationError(
                    gettext("RECIST 1.1 allows at most %(most)s target lesions per organ: %(count)s in %(organ)s.")
                    % {"most": per_organ, "count": organs.count(organ), "organ": named}
                )


LESION_FORMSET_MAX = 8  # more than the 4 allowed, so that a fifth lesion can be recorded and flagged

LesionFormSet = forms.inlineformset_factory(
    Patient,
    MetastaticLesion,
    form=LesionForm,
    formset=BaseLesionFormSet,
    extra=1,
    max_num=LESION_FORMSET_MAX,
    absolute_max=LESION_FORMSET_MAX,  # a tampered TOTAL_FORMS never makes the page build thousands of rows
    validate_max=True,
    can_delete=True,
)


def lesion_table_version(patient):
    """The newest history row of any of the patient's lesions: what the nurse had on screen."""
    return (
        MetastaticLesion.history.filter(patient_id=patient.pk)
        .order_by("-history_id")
        .values_list("history_id", flat=True)
        .first()
        or 0
    )


class LesionTableForm(forms.Form):
    """The reason for change and the optimistic lock of the lesion table (one for all rows)."""

    reason_for_change = forms.CharField(
        label=_("Reason for change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Required when you change or remove a lesion already saved."),
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["loaded_version"].initial = lesion_table_version(patient)

    def clean(self):
        cleaned = super().clean()
        loaded = loaded_version_or_error(self, cleaned)
        if loaded != lesion_table_version(self.patient):
            raise forms.ValidationError(
                gettext(
                    "Someone else saved this lesion table after you opened it. Your changes were not saved: "
                    "open it again to see the current lesions, then re-enter your change."
                )
            )
        return cleaned


class PatientRecordForm(ReasonForChangeMixin, CrispyMixin, forms.ModelForm):
    """A clinical form about one patient: knows the patient and its key dates (crf.timeline)."""

    # {dependent field: "controlling_field=value"}: shown only then (static/js/conditional.js)
    show_when = {}

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.dates = timeline.key_dates(patient)
        for name, condition in self.show_when.items():
            self.fields[name].widget.attrs["data-show-when"] = condition

    def clean(self):
        cleaned = super().clean()
        for name, condition in self.show_when.items():
            controlling, value = condition.split("=")
            if str(cleaned.get(controlling)) != value:  # hidden on the page: its value is not kept
                field = self.fields[name]
                cleaned[name] = False if isinstance(field, forms.BooleanField) else getattr(field, "empty_value", None)
        return cleaned

    def check_date(self, field, label, **rules):
        for problem in timeline.date_problems(self.cleaned_data.get(field), self.dates, label, **rules):
            self.add_error(field, problem)

    def require(self, field, message=None):
        value = self.cleaned_data.get(field)
        if value in (None, "") and field not in self.errors:
            self.add_error(field, message or gettext("Required here."))

    def save(self, commit=True):
        self.instance.patient = self.patient
        return super().save(commit)

    def save_related(self, record, by, reason):
        """Rows that belong to the record and are entered on the same form (none by default)."""


# The phase of a cycle (crf.schedule's codes) as shown on the form.
PHASES = {schedule.INDUCTION: _("induction"), schedule.MAINTENANCE: _("maintenance")}

# The induction regimen carried from one cycle to the next.
CHEMOTHERAPY_FIELDS = ["chemo_agent_1", "chemo_dose_1", "chemo_agent_2", "chemo_dose_2", "weight_kg", "bsa_m2"]


class TreatmentCycleForm(PatientRecordForm):
    class Meta:
        model = TreatmentCycle
        fields = [
            "day1_date",
            "given",
            "not_given_reason",
            "anti_pd1_agent",
            "anti_pd1_dose_mg",
            "chemotherapy_given",
            *CHEMOTHERAPY_FIELDS,
            "unusual_values_confirmed",
            "delayed",
            "delay_reason",
            "dose_reduced",
            "dose_reduction_reason",
            "deviation_reason",
        ]
        widgets = {
            "day1_date": DateInput(),
            "given": forms.RadioSelect,
            "chemotherapy_given": forms.RadioSelect,
            "delayed": forms.RadioSelect,
            "dose_reduced": forms.RadioSelect,
        }

    show_when = {
        "not_given_reason": "given=False",
        **{name: "chemotherapy_given=True" for name in [*CHEMOTHERAPY_FIELDS, "unusual_values_confirmed"]},
        "delay_reason": "delayed=True",
        "dose_reduction_reason": "dose_reduced=True",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        live = TreatmentCycle.objects.filter(patient=self.patient, voided=False).order_by("cycle_number")
        if self.instance.pk:
            self.cycle_number = self.instance.cycle_number
        else:
            self.cycle_number = (live.last().cycle_number if live else 0) + 1
        self.previous = live.filter(cycle_number=self.cycle_number - 1).first()
        self.first = live.filter(cycle_number=1).first()
        self.phase = schedule.phase(self.cycle_number)
        agents = protocol.ANTI_PD1_AGENTS.value
        self.fields["anti_pd1_agent"].help_text = gettext("Usual flat doses [default]: %(doses)s") % {
            "doses": ", ".join(f"{name} {dose} {unit}" for name, dose, unit in agents.values())
        }
        self.window = schedule.next_cycle_window(self.previous.day1_date) if self.previous else None
        if self.previous and not self.instance.pk:
            # Most patients stay on the same regimen: last cycle's is the starting point (the
            # nurse changes what differs), and day 1 is the planned date.
            carried = ["anti_pd1_agent", "anti_pd1_dose_mg"]
            if self.phase != schedule.MAINTENANCE:
                carried += [*CHEMOTHERAPY_FIELDS, "chemotherapy_given"]
            for name in carried:
                self.initial.setdefault(name, getattr(self.previous, name))
            self.initial.setdefault("day1_date", self.window.planned)
        if self.window:
            early, late = protocol.CYCLE_WINDOW_EARLY_DAYS.value, protocol.CYCLE_WINDOW_LATE_DAYS.value
            when = gettext(
                "planned %(planned)s, window %(earliest)s to %(latest)s (−%(early)s/+%(late)s days [default])"
            ) % {
                "planned": f"{self.window.planned:%Y-%m-%d}",
                "earliest": f"{self.window.earliest:%Y-%m-%d}",
                "latest": f"{self.window.latest:%Y-%m-%d}",
                "early": early,
                "late": late,
            }
        else:
            when = gettext("on or after randomization")
        self.fields["day1_date"].help_text = gettext("Cycle %(number)s (%(phase)s): %(when)s.") % {
            "number": self.cycle_number,
            "phase": PHASES.get(self.phase, self.phase),
            "when": when,
        }

    def clean(self):
        cleaned = super().clean()
        self.check_date("day1_date", gettext("day 1 date"), after_randomization=True)
        day1 = cleaned.get("day1_date")
        if day1 and self.previous and day1 <= self.previous.day1_date:
            self.add_error(
                "day1_date",
                gettext("Day 1 must come after cycle %(number)s (%(date)s).")
                % {"number": self.previous.cycle_number, "date": f"{self.previous.day1_date:%Y-%m-%d}"},
            )
        elif (
            day1 and self.window and not self.window.contains(day1) and not cleaned.get("deviation_reason", "").strip()
        ):
            offset = self.window.deviation_days(day1)
            if offset > 0:
                message = ngettext(
                    "Day 1 is %(days)s day late for the window %(earliest)s to %(latest)s: give the reason "
                    "(it is listed as a protocol deviation).",
                    "Day 1 is %(days)s days late for the window %(earliest)s to %(latest)s: give the reason "
                    "(it is listed as a protocol deviation).",
                    abs(offset),
                )
            else:
                message = ngettext(
                    "Day 1 is %(days)s day early for the window %(earliest)s to %(latest)s: give the reason "
                    "(it is listed as a protocol deviation).",
                    "Day 1 is %(days)s days early for the window %(earliest)s to %(latest)s: give the reason "
                    "(it is listed as a protocol deviation).",
                    abs(offset),
                )
            self.add_error(
                "deviation_reason",
                message
                % {
                    "days": abs(offset),
                    "earliest": f"{self.window.earliest:%Y-%m-%d}",
                    "latest": f"{self.window.latest:%Y-%m-%d}",
                },
            )
        if day1 and self.first and self.cycle_number > 1:
            end = schedule.maintenance_end(self.first.day1_date)
            if day1 > end:
                self.add_error(
                    "day1_date",
                    gettext("Maintenance ends 2 years after the first dose (%(date)s).") % {"date": f"{end:%Y-%m-%d}"},
                )
        if cleaned.get("given") is False:
            self.require("not_given_reason", gettext("Say why the cycle was not given."))
        if cleaned.get("given"):
            self.require("anti_pd1_agent")
            self.require("anti_pd1_dose_mg")
        dose = cleaned.get("anti_pd1_dose_mg")
        if dose is not None and not 0 < dose <= 1000:
            self.add_error("anti_pd1_dose_mg", gettext("An anti-PD-1 dose lies between 0 and 1,000 mg."))
        if cleaned.get("chemotherapy_given"):
            if self.phase == schedule.MAINTENANCE:
                self.add_error(
                    "chemotherapy_given",
                    gettext("Maintenance is anti-PD-1 alone: chemotherapy is given only in cycles 1–4."),
                )
            self.require("chemo_agent_1", gettext("Name the chemotherapy agent."))
            self.require("chemo_dose_1", gettext("Give the dose."))
            units = protocol.CHEMOTHERAPY_AGENTS.value
            for agent_field, dose_field in (("chemo_agent_1", "chemo_dose_1"), ("chemo_agent_2", "chemo_dose_2")):
                agent = cleaned.get(agent_field)
                if agent and cleaned.get(dose_field) is None:
                    self.add_error(dose_field, gettext("Give the dose."))
                if agent and units[agent][1] == "mg/m2":
                    self.require("bsa_m2", gettext("Dosing in mg/m² needs the body surface area."))
                if agent and units[agent][1] == "AUC" and cleaned.get(dose_field) and cleaned[dose_field] > 10:
                    self.add_error(
                        dose_field,
                        gettext("%(agent)s is dosed by AUC (usually 2–6), not mg.") % {"agent": units[agent][0]},
                    )
        for flag, reason in (("delayed", "delay_reason"), ("dose_reduced", "dose_reduction_reason")):
            if cleaned.get(flag):
                self.require(reason, gettext("Give the reason."))
        self.check_plausibility(cleaned)
        return cleaned

    def check_plausibility(self, cleaned):
        """Impossible values are errors; unusual ones are errors until the nurse ticks the confirmation."""
        units = protocol.CHEMOTHERAPY_AGENTS.value
        checks = [("weight_kg", protocol.WEIGHT_KG.value, "kg"), ("bsa_m2", protocol.BSA_M2.value, "m²")]
        for agent_field, dose_field in (("chemo_agent_1", "chemo_dose_1"), ("chemo_agent_2", "chemo_dose_2")):
            agent = cleaned.get(agent_field)
            if agent in units:
                checks.append((dose_field, plausibility.chemotherapy_dose_limits(agent), units[agent][1]))
        unusual = False
        for field, limits, unit in checks:
            found = plausibility.problem(cleaned.get(field), limits, unit.replace("m2", "m²"))
            if found is None or field in self.errors:
                continue
            kind, message = found
            if kind == plausibility.HARD:
                self.add_error(field, message)
            else:
                unusual = True
                if not cleaned.get("unusual_values_confirmed"):
                    self.add_error(field, message)
        # The tick means "these unusual values are right": kept only while there are some.
        cleaned["unusual_values_confirmed"] = unusual and bool(cleaned.get("unusual_values_confirmed"))

    def save(self, commit=True):
        self.instance.cycle_number = self.cycle_number
        return super().save(commit)


class LocalInterventionForm(PatientRecordForm):
    class Meta:
        model = LocalIntervention
        fields = [
            "lesion",
            "modality",
            "intent",
            "start_date",
            "end_date",
            "rt_technique",
            "total_dose_gy",
            "fractions",
            "surgery_procedure",
            "resection_margin",
            "ablation_type",
            "ablation_sessions",
            "completed_as_planned",
            "not_completed_reason",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "modality": forms.RadioSelect,
            "intent": forms.RadioSelect,
            "completed_as_planned": forms.RadioSelect,
        }

    MODALITY_FIELDS = {
        "radiotherapy": ["rt_technique", "total_dose_gy", "fractions"],
        "surgery": ["surgery_procedure", "resection_margin"],
        "ablation": ["ablation_type", "ablation_sessions"],
    }
    show_when = {
        **{name: f"modality={modality}" for modality, names in MODALITY_FIELDS.items() for name in names},
        "not_completed_reason": "completed_as_planned=False",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.arm = self.dates.arm
        self.fields["lesion"].queryset = MetastaticLesion.objects.filter(patient=self.patient, voided=False)
        self.fields["modality"].choices = LocalIntervention.Modality.choices  # no blank radio
        self.fields["intent"].choices = LocalIntervention.Intent.choices
        self.fields["intent"].initial = LocalIntervention.Intent.PROTOCOL
        if self.arm != "combined":
            # Systemic arm: local treatment only at progression or for palliation (PROTOCOL.md).
            self.fields["intent"].choices = [LocalIntervention.Intent.choices[1]]
            self.fields["intent"].initial = LocalIntervention.Intent.PALLIATIVE
        self.fields["total_dose_gy"].help_text = gettext(
            "0 < dose ≤ %(max)s Gy. BED₁₀ is computed from dose and fractions."
        ) % {"max": protocol.RT_MAX_TOTAL_DOSE_GY.value}

    def clean(self):
        cleaned = super().clean()
        self.check_date("start_date", gettext("start date"), after_randomization=True)
        self.check_date("end_date", gettext("end date"), after_randomization=True)
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", gettext("The end date cannot precede the start date."))
        if cleaned.get("intent") == LocalIntervention.Intent.PROTOCOL and self.arm != "combined":
            self.add_error("intent", gettext("Only combined-arm patients receive protocol local intervention."))
        modality = cleaned.get("modality")
        for name in self.MODALITY_FIELDS.get(modality, []):
            self.require(name)
        dose, fractions = cleaned.get("total_dose_gy"), cleaned.get("fractions")
        if modality == "radiotherapy":
            if dose is not None and not 0 < dose <= protocol.RT_MAX_TOTAL_DOSE_GY.value:
                self.add_error(
                    "total_dose_gy",
                    gettext("A total dose lies between 0 and %(max)s Gy.")
                    % {"max": protocol.RT_MAX_TOTAL_DOSE_GY.value},
                )
            if fractions is not None and not 1 <= fractions <= protocol.RT_MAX_FRACTIONS.value:
                self.add_error(
                    "fractions", gettext("Between 1 and %(max)s fractions.") % {"max": protocol.RT_MAX_FRACTIONS.value}
                )
            largest = protocol.RT_MAX_DOSE_PER_FRACTION_GY.value
            if dose and fractions and fractions >= 1 and dose / fractions > largest and "fractions" not in self.errors:
                self.add_error(
                    "fractions",
                    gettext("%(dose)s Gy per fraction is not possible (at most %(max)s Gy).")
                    % {"dose": f"{dose / fractions:.1f}", "max": largest},
                )
            if (
                cleaned.get("rt_technique") == "sbrt"
                and dose
                and fractions
                and "total_dose_gy" not in self.errors
                and "fractions" not in self.errors
                and not is_stereotactic_schedule(dose, fractions)
            ):
                self.add_error(
                    "fractions",
                    gettext(
                        "SBRT per protocol is ≤ %(fractions)s fractions of ≥ %(dose)s Gy [default]; "
                        "choose the technique that was used."
                    )
                    % {
                        "fractions": protocol.SBRT_MAX_FRACTIONS.value,
                        "dose": protocol.SBRT_MIN_DOSE_PER_FRACTION_GY.value,
                    },
                )
        if modality == "ablation" and cleaned.get("ablation_sessions") == 0:
            self.add_error("ablation_sessions", gettext("An ablation has at least one session."))
        if cleaned.get("completed_as_planned") is False:
            self.require("not_completed_reason", gettext("Say why it was not completed as planned."))
        return cleaned

    def save(self, commit=True):
        # The lesion carries the patient; PatientRecordForm.save would set a field this model lacks.
        return forms.ModelForm.save(self, commit)


NON_TARGET_CODES = {  # crf.recist's non-target response → the stored TumourAssessment.NonTarget code
    None: TumourAssessment.NonTarget.ABSENT,
    recist.CR: TumourAssessment.NonTarget.CR,
    recist.NON_CR_NON_PD: TumourAssessment.NonTarget.NON_CR_NON_PD,
    recist.PD: TumourAssessment.NonTarget.PD,
    recist.NE: TumourAssessment.NonTarget.NE,
}


def split_lesions(lesions):
    """(targets, non-targets) of a patient's live lesions, in order of entry."""
    lesions = sorted(lesions, key=lambda lesion: lesion.pk)
    return [x for x in lesions if x.target_lesion], [x for x in lesions if not x.target_lesion]


def recist_assessment(assessment, targets, non_targets):
    """A saved assessment as crf.recist reads it (measurements and statuses prefetched)."""
    measured = {m.lesion_id: m for m in assessment.measurements.all()}
    statuses = {s.lesion_id: s.status for s in assessment.non_target_statuses.all()}
    return recist.Assessment(
        measurements=tuple(
            recist.Measurement(lesion.nodal, measured[lesion.pk].diameter_mm, measured[lesion.pk].too_small)
            if lesion.pk in measured
            else recist.Measurement(lesion.nodal, None)
            for lesion in targets
        ),
        non_target_statuses=tuple(statuses.get(lesion.pk, recist.NOT_EVALUATED) for lesion in non_targets),
        new_lesions=assessment.new_lesions,
    )


def baseline_sum(targets):
    """The baseline sum of diameters, or None without target lesions (non-target disease only)."""
    return sum((lesion.baseline_mm or 0 for lesion in targets), 0) if targets else None


class TumourAssessmentForm(PatientRecordForm):
    keep_response = forms.BooleanField(
        required=False, label=_("Keep my overall response although the measurements imply another.")
    )

    class Meta:
        model = TumourAssessment
        fields = ["assessment_date", "imaging_method", "new_lesions", "overall_response"]
        widgets = {"assessment_date": DateInput(), "new_lesions": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lesions = MetastaticLesion.objects.filter(patient=self.patient, voided=False)
        self.targets, self.non_targets = split_lesions(lesions)
        measured, statuses = {}, {}
        if self.instance.pk:
            measured = {m.lesion_id: m for m in self.instance.measurements.all()}
            statuses = {s.lesion_id: s.status for s in self.instance.non_target_statuses.all()}
        too_small = protocol.RECIST_TOO_SMALL_MM.value
        for lesion in self.targets:
            saved = measured.get(lesion.pk)
            described = {
                "label": lesion.label,
                "organ": lesion.get_organ_display(),
                "location": lesion.location,
                "baseline": lesion.baseline_mm,
            }
            if lesion.nodal:
                label = gettext("%(label)s %(organ)s (%(location)s) — short axis (mm)") % described
                help_text = (
                    gettext(
                        "Baseline %(baseline)s mm; under 10 mm is a normal node (it still counts in the sum); "
                        "empty if not assessed."
                    )
                    % described
                )
            else:
                label = gettext("%(label)s %(organ)s (%(location)s) — longest diameter (mm)") % described
                help_text = gettext("Baseline %(baseline)s mm; 0 if disappeared; empty if not assessed.") % described
            self.fields[f"target_{lesion.pk}"] = forms.DecimalField(
                label=label,
                required=False,
                min_value=0,
                max_value=300,
                decimal_places=1,
                initial=saved.diameter_mm if saved else None,
                help_text=help_text,
            )
            self.fields[f"too_small_{lesion.pk}"] = forms.BooleanField(
                label=gettext("%(label)s present but too small to measure (counts as %(mm)s mm)")
                % {"label": lesion.label, "mm": too_small},
                required=False,
                initial=saved.too_small if saved else False,
            )
        for lesion in self.non_targets:
            absent = (
                gettext("Absent (normal size, < 10 mm short axis)") if lesion.nodal else gettext("Absent (disappeared)")
            )
            self.fields[f"non_target_{lesion.pk}"] = forms.ChoiceField(
                label=f"{lesion.label} {lesion.get_organ_display()} ({lesion.location})",
                choices=[
                    (code, absent if code == recist.ABSENT else label) for code, label in NonTargetStatus.Status.choices
                ],
                widget=forms.RadioSelect,
                initial=statuses.get(lesion.pk),
            )
        response = self.fields["overall_response"]
        if self.targets:  # RECIST 1.1 table 1: no non-CR/non-PD
            response.choices = [c for c in response.choices if c[0] != recist.NON_CR_NON_PD]
            response.help_text = _("RECIST 1.1 table 1: from the target and non-target lesions and new lesions.")
        else:  # table 2: without targets there is no PR or SD
            response.choices = [c for c in response.choices if c[0] not in (recist.PR, recist.SD)]
            response.help_text = _("Non-target disease only (RECIST 1.1 table 2): CR, Non-CR/non-PD, PD or NE.")
        if not self.instance.pk:
            self.initial.pop("new_lesions", None)  # asked, never assumed
            self.fields["new_lesions"].initial = None
        self.fields["new_lesions"].choices = [(True, _("Yes")), (False, _("No"))]
        self.helper.layout = Layout(
            "assessment_date",
            "imaging_method",
            *(
                [
                    Fieldset(
                        gettext("Target lesions"),
                        *[n for n in self.fields if n.startswith(("target_", "too_small_"))],
                    )
                ]
                if self.targets
                else []
            ),
            *(
                [Fieldset(gettext("Non-target lesions"), *[n for n in self.fields if n.startswith("non_target_")])]
                if self.non_targets
                else []
            ),
            "new_lesions",
            "overall_response",
            "keep_response",
            *[name for name in ("reason_for_change", "loaded_version") if name in self.fields],
        )
        self.computed = None

    def measurements(self):
        """{lesion: (diameter or None, too small)} as entered."""
        data = self.cleaned_data
        return {
            lesion: (data.get(f"target_{lesion.pk}"), bool(data.get(f"too_small_{lesion.pk}")))
            for lesion in self.targets
        }

    def statuses(self):
        return {lesion: self.cleaned_data.get(f"non_target_{lesion.pk}") for lesion in self.non_targets}

    def save(self, commit=True):
        self.instance.non_target_status = NON_TARGET_CODES[recist.non_target_response(self.statuses().values())]
        return super().save(commit)

    def save_related(self, record, by, reason):
        for lesion, (diameter, too_small) in self.measurements().items():
            measurement = TargetMeasurement.objects.filter(assessment=record, lesion=lesion).first()
            if measurement is None:
                measurement = TargetMeasurement(assessment=record, lesion=lesion)
            elif (measurement.diameter_mm, measurement.too_small) == (diameter, too_small):
                continue
            measurement.diameter_mm, measurement.too_small = diameter, too_small
            save_with_reason(measurement, by, reason if measurement.pk else "")
        for lesion, status in self.statuses().items():
            row = NonTargetStatus.objects.filter(assessment=record, lesion=lesion).first()
            if row is None:
                row = NonTargetStatus(assessment=record, lesion=lesion)
            elif row.status == status:
                continue
            row.status = status
            save_with_reason(row, by, reason if row.pk else "")

    def clean(self):
        cleaned = super().clean()
        self.check_date("assessment_date", gettext("assessment date"), after_randomization=True)
        if not self.targets and not self.non_targets:
            raise forms.ValidationError(
                gettext("Record the patient's lesions in the lesion table before an assessment.")
            )
        for lesion in self.targets:
            if cleaned.get(f"too_small_{lesion.pk}") and cleaned.get(f"target_{lesion.pk}") is not None:
                self.add_error(
                    f"target_{lesion.pk}", gettext("Either a measurement or “too small to measure”, not both.")
                )
        if self.errors:
            return cleaned
        earlier = (
            TumourAssessment.objects.filter(
                patient=self.patient, voided=False, assessment_date__lt=cleaned["assessment_date"]
            )
            .exclude(pk=self.instance.pk)
            .order_by("assessment_date")
            .prefetch_related("measurements", "non_target_statuses")
        )
        current = recist.Assessment(
            measurements=tuple(
                recist.Measurement(lesion.nodal, diameter, too_small)
                for lesion, (diameter, too_small) in self.measurements().items()
            ),
            non_target_statuses=tuple(self.statuses().values()),
            new_lesions=bool(cleaned.get("new_lesions")),
        )
        start = baseline_sum(self.targets)
        numbers = recist.implied_response(
            start, [recist_assessment(a, self.targets, self.non_targets) for a in earlier], current
        )
        self.computed = numbers["implied"]
        if (
            cleaned.get("overall_response")
            and cleaned["overall_response"] != self.computed
            and not cleaned.get("keep_response")
        ):
            if self.targets:
                message = gettext(
                    "The measurements imply %(response)s (%(numbers)s). Correct the response or the "
                    "measurements, or tick “Keep my overall response”."
                )
            else:
                message = gettext(
                    "The lesion statuses imply %(response)s (%(numbers)s). Correct the response or the "
                    "lesion statuses, or tick “Keep my overall response”."
                )
            self.add_error(
                "overall_response", message % {"response": self.computed, "numbers": describe(numbers, start)}
            )
        return cleaned


def describe(numbers, start):
    """The numbers behind an implied response, in the words a nurse checks them with."""
    parts = []
    if start is not None:
        if numbers["sum"] is None:
            parts.append(gettext("a target lesion is not assessed"))
        else:
            change = recist.percent_change(start, numbers["sum"])
            values = {
                "sum": f"{numbers['sum']:.1f}",
                "change": f"{change:+.0f}%" if change is not None else "",
                "baseline": f"{start:.1f}",
                "nadir": f"{numbers['nadir']:.1f}",
            }
            if change is not None:
                parts.append(
                    gettext(
                        "sum %(sum)s mm, %(change)s from baseline %(baseline)s mm, "
                        "nadir (smallest sum so far) %(nadir)s mm"
                    )
                    % values
                )
            else:
                parts.append(gettext("sum %(sum)s mm, nadir (smallest sum so far) %(nadir)s mm") % values)
        parts.append(gettext("target response %(response)s") % {"response": numbers["target"]})
    if numbers["non_target"]:
        parts.append(gettext("non-target response %(response)s") % {"response": numbers["non_target"]})
    else:
        parts.append(gettext("non-target response none"))
    return "; ".join(parts)


class FollowUpForm(PatientRecordForm):
    class Meta:
        model = FollowUp
        fields = [
            "contact_date",
            "vital_status",
            "death_date",
            "death_cause",
            "death_cause_other",
        ]
        widgets = {"contact_date": DateInput(), "death_date": DateInput(), "vital_status": forms.RadioSelect}

    show_when = {
        "death_date": "vital_status=dead",
        "death_cause": "vital_status=dead",
        "death_cause_other": "death_cause=other",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vital_status"].choices = FollowUp.VitalStatus.choices  # no blank radio
        self.fields["contact_date"].help_text = _(
            "The day of the contact or of the information (for a death: when the site learned of it)."
        )
        self.fields["vital_status"].help_text = _(
            "“Dead” records the patient's one death record: end of treatment, off study and a grade 5 adverse "
            "event must agree with it."
        )

    def clean(self):
        cleaned = super().clean()
        self.check_date("contact_date", gettext("contact date"), allow_after_death=True)
        if cleaned.get("vital_status") == FollowUp.VitalStatus.DEAD:
            recorded = (
                FollowUp.objects.filter(patient=self.patient, voided=False, vital_status=FollowUp.VitalStatus.DEAD)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if recorded:
                self.add_error(
                    "vital_status",
                    gettext(
                        "The death is already recorded (follow-up of %(contact)s: died %(death)s). "
                        "A patient has one death record: correct that one if needed."
                    )
                    % {"contact": f"{recorded.contact_date:%Y-%m-%d}", "death": f"{recorded.death_date:%Y-%m-%d}"},
                )
            self.require("death_date", gettext("Give the date of death."))
            self.require("death_cause", gettext("Give the cause of death."))
            if cleaned.get("death_cause") == FollowUp.DeathCause.OTHER:
                self.require("death_cause_other", gettext("Specify the cause."))
            death = cleaned.get("death_date")
            if death:
                self.check_date("death_date", gettext("date of death"), allow_after_death=True)
                if cleaned.get("contact_date") and death > cleaned["contact_date"]:
                    self.add_error("death_date", gettext("The date of death cannot be after the contact date."))
                later = records_after(self.patient, death)
                if later:
                    self.add_error(
                        "death_date",
                        gettext("Records are dated after this date of death: %(records)s.")
                        % {"records": "; ".join(later)},
                    )
        else:
            if self.dates.death and cleaned.get("contact_date") and cleaned["contact_date"] > self.dates.death:
                self.add_error(
                    "vital_status",
                    gettext("The patient's death is recorded on %(date)s.") % {"date": f"{self.dates.death:%Y-%m-%d}"},
                )
        return cleaned


def records_after(patient, day):
    """Clinical records dated after `day` (a date of death): nothing may follow death."""
    found = [
        gettext("follow-up contact on %(date)s with the patient alive") % {"date": f"{f.contact_date:%Y-%m-%d}"}
        for f in patient.follow_ups.filter(voided=False, vital_status=FollowUp.VitalStatus.ALIVE, contact_date__gt=day)
    ]
    found += [
        gettext("%(therapy)s started on %(date)s")
        % {"therapy": t.get_therapy_type_display().lower(), "date": f"{t.start_date:%Y-%m-%d}"}
        for t in patient.new_therapies.filter(voided=False, start_date__gt=day)
    ]
    found += [
        gettext("end of treatment on %(date)s") % {"date": f"{e.end_date:%Y-%m-%d}"}
        for e in EndOfTreatment.objects.filter(patient=patient, voided=False, end_date__gt=day)
    ]
    found += [
        gettext("cycle %(number)s on %(date)s") % {"number": c.cycle_number, "date": f"{c.day1_date:%Y-%m-%d}"}
        for c in patient.cycles.filter(voided=False, day1_date__gt=day)
    ]
    found += [
        gettext("assessment on %(date)s") % {"date": f"{a.assessment_date:%Y-%m-%d}"}
        for a in patient.assessments.filter(voided=False, assessment_date__gt=day)
    ]
    found += [
        gettext("%(modality)s of %(lesion)s on %(date)s")
        % {
            "modality": i.get_modality_display().lower(),
            "lesion": i.lesion.label,
            "date": f"{i.start_date:%Y-%m-%d}",
        }
        for i in LocalIntervention.objects.filter(
            lesion__patient=patient, voided=False, start_date__gt=day
        ).select_related("lesion")
    ]
    return found


DEATH_FIRST = _(
    "Record the death first: “Record a death” on the patient page (in Follow-up) asks its date and cause. "
    "This form then takes its dates from that record."
)


class EndOfTreatmentForm(PatientRecordForm):
    class Meta:
        model = EndOfTreatment
        fields = ["end_date", "reason", "reason_detail"]
        widgets = {"end_date": DateInput()}

    def clean(self):
        cleaned = super().clean()
        self.check_date("end_date", gettext("date of last treatment"), after_randomization=True)
        if cleaned.get("reason") == EndReason.DEATH and not self.dates.death:
            self.add_error("reason", DEATH_FIRST)
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A randomized patient is never a screen failure (intention to treat).
        self.fields["reason"].choices = [c for c in self.fields["reason"].choices if c[0] != EndReason.SCREEN_FAILURE]


class OffStudyForm(PatientRecordForm):
    class Meta:
        model = OffStudy
        fields = ["off_study_date", "reason", "reason_detail"]
        widgets = {"off_study_date": DateInput()}

    def clean(self):
        cleaned = super().clean()
        self.check_date("off_study_date", gettext("off-study date"), allow_after_death=True)
        death, off = self.dates.death, cleaned.get("off_study_date")
        if cleaned.get("reason") == EndReason.DEATH:
            if not death:
                self.add_error("reason", DEATH_FIRST)
            elif off and off < death:
                self.add_error(
                    "off_study_date",
                    gettext("Off study for death cannot precede the date of death (%(date)s).")
                    % {"date": f"{death:%Y-%m-%d}"},
                )
        elif death and off and off >= death and cleaned.get("reason"):
            self.add_error(
                "reason",
                gettext("The patient died on %(date)s, before this date: the reason is “Death”.")
                % {"date": f"{death:%Y-%m-%d}"},
            )
        return cleaned


class NewAnticancerTherapyForm(PatientRecordForm):
    class Meta:
        model = NewAnticancerTherapy
        fields = ["therapy_type", "description", "start_date", "intent"]
        widgets = {"start_date": DateInput(), "therapy_type": forms.RadioSelect, "intent": forms.RadioSelect}
        help_texts = {
            "therapy_type": _(
                "Any anticancer treatment not given as protocol treatment. A local treatment of a "
                "recorded metastasis goes on the local intervention form with palliative intent (it counts as new "
                "therapy too); protocol local intervention in the combined arm is not new therapy."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapy_type"].choices = NewAnticancerTherapy.TherapyType.choices  # no blank radio
        self.fields["intent"].choices = NewAnticancerTherapy.Intent.choices

    def clean(self):
        cleaned = super().clean()
        self.check_date("start_date", gettext("start date"), after_randomization=True)
        return cleaned
