"""Stratification factors, computed from the clinical forms (PROTOCOL.md, Design) [default]."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from crf.lesions import count_lesions
from esotrial import protocol

NODE_ORGANS = {"non_regional_ln", "regional_ln"}

LEVELS = {
    "lesion_count": {"1": _("1 lesion"), "2-4": _("2–4 lesions")},
    "therapy_line": {"1": _("First line"), "2": _("Second line")},
    "metastasis_type": {"node": _("Non-regional lymph node only"), "visceral": _("Visceral / other")},
}
FACTOR_NAMES = {
    "lesion_count": _("Number of metastatic lesions"),
    "therapy_line": _("Line of systemic therapy"),
    "metastasis_type": _("Metastasis type"),
    "site": _("Site"),
}


def factors(patient):
    """{factor: level} for the configured factors, or raise ValueError naming what is missing."""
    lesions = [lesion for lesion in patient.lesions.all() if not lesion.voided]
    if not lesions:
        raise ValueError(_("No metastatic lesions are recorded."))
    try:
        line = patient.baseline.systemic_therapy_line
    except ObjectDoesNotExist:
        raise ValueError(_("The baseline form (line of systemic therapy) is not completed.")) from None
    total = count_lesions((lesion.label, lesion.organ_key, lesion.longest_diameter_mm) for lesion in lesions).total
    values = {
        "lesion_count": "1" if total == 1 else "2-4",
        "therapy_line": str(line),
        "metastasis_type": "node" if all(lesion.organ in NODE_ORGANS for lesion in lesions) else "visceral",
        "site": patient.site.code,
    }
    return {factor: values[factor] for factor in protocol.STRATIFICATION_FACTORS.value}


def stratum_key(levels):
    """A stable text key such as 'lesion_count=1|therapy_line=2|metastasis_type=node'."""
    return "|".join(f"{factor}={levels[factor]}" for factor in protocol.STRATIFICATION_FACTORS.value)


def parse_stratum_key(key):
    """{factor: level} back from a stratum_key(); {} for an empty key."""
    return dict(part.partition("=")[::2] for part in key.split("|")) if key else {}


def describe(levels):
    return [(FACTOR_NAMES[factor], LEVELS.get(factor, {}).get(level, level)) for factor, level in levels.items()]


def all_strata(site_codes=()):
    """Every stratum key of the configured factors (sites only if 'site' is a factor)."""
    keys = [{}]
    for factor in protocol.STRATIFICATION_FACTORS.value:
        levels = list(site_codes) if factor == "site" else list(LEVELS[factor])
        keys = [{**key, factor: level} for key in keys for level in levels]
    return [stratum_key(key) for key in keys]
