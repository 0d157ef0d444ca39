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

from crf import endpoints, local_control
from crf.models import (
    Baseline,
    Eligibility,
    EndOfTreatment,
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
from crf.radiotherapy import course_doses
from randomization.models import Allocation, Arm
from randomization.strata import LEVELS, parse_stratum_key
from safety import signing
from safety.models import AdverseEvent, Signature

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
    read: Callable  # read(dataset, patients, cutoff) → iterator of rows (lists, in variable order)
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


def _lookups(dataset):
    return list(dict.fromkeys(variable.lookup for variable in dataset.variables if variable.lookup))


def model_rows(dataset, patients):
    """The one query of a model dataset: its lookups' values for the given patients, voided rows included."""
    options = dataset.options
    path = options["patient_path"]
    return (
        options["model"]
        .objects.filter(**{f"{path}__in" if path else "pk__in": patients})
        .order_by(*options["order_by"])
        .values_list(*_lookups(dataset))
    )


def read_model(dataset, patients, cutoff=None):
    """One query per dataset: the model's rows of the given patients, voided rows included."""
    rows = model_rows(dataset, patients)
    row = _Row({lookup: i for i, lookup in enumerate(_lookups(dataset))})
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
ENDPOINTS = (
    ("pfs", "PFS", {0: "Event: progression or death", **endpoints.PFS_CENSORING}),
    (
        "pfs_sens",
        "PFS sensitivity (every progression and death an event)",
        {0: "Event: progression or death", 1: endpoints.PFS_CENSORING[1], 4: endpoints.PFS_CENSORING[4]},
    ),
    ("os", "OS", {0: "Event: death", **endpoints.OS_CENSORING}),
)


def time_to_event_variables(prefix, name, cnsr_codes):
    """The ADaM ADTTE shape of one endpoint (STARTDT, ADT, AVAL, CNSR, EVNTDESC/CNSDTDSC) as columns."""
    return (
        Variable(f"{prefix}_start", f"{name}: start date (STARTDT)", "date"),
        Variable(f"{prefix}_date", f"{name}: event or censoring date (ADT)", "date"),
        Variable(f"{prefix}_days", f"{name}: AVAL = ADT - STARTDT", "integer", unit="days"),
        Variable(f"{prefix}_months", f"{name}: AVAL / 30.4375", "number", unit="months"),
        Variable(
            f"{prefix}_event", f"{name}: event (1 event, 0 censored)", "integer", codes={1: "Event", 0: "Censored"}
        ),
        Variable(f"{prefix}_cnsr", f"{name}: CNSR (0 event, 1+ censoring reason)", "integer", codes=cnsr_codes),
        Variable(f"{prefix}_desc", f"{name}: event or censoring description", "string"),
    )


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
    Variable("data_cutoff", "Data cut-off date (nothing later is used)", "date"),
    *(variable for prefix, name, codes in ENDPOINTS for variable in time_to_event_variables(prefix, name, codes)),
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


def read_analysis(dataset, patients, cutoff=None):
    """A handful of queries whatever the trial size: each table once, grouped by patient here.

    One row per allocation, always (intention to treat): a randomized patient cannot be voided
    (crf.services.void_patient), and one voided before that rule stays in the analysis too.
    Nothing dated after `cutoff` is used (crf.endpoints).
    """
    live = {"voided": False, "patient__in": patients}
    assessments, deaths, alive = defaultdict(list), {}, defaultdict(list)
    events, cycles, interventions, new_therapy = defaultdict(list), {}, defaultdict(list), defaultdict(list)
    treatment_end = {}
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
    given = TreatmentCycle.objects.filter(**live, given=True)
    if cutoff:
        given = given.filter(day1_date__lte=cutoff)
    rows = (
        given.values("patient_id")
        .annotate(n=models.Count("id"), first=models.Min("day1_date"), last=models.Max("day1_date"))
        .values_list("patient_id", "n", "first", "last")
    )
    for patient_id, n, first, last in rows:
        cycles[patient_id] = (n, first)
        alive[patient_id].append(last)
    rows = LocalIntervention.objects.filter(
        voided=False, lesion__voided=False, lesion__patient__in=patients
    ).values_list("lesion__patient_id", "modality", "intent", "start_date", "end_date")
    for patient_id, modality, intent, on, end in rows.iterator(chunk_size=CHUNK):
        if cutoff is None or on <= cutoff:
            interventions[patient_id].append((modality, intent))
        alive[patient_id] += [on, end]
        if intent != LocalIntervention.Intent.PROTOCOL:  # not protocol treatment: new anticancer therapy
            new_therapy[patient_id].append(on)
    rows = NewAnticancerTherapy.objects.filter(**live).values_list("patient_id", "start_date")
    for patient_id, on in rows.iterator(chunk_size=CHUNK):
        new_therapy[patient_id].append(on)
        alive[patient_id].append(on)
    rows = AdverseEvent.objects.filter(**live).values_list(
        "patient_id", "grade", "serious", "immune_related", "onset_date", "resolution_date", "outcome"
    )
    for patient_id, grade, serious, immune_related, on, resolved, outcome in rows.iterator(chunk_size=CHUNK):
        if cutoff is None or on <= cutoff:
            events[patient_id].append((grade, serious, immune_related))
        alive[patient_id].append(on)
        if outcome != AdverseEvent.Outcome.FATAL:
            alive[patient_id].append(resolved)
    for patient_id, on in EndOfTreatment.objects.filter(**live).values_list("patient_id", "end_date"):
        treatment_end[patient_id] = on
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
    if cutoff:
        allocations = allocations.filter(randomized_on__lte=cutoff)
    for patient_id, screening_number, site_code, number, arm, stratum, randomized_on in allocations.iterator(
        chunk_size=CHUNK
    ):
        n_cycles, first_dose = cycles.get(patient_id, (0, None))
        end = treatment_end.get(patient_id)
        record = endpoints.analysis_record(
            endpoints.PatientCourse(
                randomized_on=randomized_on,
                assessments=tuple(assessments[patient_id]),
                death_on=deaths.get(patient_id),
                known_alive=tuple(d for d in alive[patient_id] if d),
                adverse_events=tuple(events[patient_id]),
                cycles_given=n_cycles,
                interventions=tuple(interventions[patient_id]),
                new_therapy_on=tuple(new_therapy[patient_id]),
                missed_deadline=endpoints.missed_deadline_for(first_dose or randomized_on, end),
                cutoff=cutoff,
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
            data_cutoff=cutoff,
            **{f"strat_{factor}": levels.get(factor, "") for factor in STRATUM_FACTORS},
        )
        yield [record[variable.name] for variable in dataset.variables]


# --- Local control: one row per treated lesion (crf.local_control) ---

LOCAL_CONTROL_VARIABLES = (
    Variable("screening_number", "Screening number", "string"),
    Variable("site_code", "Site code", "string"),
    Variable("arm", "Randomized arm", "string", codes=dict(Arm.choices)),
    Variable("lesion_label", "Lesion label", "string"),
    Variable("organ", "Organ", "string", codes=dict(MetastaticLesion._meta.get_field("organ").flatchoices)),
    Variable("target_lesion", "RECIST target lesion", "integer", codes=YES_NO_CODES),
    Variable("modality", "Local intervention", "string", codes=dict(LocalIntervention.Modality.choices)),
    Variable("intent", "Intent", "string", codes=dict(LocalIntervention.Intent.choices)),
    Variable("bed10_gy", "BED10 (Gy), radiotherapy (alpha/beta = 10)", "number", unit="Gy"),
    Variable("data_cutoff", "Data cut-off date (nothing later is used)", "date"),
    *time_to_event_variables(
        "lc", "Local control", {0: "Event: local progression", **endpoints.LOCAL_CONTROL_CENSORING}
    ),
)


def read_local_control(dataset, patients, cutoff=None):
    about = {
        patient_id: (screening_number, site_code, arm)
        for patient_id, screening_number, site_code, arm in patients.values_list(
            "pk", "screening_number", "site__code", "allocation__arm"
        ).iterator(chunk_size=CHUNK)
    }
    for lesion in local_control.treated_lesions(patients, cutoff):
        screening_number, site_code, arm = about[lesion.patient_id]
        intervention = lesion.intervention
        record = {
            "screening_number": screening_number,
            "site_code": site_code,
            "arm": arm,
            "lesion_label": lesion.lesion_label,
            "organ": lesion.organ,
            "target_lesion": int(lesion.target),
            "modality": intervention.modality,
            "intent": intervention.intent,
            "bed10_gy": intervention.bed10,
            "data_cutoff": cutoff,
            **endpoints.endpoint_columns("lc", lesion.outcome),
        }
        yield [record[variable.name] for variable in dataset.variables]


def lesion_at_assessment_dataset(name, label, sas_name, model):
    """One lesion at one assessment (a target's measurement, a non-target's status)."""
    return model_dataset(
        name,
        label,
        sas_name,
        model,
        patient_path="assessment__patient",
        relations={
            "assessment": [
                Variable("assessment_id", "Tumour assessment (record id)", "integer", "assessment_id"),
                Variable("assessment_date", "Assessment date", "date", "assessment__assessment_date"),
            ],
            "lesion": [Variable("lesion_label", "Lesion label", "string", "lesion__label")],
        },
        order_by=["assessment__patient__site__code", "assessment__patient__site_serial", "assessment_id", "id"],
    )


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
        lesion_at_assessment_dataset(
            "target_measurements", "Target lesion measurements (RECIST 1.1)", "TARGMEAS", TargetMeasurement
        ),
        lesion_at_assessment_dataset(
            "non_target_statuses", "Non-target lesion statuses (RECIST 1.1)", "NONTARG", NonTargetStatus
        ),
        model_dataset(
            "new_anticancer_therapy",
            "New anticancer therapy (not protocol treatment)",
            "NEWTHER",
            NewAnticancerTherapy,
            order_by=["patient__site__code", "patient__site_serial", "start_date", "id"],
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
        Dataset(
            "signatures",
            "AE signatures (21 CFR Part 11 manifestation)",
            "SIGNATUR",
            SIGNATURE_VARIABLES,
            read_signatures,
        ),
        Dataset(
            "local_control",
            "Local control per treated lesion (ADTTE style)",
            "LOCALCTL",
            LOCAL_CONTROL_VARIABLES,
            read_local_control,
        ),
    )


# --- Signatures: the manifestation of every AE signature (21 CFR Part 11 §11.50) ---

SIGNATURE_VARIABLES = (
    Variable("screening_number", "Screening number", "string"),
    Variable("site_code", "Site code", "string"),
    Variable("adverse_event_id", "Adverse event (record id)", "integer"),
    Variable("current_ctcae_term", "CTCAE term now (as signed: the AE's audit trail)", "string"),
    Variable("current_grade", "CTCAE grade now (as signed: the AE's audit trail)", "integer"),
    Variable("signer", "Signer (username)", "string"),
    Variable("printed_name", "Signer's printed name at signing", "string"),
    Variable("signed_at", "Signed at (UTC)", "datetime"),
    Variable("meaning", "Meaning of the signature", "string", codes=dict(Signature.Meaning.choices)),
    Variable("values_hash", "SHA-256 of the signed values", "string"),
    Variable("hash_version", "What the hash covers (1 AE fields; 2 also the CTCAE text shown)", "integer"),
    Variable(
        "status",
        "Signature status now",
        "string",
        codes={
            "valid": "Valid: the record is as signed",
            "voided": "Invalidated by an edit through the eCRF",
            "invalidated": "Invalidated: the signed values changed",
        },
    ),
    Variable("invalidated_at", "Invalidated at (UTC), for an edit", "datetime"),
    Variable("invalidated_because", "Why it was invalidated", "string"),
)


def read_signatures(dataset, patients, cutoff=None):
    """One row per signature; its status is checked against the AE as it is now (safety.signing)."""
    aes = (
        AdverseEvent.objects.filter(patient__in=patients)
        .select_related("patient__site", "term")
        .prefetch_related(models.Prefetch("signatures", Signature.objects.select_related("signer")))
        .order_by("patient__site__code", "patient__site_serial", "id")
    )
    for ae in aes.iterator(chunk_size=CHUNK):
        signatures = list(ae.signatures.all())
        current = signing.current_signature(ae, signatures)
        for signature in signatures:
            status = signature.status(current)
            because = signature.void_reason if status == "voided" else ""
            if status == "invalidated":
                because = "The signed values (or the CTCAE text shown) changed after signing."
            yield [
                ae.patient.screening_number,
                ae.patient.site.code,
                ae.pk,
                ae.term.term,
                ae.grade,
                signature.signer.get_username(),
                signature.printed_name,
                signature.signed_at,
                signature.meaning,
                signature.values_hash,
                signature.hash_version,
                status,
                signature.voided_at,
                because,
            ]
