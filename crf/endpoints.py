"""Time-to-event endpoints (PROTOCOL.md, Endpoints and Endpoint details), as plain functions over dates.

Censoring follows the FDA guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and
Biologics" (2018), table of PFS censoring, and the ADaM ADTTE conventions: CNSR 0 is an event,
1 and above a censoring reason. The codes and their descriptions below are the ones the trial
export's data dictionary prints. Nothing dated after the data cut-off is used.

PFS: from randomization to the first RECIST 1.1 progression or death from any cause.
  CNSR 0  progression, or death, whichever came first
  CNSR 1  no adequate post-baseline assessment: censored at randomization
  CNSR 2  new anticancer therapy before progression: censored at the last adequate assessment on or
          before its start (randomization when there is none)
  CNSR 3  progression or death after ≥ 2 consecutive missed scheduled assessments: censored at the
          last adequate assessment before the gap
  CNSR 4  alive without progression: censored at the last adequate assessment
PFS sensitivity: every progression and death is an event (CNSR 0, 1 or 4 only).
OS: death from any cause (CNSR 0); alive, censored at the last date known alive (CNSR 1).
Local control, per lesion that received a local intervention: from the intervention to progression
of that lesion (CNSR 0); censored at the lesion's last adequate assessment (CNSR 1), or at the
intervention when the lesion was never assessed after it (CNSR 2).

AVAL is ADT − STARTDT in days; months are days / 30.4375 (365.25 / 12).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from esotrial import protocol

from . import recist
from .schedule import missed_assessments_deadline

DAYS_PER_MONTH = 365.25 / 12

EVENT = 0
PFS_CENSORING = {
    1: "No adequate post-baseline tumour assessment: censored at randomization",
    2: "New anticancer therapy before progression: censored at the last adequate assessment before it",
    3: "Progression or death after two or more missed scheduled assessments: censored at the last "
    "adequate assessment before the gap",
    4: "Alive without progression: censored at the last adequate assessment",
}
OS_CENSORING = {1: "Alive: censored at the last date known alive"}
LOCAL_CONTROL_CENSORING = {
    1: "No local progression: censored at the last adequate assessment of the lesion",
    2: "No assessment of the lesion after its intervention: censored at the intervention",
}
PFS_EVENTS = ("Progression (RECIST 1.1)", "Death")


def months_between(start, end):
    return round((end - start).days / DAYS_PER_MONTH, 2)


@dataclass(frozen=True)
class TimeToEvent:
    """One ADTTE parameter of one subject: STARTDT, ADT, CNSR and EVNTDESC/CNSDTDSC."""

    start: date
    on: date
    cnsr: int
    description: str

    @property
    def event(self):
        return int(self.cnsr == EVENT)

    @property
    def days(self):
        return (self.on - self.start).days

    @property
    def months(self):
        return months_between(self.start, self.on)


def _censored(start, on, code, table):
    return TimeToEvent(start, on, code, table[code])


def _before_cutoff(dates, cutoff):
    return [d for d in dates if d and (cutoff is None or d <= cutoff)]


def adequate(response):
    """An assessment that can tell progression from no progression: any evaluable response."""
    return response not in (None, "", recist.NE)


def pfs(
    randomized_on,
    assessments,
    death_on=None,
    new_therapy_on=(),
    missed_deadline: Callable | None = None,
    cutoff=None,
):
    """PFS per the FDA 2018 censoring table (module docstring for the codes).

    assessments: (date, overall response) per tumour assessment; new_therapy_on: start dates of
    anticancer therapy not given as protocol treatment; missed_deadline(last): the day after
    which an event follows two missed scheduled assessments since `last` (crf.schedule).
    """
    dated = sorted(
        (on, response) for on, response in assessments if on >= randomized_on and (cutoff is None or on <= cutoff)
    )
    progression = next((on for on, response in dated if response == recist.PD), None)
    [death_on] = _before_cutoff([death_on], cutoff) or [None]
    events = [d for d in (progression, death_on) if d]
    event_on = min(events, default=None)
    adequate_dates = [on for on, response in dated if adequate(response)]

    def last_adequate(before):
        return max((on for on in adequate_dates if on <= before), default=randomized_on)

    therapy = min(_before_cutoff(new_therapy_on, cutoff), default=None)
    if therapy and (event_on is None or therapy < event_on):
        return _censored(randomized_on, last_adequate(therapy), 2, PFS_CENSORING)
    if event_on:
        last = max((on for on in adequate_dates if on < event_on), default=randomized_on)
        if missed_deadline and event_on > missed_deadline(last):
            return _censored(randomized_on, last, 3, PFS_CENSORING)
        description = PFS_EVENTS[0] if event_on == progression else PFS_EVENTS[1]
        return TimeToEvent(randomized_on, event_on, EVENT, description)
    if not adequate_dates:
        return _censored(randomized_on, randomized_on, 1, PFS_CENSORING)
    return _censored(randomized_on, max(adequate_dates), 4, PFS_CENSORING)


def pfs_sensitivity(randomized_on, assessments, death_on=None, cutoff=None):
    """Every progression and death is an event, whatever came before it (no censoring for new
    therapy or missed assessments)."""
    return pfs(randomized_on, assessments, death_on, cutoff=cutoff)


def overall_survival(randomized_on, death_on=None, known_alive=(), cutoff=None):
    """`known_alive`: every date the patient was known alive (any dated record of the living patient)."""
    [death_on] = _before_cutoff([death_on], cutoff) or [None]
    if death_on:
        return TimeToEvent(randomized_on, death_on, EVENT, "Death")
    on = max([randomized_on, *_before_cutoff(known_alive, cutoff)])
    return _censored(randomized_on, on, 1, OS_CENSORING)


@dataclass(frozen=True)
class LesionObservation:
    """One lesion at one assessment: a target's measurement, or a non-target's status."""

    on: date
    measurement: recist.Measurement | None = None
    status: str = ""  # a non-target status (crf.recist)

    @property
    def adequate(self):
        if self.measurement is not None:
            return self.measurement.value is not None
        return self.status not in ("", recist.NOT_EVALUATED)


def local_control(treated_on, observations, before_treatment=None, cutoff=None):
    """Local control of one treated lesion [default, PROTOCOL.md]: the first assessment after its
    intervention where the lesion's own value is ≥ 20 % and ≥ 5 mm above its nadir since the
    treatment (its last value before treatment included), or where it is unequivocally
    progressing as a non-target. `before_treatment`: its last value before (baseline or later)."""
    after = sorted(
        (o for o in observations if o.on > treated_on and (cutoff is None or o.on <= cutoff)), key=lambda o: o.on
    )
    nadir = before_treatment
    for observation in after:
        if observation.measurement is not None:
            value = observation.measurement.value
            if value is None:
                continue
            if recist.is_progression(nadir, value):
                return TimeToEvent(treated_on, observation.on, EVENT, "Local progression of the treated lesion")
            nadir = value if nadir is None else min(nadir, value)
        elif observation.status == recist.PROGRESSION:
            return TimeToEvent(treated_on, observation.on, EVENT, "Local progression of the treated lesion")
    assessed = [o.on for o in after if o.adequate]
    if not assessed:
        return _censored(treated_on, treated_on, 2, LOCAL_CONTROL_CENSORING)
    return _censored(treated_on, max(assessed), 1, LOCAL_CONTROL_CENSORING)


def kaplan_meier_at(outcomes, months):
    """The Kaplan–Meier estimate of being event-free at `months`, from TimeToEvent outcomes, or
    None when the curve does not reach `months` (everyone's follow-up ended before it with the
    curve above 0). Product-limit: at each event time t, S *= 1 − d/n, with censorings at t
    counted at risk (events first, the usual convention)."""
    times = sorted((o.months, o.event) for o in outcomes)
    if not times:
        return None
    survival, at_risk, index = 1.0, len(times), 0
    while index < len(times) and times[index][0] <= months:
        t = times[index][0]
        same = [event for time, event in times if time == t]
        if sum(same):
            survival *= 1 - sum(same) / at_risk
        at_risk -= len(same)
        index += len(same)
    if times[-1][0] < months and survival > 0:
        return None
    return survival


@dataclass(frozen=True)
class PatientCourse:
    """What the analysis dataset needs of one randomized patient, as plain values."""

    randomized_on: date
    assessments: tuple = ()  # (date, overall response) per tumour assessment
    death_on: date | None = None
    known_alive: tuple = ()  # dates the patient was seen, treated or otherwise known alive
    adverse_events: tuple = ()  # (grade, serious, immune-related) per AE
    cycles_given: int = 0
    interventions: tuple = ()  # (modality, intent) per local intervention
    new_therapy_on: tuple = ()  # start dates of anticancer therapy not given as protocol treatment
    missed_deadline: Callable | None = None  # crf.schedule.missed_assessments_deadline, bound
    cutoff: date | None = None


def endpoint_columns(prefix, outcome):
    """The ADTTE shape of one endpoint as analysis-dataset columns."""
    return {
        f"{prefix}_start": outcome.start,
        f"{prefix}_date": outcome.on,
        f"{prefix}_days": outcome.days,
        f"{prefix}_months": outcome.months,
        f"{prefix}_event": outcome.event,
        f"{prefix}_cnsr": outcome.cnsr,
        f"{prefix}_desc": outcome.description,
    }


def analysis_record(course):
    """One ADSL/ADTTE-style row: PFS, PFS sensitivity, OS, AE summary and treatment exposure."""
    progression_free = pfs(
        course.randomized_on,
        course.assessments,
        course.death_on,
        course.new_therapy_on,
        course.missed_deadline,
        course.cutoff,
    )
    sensitivity = pfs_sensitivity(course.randomized_on, course.assessments, course.death_on, course.cutoff)
    survival = overall_survival(course.randomized_on, course.death_on, course.known_alive, course.cutoff)
    grades = [grade for grade, _, _ in course.adverse_events]
    protocol_local = [modality for modality, intent in course.interventions if intent == "protocol"]
    return {
        **endpoint_columns("pfs", progression_free),
        **endpoint_columns("pfs_sens", sensitivity),
        **endpoint_columns("os", survival),
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


def missed_deadline_for(start, treatment_end):
    """The schedule's missed-assessment rule for one patient, as pfs() takes it."""

    def deadline(last):
        return missed_assessments_deadline(last, start, treatment_end, protocol.MISSED_ASSESSMENTS_CENSOR.value)

    return deadline
