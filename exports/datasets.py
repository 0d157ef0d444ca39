"""The trial dataset's contents: one dataset per form, each a list of variables read in one query.

Variables are built from the models' own fields (verbose name → label, choices → codes, name
suffix → unit), so the data dictionary, the CSV and the SAS/SPSS/Stata files say what the eCRF
says. Every dataset reads from one `patients` queryset, built by the one visibility rule
(`Patient.objects.visible_to`), and streams its rows (`iterator()`: server-side cursors on
PostgreSQL), so memory stays flat and the number of queries does not grow with the trial.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils.text import capfirst

from crf import endpoints
from crf.models import (
    Baseline,
    Eligibility,
    EndOfTreatment,
    FollowUp,
    LocalIntervention,
    MetastaticLesion,
    OffStudy,
    Patient,
    TargetMeasurement,
    TreatmentCycle,
    TumourAssessment,
)
from crf.radiotherapy import course_doses
from randomization.models import Allocation, Arm
from randomization.strata import LEVELS, parse_stratum_key
from safety.models import AdverseEvent

CHUNK = 2000
YES_NO_CODES = {1: "Yes", 0: "No"}
UNITS = {"_mm": "mm", "_gy": "Gy", "_kg": "kg", "_m2": "m²", "_mg": "mg", "_months": "months"}


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    type: str  # "string", "integer", "number", "date" or "datetime" (UTC)
    lookup: str | None = None  # ORM path read with values_list; None for a derived variable
    codes: dict | None = None  # code → label, for coded variables
    unit: str = ""
    derive: Callable | None = None  # value from the row (row[lookup]), for derived variables


@dataclass(frozen=True)
class Dataset:
    name: str  # file name stem, e.g. "cycles"
    label: str
    sas_name: str  # SAS XPORT v5 member name: at most 8 characters
    variables: tuple
    read: Callable  # read(dataset, patients) → iterator of rows (lists, in variable order)
    options: dict = field(default_factory=dict)


def unit_of(name):
    return next((unit for suffix, unit in UNITS.items() if name.endswith(suffix)), "")


def _type_of(model_field):
    if isinstance(model_field, models.BooleanField):
        return "integer"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.DecimalField | models.FloatField):
        return "number"
    if isinstance(model_field, models.IntegerField | models.AutoField | models.BigAutoField):
        return "integer"
    return "string"


def label_of(value, codes):
    return "" if value is None or value == "" else codes.get(value, value)


def variables_of(model, patient_path, relations=None, exclude=()):
    """Screening number and site code, then every concrete field of `model` as variables.

    Foreign keys: to the patient or site, dropped (the screening number and site code say it);
    to a user, that user's username; others as `<name>_id` unless `relations` says otherwise.
    A coded field is its code plus a `<name>_label` variable, as in the admin exports.
    """
    prefix = f"{patient_path}__" if patient_path else ""
    result = [
        Variable("screening_number", "Screening number", "string", f"{prefix}screening_number"),
        Variable("site_code", "Site code", "string", f"{prefix}site__code"),
    ]
    relations = relations or {}
    for model_field in model._meta.concrete_fields:
        name = model_field.name
        if name in exclude or name == "screening_number":  # Patient's own: already the first column
            continue
        label = capfirst(model_field.verbose_name)
        if name in relations:
            result.extend(relations[name])
        elif model_field.is_relation:
            target = model_field.related_model
            if target is Patient or target._meta.label == "accounts.TrialSite":
                continue
            if target._meta.label == settings.AUTH_USER_MODEL:
                result.append(Variable(name, f"{label} (username)", "string", f"{name}__username"))
            else:
                result.append(Variable(f"{name}_id", f"{label} (record id)", "integer", model_field.attname))
        elif isinstance(model_field, models.BooleanField):
            result.append(Variable(name, label, "integer", name, codes=YES_NO_CODES))
        elif model_field.choices:
            codes = dict(model_field.flatchoices)
            result.append(Variable(name, label, _type_of(model_field), name, codes=codes))
            result.append(
                Variable(
                    f"{name}_label",
                    f"{label} (label)",
                    "string",
                    derive=lambda row, n=name, c=codes: label_of(row[n], c),
                )
            )
        else:
            result.append(Variable(name, label, _type_of(model_field), name, unit=unit_of(name)))
    return tuple(result)


class _Row:
    """The current row's values by lookup, for derived variables: one object reused for every row."""

    __slots__ = ("index", "values")

    def __init__(self, index):
        self.index = index
        self.values = ()

    def __getitem__(self, lookup):
        return self.values[self.index[lookup]]


def read_model(dataset, patients):
    """One query per dataset: the model's rows of the given patients, voided rows included."""
    options = dataset.options
    path = options["patient_path"]
    lookups = list(dict.fromkeys(variable.lookup for variable in dataset.variables if variable.lookup))
    rows = (
        options["model"]
        .objects.filter(**{f"{path}__in" if path else "pk__in": patients})
        .order_by(*options["order_by"])
        .values_list(*lookups)
    )
    row = _Row({lookup: i for i, lookup in enumerate(lookups)})
    plan = [(row.index.get(variable.lookup), variable.derive) for variable in dataset.variables]
    for values in rows.iterator(chunk_size=CHUNK):
        row.values = values
        yield [values[position] if derive is None else derive(row) for position, derive in plan]


def model_dataset(
    name, label, sas_name, model, patient_path="patient", order_by=None, relations=None, exclude=(), extra=()
):
    variables = variables_of(model, patient_path, relations, exclude)
    prefix = f"{patient_path}__" if patient_path else ""
    return Dataset(
        name=name,
        label=label,
        sas_name=sas_name,
        variables=variables + tuple(extra),
        read=read_model,
        options={
            "model": model,
            "patient_path": patient_path,
            "order_by": order_by or [f"{prefix}site__code", f"{prefix}site_serial", "id"],
        },
    )


def _rt_doses(row):
    if row["modality"] != LocalIntervention.Modality.RADIOTHERAPY:
        return None, None
    return course_doses(row["total_dose_gy"], row["fractions"])


CTCAE_TERM = (
    Variable("ctcae_term", "CTCAE term", "string", "term__term"),
    Variable("meddra_code", "MedDRA code (CTCAE v5.0 term)", "string", "term__meddra_code"),
    Variable("soc", "System organ class", "string", "term__soc"),
    Variable("ctcae_version", "CTCAE version", "string", "term__version"),
)


# --- The analysis dataset (ADSL/ADTTE style): one row per randomized patient ---

STRATUM_FACTORS = tuple(LEVELS)  # the default factors; 'site' is in site_code already
LOCAL_MODALITIES = tuple(LocalIntervention.Modality.values)
GRADE_CODES = {0: "No adverse event", **{n: f"Grade {n}" for n in range(1, 6)}}

ANALYSIS_VARIABLES = (
    Variable("screening_number", "Screening number", "string"),
    Variable("site_code", "Site code", "string"),
    Variable("randomization_number", "Randomization number", "string"),
    Variable("arm", "Randomized arm", "string", codes=dict(Arm.choices)),
    Variable("arm_label", "Randomized arm (label)", "string"),
    Variable("stratum", "Randomization stratum", "string"),
    *(
        Variable(f"strat_{factor}", f"Stratum: {factor.replace('_', ' ')}", "string", codes=LEVELS[factor])
        for factor in STRATUM_FACTORS
    ),
    Variable("randomized_on", "Date of randomization", "date"),
    Variable(
        "pfs_event", "PFS event (1 progression or death, 0 censored)", "integer", codes={1: "Event", 0: "Censored"}
    ),
    Variable("pfs_date", "PFS event or censoring date", "date"),
    Variable("pfs_months", "PFS (months)", "number", unit="months"),
    Variable("os_event", "OS event (1 death, 0 censored)", "integer", codes={1: "Death", 0: "Censored"}),
    Variable("os_date", "Death or last date known alive", "date"),
    Variable("os_months", "OS (months)", "number", unit="months"),
    Variable("worst_ae_grade", "Worst CTCAE grade of any AE", "integer", codes=GRADE_CODES),
    Variable("any_ae_grade_3_plus", "Any AE of grade 3 or higher", "integer", codes=YES_NO_CODES),
    Variable("any_sae", "Any serious AE", "integer", codes=YES_NO_CODES),
    Variable("any_irae", "Any immune-related AE", "integer", codes=YES_NO_CODES),
    Variable("cycles_received", "Systemic therapy cycles received", "integer", unit="cycles"),
    *(
        Variable(f"local_{modality}", f"Protocol local interventions: {modality}", "integer", unit="lesions")
        for modality in LOCAL_MODALITIES
    ),
    Variable("local_palliative", "Palliative / at-progression local interventions", "integer", unit="lesions"),
)


def read_analysis(dataset, patients):
    """A handful of queries whatever the trial size: each table once, grouped by patient here.

    One row per allocation, always (intention to treat): a randomized patient cannot be voided
    (crf.services.void_patient), and one voided before that rule stays in the analysis too.
    """
    live = {"voided": False, "patient__in": patients}
    assessments, deaths, alive = defaultdict(list), {}, defaultdict(list)
    events, cycles, interventions = defaultdict(list), defaultdict(int), defaultdict(list)
    rows = TumourAssessment.objects.filter(**live).values_list("patient_id", "assessment_date", "overall_response")
    for patient_id, on, response in rows.iterator(chunk_size=CHUNK):
        assessments[patient_id].append((on, response))
        alive[patient_id].append(on)
    rows = FollowUp.objects.filter(**live).values_list("patient_id", "contact_date", "vital_status", "death_date")
    for patient_id, on, vital_status, death_on in rows.iterator(chunk_size=CHUNK):
        if vital_status == FollowUp.VitalStatus.DEAD:
            deaths[patient_id] = min(death_on, deaths.get(patient_id, death_on))
        elif vital_status == FollowUp.VitalStatus.ALIVE:
            alive[patient_id].append(on)
    rows = (
        TreatmentCycle.objects.filter(**live, given=True)
        .values("patient_id")
        .annotate(n=models.Count("id"), last=models.Max("day1_date"))
        .values_list("patient_id", "n", "last")
    )
    for patient_id, n, last in rows:
        cycles[patient_id] = n
        alive[patient_id].append(last)
    rows = LocalIntervention.objects.filter(
        voided=False, lesion__voided=False, lesion__patient__in=patients
    ).values_list("lesion__patient_id", "modality", "intent", "start_date")
    for patient_id, modality, intent, on in rows.iterator(chunk_size=CHUNK):
        interventions[patient_id].append((modality, intent))
        alive[patient_id].append(on)
    rows = AdverseEvent.objects.filter(**live).values_list(
        "patient_id", "grade", "serious", "immune_related", "onset_date"
    )
    for patient_id, grade, serious, immune_related, on in rows.iterator(chunk_size=CHUNK):
        events[patient_id].append((grade, serious, immune_related))
        alive[patient_id].append(on)
    for patient_id, on in EndOfTreatment.objects.filter(**live).values_list("patient_id", "end_date"):
        alive[patient_id].append(on)

    allocations = (
        Allocation.objects.filter(patient__in=patients)
        .order_by("patient__site__code", "patient__site_serial")
        .values_list(
            "patient_id",
            "patient__screening_number",
            "patient__site__code",
            "number",
            "arm",
            "stratum",
            "randomized_on",
        )
    )
    for patient_id, screening_number, site_code, number, arm, stratum, randomized_on in allocations.iterator(
        chunk_size=CHUNK
    ):
        record = endpoints.analysis_record(
            endpoints.PatientCourse(
                randomized_on=randomized_on,
                assessments=tuple(assessments[patient_id]),
                death_on=deaths.get(patient_id),
                known_alive=tuple(alive[patient_id]),
                adverse_events=tuple(events[patient_id]),
                cycles_given=cycles[patient_id],
                interventions=tuple(interventions[patient_id]),
            )
        )
        levels = parse_stratum_key(stratum)
        record.update(
            screening_number=screening_number,
            site_code=site_code,
            randomization_number=number,
            arm=arm,
            arm_label=label_of(arm, dict(Arm.choices)),
            stratum=stratum,
            randomized_on=randomized_on,
            **{f"strat_{factor}": levels.get(factor, "") for factor in STRATUM_FACTORS},
        )
        yield [record[variable.name] for variable in dataset.variables]


def form_datasets():
    """The per-form datasets, in the order a data manager reads the CRF."""
    return (
        model_dataset(
            "patients",
            "Registered patients",
            "PATIENTS",
            Patient,
            patient_path="",
            order_by=["site__code", "site_serial"],
        ),
        model_dataset("eligibility", "Eligibility", "ELIGIB", Eligibility),
        model_dataset("baseline", "Baseline disease characteristics", "BASELINE", Baseline),
        model_dataset(
            "lesions",
            "Metastatic lesions",
            "LESIONS",
            MetastaticLesion,
            order_by=["patient__site__code", "patient__site_serial", "label"],
        ),
        model_dataset(
            "local_interventions",
            "Local interventions (radiotherapy, surgery, ablation)",
            "LOCALINT",
            LocalIntervention,
            patient_path="lesion__patient",
            relations={
                "lesion": [
                    Variable("lesion_id", "Lesion (record id)", "integer", "lesion_id"),
                    Variable("lesion_label", "Lesion label", "string", "lesion__label"),
                ]
            },
            extra=(
                Variable(
                    "dose_per_fraction_gy",
                    "Dose per fraction (Gy), derived",
                    "number",
                    unit="Gy",
                    derive=lambda row: _rt_doses(row)[0],
                ),
                Variable(
                    "bed10_gy",
                    "BED10 (Gy), derived (α/β = 10)",
                    "number",
                    unit="Gy",
                    derive=lambda row: _rt_doses(row)[1],
                ),
            ),
            order_by=[
                "lesion__patient__site__code",
                "lesion__patient__site_serial",
                "lesion__label",
                "start_date",
                "id",
            ],
        ),
        model_dataset(
            "cycles",
            "Systemic therapy cycles",
            "CYCLES",
            TreatmentCycle,
            order_by=["patient__site__code", "patient__site_serial", "cycle_number", "id"],
        ),
        model_dataset(
            "tumour_assessments",
            "Tumour assessments (RECIST 1.1)",
            "TUMASSMT",
            TumourAssessment,
            order_by=["patient__site__code", "patient__site_serial", "assessment_date", "id"],
        ),
        model_dataset(
            "target_measurements",
            "Target lesion measurements (RECIST 1.1)",
            "TARGMEAS",
            TargetMeasurement,
            patient_path="assessment__patient",
            relations={
                "assessment": [
                    Variable("assessment_id", "Tumour assessment (record id)", "integer", "assessment_id"),
                    Variable("assessment_date", "Assessment date", "date", "assessment__assessment_date"),
                ],
                "lesion": [Variable("lesion_label", "Lesion label", "string", "lesion__label")],
            },
            order_by=["assessment__patient__site__code", "assessment__patient__site_serial", "assessment_id", "id"],
        ),
        model_dataset(
            "follow_up",
            "Follow-up contacts and vital status",
            "FOLLOWUP",
            FollowUp,
            order_by=["patient__site__code", "patient__site_serial", "contact_date", "id"],
        ),
        model_dataset("end_of_treatment", "End of treatment", "EOT", EndOfTreatment),
        model_dataset("off_study", "Off study", "OFFSTUDY", OffStudy),
        model_dataset(
            "adverse_events",
            "Adverse events (CTCAE v5.0)",
            "AE",
            AdverseEvent,
            relations={"term": list(CTCAE_TERM)},
            order_by=["patient__site__code", "patient__site_serial", "onset_date", "id"],
        ),
        # Past allocations only: the list and its future slots (AllocationSlot) are never
        # exported, and neither is the slot an allocation took (ICH E9 concealment).
        model_dataset(
            "randomization",
            "Randomization (past allocations)",
            "RANDOM",
            Allocation,
            exclude=("slot",),
        ),
        Dataset("analysis", "Analysis dataset (ADSL/ADTTE style)", "ADSL", ANALYSIS_VARIABLES, read_analysis),
    )
