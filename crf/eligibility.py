"""Is the patient eligible? One function over the answered criteria and the lesions entered."""

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from esotrial import protocol

from .lesions import count_lesions
from .models import Eligibility

# (field, the answer that meets the criterion)
INCLUSION = [
    ("age_18_or_over", True),
    ("ecog_0_1", True),
    ("histology_escc", True),
    ("primary_controlled_or_treatable", True),
    ("lesions_amenable_to_local_treatment", True),
    ("adequate_organ_function", True),
]
EXCLUSION = [
    ("polymetastatic_or_induced_history", False),
    ("perforation_or_active_hemorrhage", False),
    ("progression_on_prior_anti_pd1", False),
    ("active_autoimmune_disease", False),
    ("systemic_steroids_over_10mg", False),
]
CRITERIA = INCLUSION + EXCLUSION
# Not published with the protocol: defaults from ESO-Shanghai13 (PROTOCOL.md "Further criteria").
DEFAULT_CRITERIA = {
    "primary_controlled_or_treatable",
    "lesions_amenable_to_local_treatment",
    "adequate_organ_function",
    "active_autoimmune_disease",
    "systemic_steroids_over_10mg",
}


@dataclass(frozen=True)
class Assessment:
    failures: list  # each a sentence naming the criterion that is not met
    lesion_count: int

    @property
    def eligible(self):
        return not self.failures


def assess(eligibility, lesions, patient):
    """`eligibility`: the answers (an Eligibility or anything with its attributes);
    `lesions`: the patient's live MetastaticLesion rows."""
    failures = []
    for field, meets in CRITERIA:
        answer = getattr(eligibility, field)
        if answer is not meets:
            label = Eligibility._meta.get_field(field).verbose_name
            given = _("not answered") if answer is None else (_("Yes") if answer else _("No"))
            if meets:
                message = _("Inclusion criterion not met: %(criterion)s (answered: %(answer)s).")
            else:
                message = _("Exclusion criterion not met: %(criterion)s (answered: %(answer)s).")
            failures.append(message % {"criterion": label, "answer": given})
    counted = count_lesions((lesion.label, lesion.organ_key, lesion.longest_diameter_mm) for lesion in lesions)
    failures += counted.breaches
    if lesions and not any(lesion.pathologically_confirmed for lesion in lesions):
        failures.append(_("No metastasis is marked pathologically confirmed (inclusion 5)."))
    min_age = protocol.MIN_AGE_YEARS.value
    if eligibility.assessment_date and eligibility.assessment_date.year - patient.year_of_birth < min_age:
        failures.append(
            _("Born in %(year)s: younger than %(age)s at assessment.") % {"year": patient.year_of_birth, "age": min_age}
        )
    try:
        ecog = patient.baseline.ecog
    except ObjectDoesNotExist:
        ecog = None  # the answered criterion stands until the baseline form is entered
    if ecog is not None and ecog > protocol.MAX_ECOG.value:
        failures.append(
            _("Baseline ECOG is %(ecog)s; the protocol allows 0–%(max)s.")
            % {"ecog": ecog, "max": protocol.MAX_ECOG.value}
        )
    return Assessment(failures=failures, lesion_count=counted.total)
