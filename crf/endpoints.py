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
