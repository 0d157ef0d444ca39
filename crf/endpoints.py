"""Time-to-event endpoints (PROTOCOL.md, Endpoints), as plain functions over dates.

PFS: from randomization to the first RECIST 1.1 progression or death from any cause, whichever is
first; a patient alive without progression is censored at the last adequate tumour assessment
(FDA 2018 guidance convention) [default], or at randomization when there is none.
OS: from randomization to death from any cause; censored at the last date known alive.
"""

from dataclasses import dataclass
from datetime import date

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class TimeToEvent:
    event: int  # 1 event, 0 censored (CDISC ADTTE CNSR is the opposite: 1 - event)
    on: date
    months: float


def months_between(start, end):
    return round((end - start).days / DAYS_PER_MONTH, 2)


def pfs(randomized_on, assessments, death_on=None):
    """`assessments`: (date, overall response, adequate) per post-randomization assessment.

    An assessment is adequate when its response is evaluable (not NE). Progression is the first
    assessment with response PD.
    """
    dated = sorted((d, r, adequate) for d, r, adequate in assessments if d >= randomized_on)
    progression = next((d for d, response, _ in dated if response == "PD"), None)
    events = [d for d in (progression, death_on) if d]
    if events:
        on = min(events)
        return TimeToEvent(1, on, months_between(randomized_on, on))
    adequate = [d for d, response, ok in dated if ok and response != "NE"]
    on = max(adequate, default=randomized_on)
    return TimeToEvent(0, on, months_between(randomized_on, on))


def overall_survival(randomized_on, death_on=None, known_alive=()):
    """`known_alive`: dates the patient was known alive (visits, assessments, follow-up contacts)."""
    if death_on:
        return TimeToEvent(1, death_on, months_between(randomized_on, death_on))
    on = max([randomized_on, *known_alive])
    return TimeToEvent(0, on, months_between(randomized_on, on))


@dataclass(frozen=True)
class PatientCourse:
    """What the analysis dataset needs of one randomized patient, as plain values."""

    randomized_on: date
    assessments: tuple = ()  # (date, overall response) per tumour assessment
    death_on: date | None = None
    known_alive: tuple = ()  # dates the patient was seen or treated alive
    adverse_events: tuple = ()  # (grade, serious, immune-related) per AE
    cycles_given: int = 0
    interventions: tuple = ()  # (modality, intent) per local intervention


def analysis_record(course):
    """One ADSL/ADTTE-style row: PFS, OS, AE summary and treatment exposure (PROTOCOL.md, Endpoints)."""
    progression_free = pfs(
        course.randomized_on, [(on, response, True) for on, response in course.assessments], course.death_on
    )
    survival = overall_survival(course.randomized_on, course.death_on, course.known_alive)
    grades = [grade for grade, _, _ in course.adverse_events]
    protocol_local = [modality for modality, intent in course.interventions if intent == "protocol"]
    return {
        "pfs_event": progression_free.event,
        "pfs_date": progression_free.on,
        "pfs_months": progression_free.months,
        "os_event": survival.event,
        "os_date": survival.on,
        "os_months": survival.months,
        "worst_ae_grade": max(grades, default=0),
        "any_ae_grade_3_plus": int(any(grade >= 3 for grade in grades)),
        "any_sae": int(any(serious for _, serious, _ in course.adverse_events)),
        "any_irae": int(any(immune for _, _, immune in course.adverse_events)),
        "cycles_received": course.cycles_given,
        "local_radiotherapy": protocol_local.count("radiotherapy"),
        "local_surgery": protocol_local.count("surgery"),
        "local_ablation": protocol_local.count("ablation"),
        "local_palliative": sum(1 for _, intent in course.interventions if intent != "protocol"),
    }
