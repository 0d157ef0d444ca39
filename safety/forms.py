from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crf.forms import DateInput, PatientRecordForm
from crf.models import LocalIntervention, TreatmentCycle
from esotrial import protocol

from . import reporting
from .ctcae import is_other_specify
from .models import Action, AdverseEvent, CtcaeTerm, Relationship, Signature


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"  # the browser's own picker, local time (Asia/Shanghai)

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


SAE_CRITERIA = [
    "sae_death",
    "sae_life_threatening",
    "sae_hospitalization",
    "sae_disability",
    "sae_congenital_anomaly",
    "sae_other_important",
]


class CtcaeTermField(forms.CharField):
    """Typed term name (the page suggests terms as you type) resolved to a CtcaeTerm."""

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        name = value.split(" (")[0]  # the suggestion reads "Term (System organ class)"
        term = CtcaeTerm.objects.filter(version=protocol.CTCAE_VERSION.value, term__iexact=name).first()
        if term is None:
            raise forms.ValidationError(
                gettext("“%(value)s” is not a CTCAE v%(version)s term: pick one of the suggestions.")
                % {"value": value, "version": protocol.CTCAE_VERSION.value}
            )
        return term

    def prepare_value(self, value):
        if isinstance(value, int):
            value = CtcaeTerm.objects.filter(pk=value).first()
        return value.term if isinstance(value, CtcaeTerm) else value


class AdverseEventForm(PatientRecordForm):
    term = CtcaeTermField(
        label=_("CTCAE term"),
        widget=forms.TextInput(
            attrs={
                "list": "ctcae-terms",
                "autocomplete": "off",
                "data-ctcae-search": "1",
                "data-search-url": reverse_lazy("safety:term_search"),
            }
        ),
        help_text=_("Type part of the term or organ class, e.g. “pneum”, and pick a suggestion."),
    )

    class Meta:
        model = AdverseEvent
        fields = [
            "term",
            "verbatim",
            "onset_date",
            "ongoing",
            "resolution_date",
            "grade",
            "serious",
            "site_aware_at",
            *SAE_CRITERIA,
            "expectedness",
            "relationship_to_anti_pd1",
            "relationship_to_chemotherapy",
            "relationship_to_local_intervention",
            "immune_related",
            "action_anti_pd1",
            "action_chemotherapy",
            "treatment_given",
            "outcome",
            "worsening_of",
        ]
        widgets = {
            "onset_date": DateInput(),
            "resolution_date": DateInput(),
            "site_aware_at": DateTimeInput(),
            "grade": forms.RadioSelect,
            "expectedness": forms.RadioSelect,
        }
        # The model's fields without a verbose name (their labels would otherwise not be translated).
        labels = {
            "onset_date": _("Onset date"),
            "ongoing": _("Ongoing"),
            "resolution_date": _("Resolution date"),
            "serious": _("Serious"),
            "expectedness": _("Expectedness"),
            "relationship_to_anti_pd1": _("Relationship to anti pd1"),
            "relationship_to_chemotherapy": _("Relationship to chemotherapy"),
            "relationship_to_local_intervention": _("Relationship to local intervention"),
            "treatment_given": _("Treatment given"),
            "outcome": _("Outcome"),
        }

    show_when = {name: "serious=True" for name in ["site_aware_at", *SAE_CRITERIA, "expectedness"]} | {
        "resolution_date": "ongoing=False"
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = AdverseEvent._meta.get_field("grade").choices
        self.fields["site_aware_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        expectedness = self.fields["expectedness"]
        expectedness.choices = [choice for choice in expectedness.choices if choice[0]]  # radios: no "-----"
        reference = protocol.REFERENCE_SAFETY_INFORMATION.value
        expectedness.help_text = gettext("Against the reference safety information: %(reference)s.") % {
            "reference": reference
        }
        # Everyone receives anti-PD-1: its relationship is always assessed.
        self.fields["relationship_to_anti_pd1"].choices = [
            choice
            for choice in self.fields["relationship_to_anti_pd1"].choices
            if choice[0] != Relationship.NOT_APPLICABLE
        ]
        self.had_chemotherapy = TreatmentCycle.objects.filter(
            patient=self.patient, voided=False, chemotherapy_given=True
        ).exists()
        if not self.instance.pk:
            # What most new AEs are: still going on, nothing changed in the treatment, no treatment
            # given (the outcome then follows "ongoing" on the page: static/js/adverse_event.js).
            for name, value in (
                ("ongoing", True),
                ("outcome", AdverseEvent.Outcome.NOT_RECOVERED),
                ("action_anti_pd1", Action.NONE),
                ("action_chemotherapy", Action.NONE),
                ("treatment_given", AdverseEvent.Treatment.NONE),
            ):
                self.initial.setdefault(name, value)
        if not self.had_chemotherapy and not self.instance.pk:
            self.initial["relationship_to_chemotherapy"] = Relationship.NOT_APPLICABLE
            self.initial["action_chemotherapy"] = Action.NOT_APPLICABLE
        self.had_local_intervention = LocalIntervention.objects.filter(
            lesion__patient=self.patient, voided=False
        ).exists()
        if self.had_local_intervention:
            self.fields["relationship_to_local_intervention"].required = True
        else:
            # Only offered once the patient has received a local intervention.
            del self.fields["relationship_to_local_intervention"]
        earlier = AdverseEvent.objects.filter(patient=self.patient, voided=False).select_related("term")
        if self.instance.pk:
            earlier = earlier.exclude(pk=self.instance.pk)
        self.fields["worsening_of"].queryset = earlier
        self.fields["worsening_of"].label = _("Worsening of an earlier AE")
        self.fields["worsening_of"].label_from_instance = lambda ae: (
            gettext("%(patient)s %(term)s grade %(grade)s")
            % {
                "patient": ae.patient,
                "term": ae.term.term,
                "grade": ae.grade,
            }
        )

    def clean(self):
        cleaned = super().clean()
        term, grade = cleaned.get("term"), cleaned.get("grade")
        if term and grade and grade not in term.grades:
            defined = ", ".join(str(n) for n in term.grades)
            self.add_error(
                "grade",
                gettext("CTCAE defines grades %(grades)s for %(term)s; grade %(grade)s does not exist.")
                % {"grades": defined, "term": term.term, "grade": grade},
            )
        if term and is_other_specify(term.term):
            self.require("verbatim", gettext("Describe the event: this is an “Other, specify” term."))
        self.check_date("onset_date", gettext("onset date"), allow_after_death=False)
        self.check_date("resolution_date", gettext("resolution date"))
        onset, resolution = cleaned.get("onset_date"), cleaned.get("resolution_date")
        if onset and resolution and resolution < onset:
            self.add_error("resolution_date", gettext("The resolution date cannot precede the onset."))
        if cleaned.get("ongoing") is False and not resolution and cleaned.get("outcome") not in ("fatal", "unknown"):
            self.add_error("resolution_date", gettext("Give the resolution date, or tick “ongoing”."))
        fatal = cleaned.get("outcome") == AdverseEvent.Outcome.FATAL
        if grade == 5 and not fatal:
            self.add_error("outcome", gettext("A grade 5 event is fatal: the outcome must be “Fatal”."))
        if fatal and grade and grade != 5:
            self.add_error("grade", gettext("A fatal outcome is grade 5."))
        if grade == 5:
            if not self.dates.death:
                self.add_error(
                    "grade", gettext("Record the death in Follow-up (date and cause) before a grade 5 event.")
                )
            elif onset and onset > self.dates.death:
                self.add_error(
                    "onset_date",
                    gettext("The onset cannot follow the death (%(date)s).") % {"date": f"{self.dates.death:%Y-%m-%d}"},
                )
            if not (cleaned.get("serious") and cleaned.get("sae_death")):
                self.add_error("sae_death", gettext("A grade 5 event is serious: “results in death”."))
        if cleaned.get("serious") and not any(cleaned.get(name) for name in SAE_CRITERIA):
            self.add_error("serious", gettext("Tick at least one seriousness criterion."))
        if cleaned.get("serious"):
            self.check_serious(cleaned, onset)
        self.check_consistency(cleaned, grade, onset, resolution)
        previous = cleaned.get("worsening_of")
        if previous and term and previous.term_id != term.pk:
            self.add_error(
                "worsening_of",
                gettext("The earlier AE is %(term)s: a worsening keeps the same term.") % {"term": previous.term.term},
            )
        elif previous and grade and grade <= previous.grade:
            self.add_error(
                "worsening_of",
                gettext("A worsening has a higher grade than the earlier %(grade)s.") % {"grade": previous.grade},
            )
        return cleaned

    def check_serious(self, cleaned, onset):
        """ICH E2A: when the site became aware starts the 24-hour clock; expectedness makes a SUSAR."""
        self.require("site_aware_at", gettext("When did the site become aware of this serious event?"))
        self.require("expectedness", gettext("Expected or unexpected, against the reference safety information?"))
        aware = cleaned.get("site_aware_at")
        if aware and aware > timezone.now():
            self.add_error("site_aware_at", gettext("The site cannot become aware in the future."))
        elif aware and onset and timezone.localtime(aware).date() < onset:
            self.add_error(
                "site_aware_at",
                gettext("The site cannot be aware before the onset (%(date)s).") % {"date": f"{onset:%Y-%m-%d}"},
            )

    def check_consistency(self, cleaned, grade, onset, resolution):
        """The answers of one AE that must agree (CDISC AE: AEOUT, AEENRF, AESDTH, AEREL)."""
        outcome, ongoing = cleaned.get("outcome"), cleaned.get("ongoing")
        Outcome = AdverseEvent.Outcome
        if cleaned.get("sae_death") and cleaned.get("serious") and grade and grade != 5:
            self.add_error("sae_death", gettext("“Results in death” is a grade 5 event with outcome “Fatal”."))
        if outcome in (Outcome.RECOVERED, Outcome.SEQUELAE):
            if ongoing:
                self.add_error("ongoing", gettext("A recovered event is no longer ongoing: untick “ongoing”."))
            elif not resolution:
                self.add_error("resolution_date", gettext("A recovered event has a resolution date."))
        if outcome in (Outcome.RECOVERING, Outcome.NOT_RECOVERED):
            if ongoing is False:
                self.add_error("ongoing", gettext("An event not yet recovered is ongoing: tick “ongoing”."))
            if resolution:
                self.add_error("resolution_date", gettext("An event not yet recovered has no resolution date."))
        if outcome == Outcome.FATAL and resolution and self.dates.death and resolution != self.dates.death:
            self.add_error(
                "resolution_date",
                gettext("A fatal event ends on the date of death recorded in Follow-up (%(date)s).")
                % {"date": f"{self.dates.death:%Y-%m-%d}"},
            )
        if cleaned.get("immune_related") and cleaned.get("relationship_to_anti_pd1") not in reporting.RELATED_CODES:
            self.add_error(
                "relationship_to_anti_pd1",
                gettext("An immune-related AE is related to anti-PD-1 (possible or stronger)."),
            )


class SignatureForm(forms.Form):
    """The signature's two components (§11.200(a)(1)): the first signing of a session asks the
    user name and the password, later signings in the same continuous session the password."""

    username = forms.CharField(label=_("User name"), widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    meaning = forms.ChoiceField(
        label=_("Meaning"), choices=Signature.Meaning.choices, initial=Signature.Meaning.REVIEWED
    )

    def __init__(self, *args, user, first_in_session, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not first_in_session:
            del self.fields["username"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if username != self.user.get_username():
            raise forms.ValidationError(
                gettext(
                    "This is not the user name of the account signed in. Nothing was signed; the attempt is recorded."
                )
            )
        return username
