"""Every protocol parameter the eCRF uses, one name each (shared/trial/PROTOCOL.md).

Forms, schedules, rules and exports import from here; a value that the protocol does not
publish is marked DEFAULT with where it comes from, so the trial team can see and change it in
this one place and the UI can say honestly that it is a default.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Range:
    """Plausible values: outside hard limits a value is impossible (refused, and a database
    constraint); outside soft limits it is unusual (saved once the nurse confirms it)."""

    hard_min: float
    hard_max: float
    soft_min: float
    soft_max: float

    def __str__(self):
        return _("usual %(soft_min)s–%(soft_max)s, possible %(hard_min)s–%(hard_max)s") % {
            "soft_min": f"{self.soft_min:g}",
            "soft_max": f"{self.soft_max:g}",
            "hard_min": f"{self.hard_min:g}",
            "hard_max": f"{self.hard_max:g}",
        }


@dataclass(frozen=True)
class Parameter:
    value: object
    source: str  # "protocol" (published abstract/registry) or "default" (predecessor trial, GCP)
    note: str = ""  # shown on the Protocol page, translated
    unit: str = ""

    @property
    def is_default(self):
        return self.source == "default"


TRIAL_NAME = "ESO-Shanghai20"
REGISTRY_ID = "NCT06190782"
SPONSOR = "Fudan University Shanghai Cancer Center"

TARGET_ENROLLMENT = Parameter(354, "protocol", _("236 combined arm + 118 systemic arm"))
ALLOCATION_RATIO = Parameter((2, 1), "protocol", _("combined : systemic"))
ENROLLMENT_MONTHS = Parameter(36, "protocol")
FOLLOW_UP_MONTHS = Parameter(24, "protocol")

# A consent date before the trial opened is a typing error, not a patient.
EARLIEST_CONSENT_DATE = Parameter(date(2024, 1, 1), "default", _("registry record first posted January 2024"))

# The screening number is the site code, a hyphen and a zero-padded serial: SH01-0007.
SCREENING_NUMBER_DIGITS = Parameter(4, "default", _("room for 9,999 screenings per site"))

# --- Randomization (PROTOCOL.md, Design) ---
RANDOMIZATION_METHOD = Parameter(
    "list",
    "default",
    _("'list' (stratified permuted blocks) or 'minimisation' (Pocock-Simon); fixed at first allocation"),
)
STRATIFICATION_FACTORS = Parameter(
    ("lesion_count", "therapy_line", "metastasis_type"),
    "default",
    _(
        "ESO-Shanghai13: lesions 1 vs 2-4, first vs second line, node-only vs visceral/other; "
        "add 'site' to stratify by site"
    ),
)
BLOCK_SIZES = Parameter((3, 6), "default", _("random block sizes of the permuted-block list, each block exactly 2:1"))
MINIMISATION_PREFERRED_ARM_PROBABILITY = Parameter(0.8, "default", _("random element of Pocock-Simon minimisation"))

# --- Eligibility: genuine oligometastatic disease (ESTRO/ASTRO) ---
MIN_AGE_YEARS = Parameter(18, "protocol", unit=_("years of age"))
MAX_ECOG = Parameter(1, "protocol", _("ECOG performance status 0-1"))
MAX_LESIONS_TOTAL = Parameter(4, "protocol", _("distant metastatic lesions in total"), unit=_("lesions"))
MAX_LESIONS_PER_ORGAN = Parameter(3, "protocol", _("lesions in any single organ"), unit=_("lesions"))
MAX_LESION_DIAMETER_MM = Parameter(50, "protocol", _("largest diameter of each lesion"), unit="mm")
REGIONAL_NODES_COUNT_AS_ONE = Parameter(
    True, "default", _("positive regional lymph nodes together count as one lesion (ESO-Shanghai13)")
)

# --- Systemic therapy (both arms) ---
CYCLE_LENGTH_DAYS = Parameter(21, "protocol", _("day 1 of each cycle after the previous day 1"), unit=_("days"))
CYCLE_WINDOW_EARLY_DAYS = Parameter(3, "default", _("day 1 may be up to this many days early"), unit=_("days"))
CYCLE_WINDOW_LATE_DAYS = Parameter(7, "default", _("day 1 may be up to this many days late"), unit=_("days"))
INDUCTION_CYCLES = Parameter(4, "protocol", _("anti-PD-1 +/- chemotherapy"), unit=_("cycles"))
MAINTENANCE_MONTHS = Parameter(
    24, "protocol", _("anti-PD-1 maintenance up to 2 years from the first dose"), unit=_("months")
)
ANTI_PD1_AGENTS = Parameter(
    {
        "camrelizumab": (_("Camrelizumab"), 200, "mg"),
        "tislelizumab": (_("Tislelizumab"), 200, "mg"),
        "toripalimab": (_("Toripalimab"), 240, "mg"),
        "sintilimab": (_("Sintilimab"), 200, "mg"),
        "pembrolizumab": (_("Pembrolizumab"), 200, "mg"),
        "nivolumab": (_("Nivolumab"), 360, "mg"),
    },
    "default",
    _("anti-PD-1 antibodies approved for ESCC in China, usual flat dose every 3 weeks"),
)
CHEMOTHERAPY_AGENTS = Parameter(
    {
        "paclitaxel": (_("Paclitaxel"), "mg/m2"),
        "nab_paclitaxel": (_("Nab-paclitaxel"), "mg/m2"),
        "docetaxel": (_("Docetaxel"), "mg/m2"),
        "cisplatin": (_("Cisplatin"), "mg/m2"),
        "carboplatin": (_("Carboplatin"), "AUC"),
        "nedaplatin": (_("Nedaplatin"), "mg/m2"),
        "fluorouracil": (_("5-Fluorouracil"), "mg/m2"),
        "capecitabine": (_("Capecitabine"), "mg/m2"),
    },
    "default",
    _("platinum doublets: taxane + platinum, or fluoropyrimidine + cisplatin"),
)

# Per administration, in the agent's unit (mg/m² or carboplatin AUC). Usual: the doses of the
# taxane/platinum and fluoropyrimidine regimens used with anti-PD-1 in ESCC (3-weekly schedules).
CHEMOTHERAPY_DOSE_RANGES = Parameter(
    {
        "paclitaxel": Range(20, 300, 135, 175),
        "nab_paclitaxel": Range(20, 400, 100, 260),
        "docetaxel": Range(10, 120, 60, 75),
        "cisplatin": Range(10, 120, 60, 80),
        "carboplatin": Range(1, 10, 4, 6),
        "nedaplatin": Range(10, 150, 70, 100),
        "fluorouracil": Range(100, 5000, 750, 1000),
        "capecitabine": Range(200, 2500, 1000, 1250),
    },
    "default",
    _("dose per administration (mg/m² or AUC): hard limits refuse, usual ranges ask for confirmation"),
)
WEIGHT_KG = Parameter(Range(20, 250, 35, 150), "default", _("body weight at a cycle"), unit="kg")
BSA_M2 = Parameter(Range(0.8, 3.0, 1.2, 2.4), "default", _("body surface area at a cycle"), unit="m²")
RT_MAX_DOSE_PER_FRACTION_GY = Parameter(30, "default", _("largest single fraction (SBRT)"), unit="Gy")
DIAGNOSIS_MAX_YEARS_BEFORE_CONSENT = Parameter(
    10, "default", _("a histological diagnosis older than this is a typing error"), unit=_("years")
)

# --- Local intervention (combined arm) ---
BED_ALPHA_BETA_GY = Parameter(10, "default", _("alpha/beta for tumour BED (BED10)"), unit="Gy")
RT_MAX_TOTAL_DOSE_GY = Parameter(80, "default", _("plausibility limit for a total RT dose"), unit="Gy")
RT_MAX_FRACTIONS = Parameter(40, "default", _("plausibility limit for the number of fractions"), unit=_("fractions"))
SBRT_MAX_FRACTIONS = Parameter(5, "default", _("stereotactic RT: at most 5 fractions ..."), unit=_("fractions"))
SBRT_MIN_DOSE_PER_FRACTION_GY = Parameter(7, "default", _("... of at least 7 Gy each"), unit="Gy")

LOCAL_INTERVENTION_TARGET_WEEKS = Parameter(
    12,
    "default",
    _("local intervention expected by the end of induction (weeks after the first dose)"),
    unit=_("weeks"),
)
LOCAL_INTERVENTION_LATE_WEEKS = Parameter(8, "default", _("and at the latest this many weeks later"), unit=_("weeks"))

# --- Assessments ---
IMAGING_INTERVAL_INDUCTION_WEEKS = Parameter(6, "default", _("CT/MRI during induction"), unit=_("weeks"))
IMAGING_INTERVAL_MAINTENANCE_WEEKS = Parameter(9, "default", _("CT/MRI during maintenance"), unit=_("weeks"))
IMAGING_INTERVAL_FOLLOW_UP_MONTHS = Parameter(3, "default", _("CT/MRI after the end of treatment"), unit=_("months"))
IMAGING_WINDOW_DAYS = Parameter(
    7, "default", _("imaging and follow-up are due this many days either side"), unit=_("days")
)
SURVIVAL_FOLLOW_UP_INTERVAL_MONTHS = Parameter(3, "default", _("survival contact after treatment"), unit=_("months"))
# xgettext:no-python-format
RECIST_PR_DECREASE_PERCENT = Parameter(30, "default", _("RECIST 1.1: >=30% decrease from baseline sum"), unit="%")
# xgettext:no-python-format
RECIST_PD_INCREASE_PERCENT = Parameter(20, "default", _("RECIST 1.1: >=20% increase from nadir ..."), unit="%")
RECIST_PD_INCREASE_MM = Parameter(5, "default", _("... and >=5 mm absolute increase"), unit="mm")
RECIST_MIN_MEASURABLE_MM = Parameter(10, "default", _("RECIST 1.1: a target measures >=10 mm (CT)"), unit="mm")
RECIST_NODE_TARGET_MIN_SHORT_AXIS_MM = Parameter(
    15, "default", _("RECIST 1.1: a lymph node is a target with a short axis >=15 mm"), unit="mm"
)
RECIST_NODE_PATHOLOGICAL_MIN_SHORT_AXIS_MM = Parameter(
    10, "default", _("RECIST 1.1: a node is pathological from 10 mm short axis; <10 mm is normal"), unit="mm"
)
RECIST_TOO_SMALL_MM = Parameter(
    5, "default", _("RECIST 1.1: a target 'too small to measure' counts as 5 mm"), unit="mm"
)
RECIST_MAX_TARGETS = Parameter(5, "default", _("RECIST 1.1: at most 5 target lesions"), unit=_("lesions"))
RECIST_MAX_TARGETS_PER_ORGAN = Parameter(
    2, "default", _("RECIST 1.1: at most 2 targets per organ; all lymph nodes are one organ"), unit=_("lesions")
)
DISTANT_LESION_REQUIRED = Parameter(
    True,
    "default",
    _("regional lymph nodes alone are not oligometastatic disease (M0): one distant lesion is required"),
)

# --- Endpoints (FDA 2018 "Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics") ---
MISSED_ASSESSMENTS_CENSOR = Parameter(
    2,
    "default",
    _(
        "PFS: progression or death after this many consecutive missed scheduled assessments is censored "
        "at the last adequate assessment before the gap"
    ),
    unit=_("assessments"),
)
LOCAL_PROGRESSION_RULE = Parameter(
    # xgettext:no-python-format
    _(
        "a treated lesion >=20% and >=5 mm over its own nadir since the intervention (its last value before "
        "included), or unequivocal progression of it as a non-target"
    ),
    "default",
    _(
        "local control runs from the lesion's first local intervention; censored at its last adequate assessment "
        "(crf.endpoints.local_control)"
    ),
)
LOCAL_CONTROL_RATE_MONTHS = Parameter(
    12, "default", _("local control reported as the rate at this time"), unit=_("months")
)

# --- Reminders ---
REMINDER_DUE_WITHIN_DAYS = Parameter(3, "default", _("daily digest lists visits due in the next days"), unit=_("days"))
UNSIGNED_AE_REMINDER_DAYS = Parameter(
    7, "default", _("investigators are reminded of AEs unsigned this long"), unit=_("days")
)
SAE_NEAR_DEADLINE_HOURS = Parameter(
    12, "default", _("SAE reports this close to their deadline are flagged"), unit=_("hours")
)

# --- Safety ---
CTCAE_VERSION = Parameter("5.0", "protocol", "NCI CTCAE v5.0")
SAE_REPORT_HOURS = Parameter(
    24, "default", _("serious AEs reported to the sponsor within 24 h of site awareness (GCP)"), unit=_("hours")
)

FREE_TEXT_MAX_CHARS = Parameter(
    2000, "default", _("longest free-text answer (a screen-failure reason, subsequent therapy)"), unit=_("characters")
)
REFERENCE_SAFETY_INFORMATION = Parameter(
    _(
        "Investigator's Brochure of each anti-PD-1 agent, section 'Reference Safety Information', current edition; "
        "SmPC / package insert for the chemotherapy agents"
    ),
    "default",
    _("what an unexpected adverse reaction is judged against (ICH E2A); the sponsor names document and version"),
)

PARAMETERS = {name: value for name, value in globals().items() if isinstance(value, Parameter)}

# How the Protocol page names each parameter (a parameter without a label shows its constant's name).
LABELS = {
    "TARGET_ENROLLMENT": _("Target enrollment"),
    "ALLOCATION_RATIO": _("Allocation ratio"),
    "ENROLLMENT_MONTHS": _("Enrollment months"),
    "FOLLOW_UP_MONTHS": _("Follow-up months"),
    "EARLIEST_CONSENT_DATE": _("Earliest consent date"),
    "SCREENING_NUMBER_DIGITS": _("Screening number digits"),
    "RANDOMIZATION_METHOD": _("Randomization method"),
    "STRATIFICATION_FACTORS": _("Stratification factors"),
    "BLOCK_SIZES": _("Block sizes"),
    "MINIMISATION_PREFERRED_ARM_PROBABILITY": _("Minimisation preferred arm probability"),
    "MIN_AGE_YEARS": _("Min age years"),
    "MAX_ECOG": _("Max ECOG"),
    "MAX_LESIONS_TOTAL": _("Max lesions total"),
    "MAX_LESIONS_PER_ORGAN": _("Max lesions per organ"),
    "MAX_LESION_DIAMETER_MM": _("Max lesion diameter mm"),
    "REGIONAL_NODES_COUNT_AS_ONE": _("Regional nodes count as one"),
    "CYCLE_LENGTH_DAYS": _("Cycle length days"),
    "CYCLE_WINDOW_EARLY_DAYS": _("Cycle window early days"),
    "CYCLE_WINDOW_LATE_DAYS": _("Cycle window late days"),
    "INDUCTION_CYCLES": _("Induction cycles"),
    "MAINTENANCE_MONTHS": _("Maintenance months"),
    "ANTI_PD1_AGENTS": _("Anti-PD-1 agents"),
    "CHEMOTHERAPY_AGENTS": _("Chemotherapy agents"),
    "CHEMOTHERAPY_DOSE_RANGES": _("Chemotherapy dose ranges"),
    "WEIGHT_KG": _("Weight kg"),
    "BSA_M2": _("BSA m2"),
    "RT_MAX_DOSE_PER_FRACTION_GY": _("RT max dose per fraction Gy"),
    "DIAGNOSIS_MAX_YEARS_BEFORE_CONSENT": _("Diagnosis max years before consent"),
    "BED_ALPHA_BETA_GY": _("BED alpha beta Gy"),
    "RT_MAX_TOTAL_DOSE_GY": _("RT max total dose Gy"),
    "RT_MAX_FRACTIONS": _("RT max fractions"),
    "SBRT_MAX_FRACTIONS": _("SBRT max fractions"),
    "SBRT_MIN_DOSE_PER_FRACTION_GY": _("SBRT min dose per fraction Gy"),
    "LOCAL_INTERVENTION_TARGET_WEEKS": _("Local intervention target weeks"),
    "LOCAL_INTERVENTION_LATE_WEEKS": _("Local intervention late weeks"),
    "IMAGING_INTERVAL_INDUCTION_WEEKS": _("Imaging interval induction weeks"),
    "IMAGING_INTERVAL_MAINTENANCE_WEEKS": _("Imaging interval maintenance weeks"),
    "IMAGING_INTERVAL_FOLLOW_UP_MONTHS": _("Imaging interval follow-up months"),
    "IMAGING_WINDOW_DAYS": _("Imaging window days"),
    "SURVIVAL_FOLLOW_UP_INTERVAL_MONTHS": _("Survival follow-up interval months"),
    "RECIST_PR_DECREASE_PERCENT": _("RECIST PR decrease percent"),
    "RECIST_PD_INCREASE_PERCENT": _("RECIST PD increase percent"),
    "RECIST_PD_INCREASE_MM": _("RECIST PD increase mm"),
    "RECIST_MIN_MEASURABLE_MM": _("RECIST min measurable mm"),
    "RECIST_NODE_TARGET_MIN_SHORT_AXIS_MM": _("RECIST node target min short axis mm"),
    "RECIST_NODE_PATHOLOGICAL_MIN_SHORT_AXIS_MM": _("RECIST node pathological min short axis mm"),
    "RECIST_TOO_SMALL_MM": _("RECIST too small mm"),
    "RECIST_MAX_TARGETS": _("RECIST max targets"),
    "RECIST_MAX_TARGETS_PER_ORGAN": _("RECIST max targets per organ"),
    "DISTANT_LESION_REQUIRED": _("Distant lesion required"),
    "MISSED_ASSESSMENTS_CENSOR": _("Missed assessments censor"),
    "LOCAL_PROGRESSION_RULE": _("Local progression rule"),
    "LOCAL_CONTROL_RATE_MONTHS": _("Local control rate months"),
    "REMINDER_DUE_WITHIN_DAYS": _("Reminder due within days"),
    "UNSIGNED_AE_REMINDER_DAYS": _("Unsigned AE reminder days"),
    "SAE_NEAR_DEADLINE_HOURS": _("SAE near deadline hours"),
    "CTCAE_VERSION": _("CTCAE version"),
    "SAE_REPORT_HOURS": _("SAE report hours"),
    "FREE_TEXT_MAX_CHARS": _("Free text max chars"),
    "REFERENCE_SAFETY_INFORMATION": _("Reference safety information"),
}
