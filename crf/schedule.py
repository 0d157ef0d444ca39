"""Systemic-therapy cycle schedule and windows (PROTOCOL.md, Treatment).

Day 1 of each cycle falls CYCLE_LENGTH_DAYS after the previous day 1, within a window of
-CYCLE_WINDOW_EARLY_DAYS/+CYCLE_WINDOW_LATE_DAYS; cycles 1..INDUCTION_CYCLES are induction, later
cycles maintenance, which ends MAINTENANCE_MONTHS after the first dose.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from esotrial import protocol

# Visit names are lazy: a plan computed once (the nightly digests) reads in each recipient's language.
_ = gettext_lazy
interpolate = lazy(lambda text, values: str(text) % values, str)

INDUCTION, MAINTENANCE = "induction", "maintenance"
# What the page shows for a phase; the phase itself is a code the forms compare.
PHASE_LABELS = {INDUCTION: gettext_lazy("induction"), MAINTENANCE: gettext_lazy("maintenance")}


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):  # clamp 31 Jan + 1 month to the end of February
        try:
            return date(year, month, last_day)
        except ValueError:
            continue
    raise ValueError(day)


def phase(cycle_number: int) -> str:
    return INDUCTION if cycle_number <= protocol.INDUCTION_CYCLES.value else MAINTENANCE


def maintenance_end(first_dose: date) -> date:
    """The last day a maintenance cycle may start: 2 years after the first dose."""
    return add_months(first_dose, protocol.MAINTENANCE_MONTHS.value)


@dataclass(frozen=True)
class Window:
    planned: date
    earliest: date
    latest: date

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest

    def deviation_days(self, day: date) -> int:
        """Days outside the window (negative early, positive late, 0 inside)."""
        if day < self.earliest:
            return (day - self.earliest).days
        if day > self.latest:
            return (day - self.latest).days
        return 0


def next_cycle_window(previous_day1: date) -> Window:
    planned = previous_day1 + timedelta(days=protocol.CYCLE_LENGTH_DAYS.value)
    return Window(
        planned=planned,
        earliest=planned - timedelta(days=protocol.CYCLE_WINDOW_EARLY_DAYS.value),
        latest=planned + timedelta(days=protocol.CYCLE_WINDOW_LATE_DAYS.value),
    )


def _window_around(planned: date, days: int) -> Window:
    return Window(planned, planned - timedelta(days=days), planned + timedelta(days=days))


@dataclass(frozen=True)
class CycleRow:
    cycle: object
    phase: str
    window: Window | None  # None for cycle 1 (no previous day 1)
    deviation_days: int

    @property
    def phase_label(self):
        return PHASE_LABELS[self.phase]


def cycle_rows(cycles):
    """Each cycle with its phase, its window from the previous cycle and its deviation in days."""
    rows, previous = [], None
    for cycle in sorted(cycles, key=lambda c: c.cycle_number):
        window = next_cycle_window(previous.day1_date) if previous else None
        deviation = window.deviation_days(cycle.day1_date) if window else 0
        rows.append(CycleRow(cycle, phase(cycle.cycle_number), window, deviation))
        previous = cycle
    return rows


# --- The visit plan (what is expected, done, due, overdue or missed) ---

UPCOMING, DUE, OVERDUE, DONE, MISSED = "upcoming", "due", "overdue", "done", "missed"
# What the page shows for a state; the state itself is a code that pages and reminders compare.
STATE_LABELS = {
    UPCOMING: gettext_lazy("upcoming"),
    DUE: gettext_lazy("due"),
    OVERDUE: gettext_lazy("overdue"),
    DONE: gettext_lazy("done"),
    MISSED: gettext_lazy("missed"),
}


@dataclass(frozen=True)
class PlannedVisit:
    kind: str  # "cycle", "local_intervention", "assessment", "follow_up"
    key: str  # stable across recomputation, e.g. "cycle:5", "local_intervention:L2"
    what: str
    window: Window
    state: str
    done_on: date | None = None
    missed_reason: str = ""

    @property
    def state_label(self):
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class Course:
    """The plain facts of one patient's course that the plan is computed from."""

    randomized_on: date
    arm: str
    cycle_dates: tuple = ()  # day 1 of each live cycle, in cycle order
    lesions: tuple = ()  # (label, date of its first local intervention or None)
    assessment_dates: tuple = ()
    progression_on: date | None = None  # first RECIST PD: imaging stops there
    treatment_end: date | None = None
    follow_up_dates: tuple = ()
    stopped_on: date | None = None  # death or off study: nothing is expected after it
    missed: dict = None  # key -> reason


def state_on(window, today):
    if today > window.latest:
        return OVERDUE
    return DUE if today >= window.earliest else UPCOMING


# Each kind of visit's name, from its key ("cycle:5" → "Cycle 5"): the plan and the stored next
# visit (crf.derived) name visits alike.
VISIT_NAMES = {
    "cycle": (_("Cycle %(number)s"), "number"),
    "local_intervention": (_("Local intervention %(lesion)s"), "lesion"),
    "assessment": (_("Tumour assessment %(number)s"), "number"),
    "follow_up": (_("Survival follow-up %(number)s"), "number"),
}


def visit_name(key):
    kind, _colon, which = key.partition(":")
    text, placeholder = VISIT_NAMES[kind]
    return interpolate(text, {placeholder: which})


def _series(kind, done_dates, first_window, next_window, end, today, missed, expect_more=True):
    """Done visits, then expected ones until `end`; only the first unresolved visit can be overdue,
    later ones are planned from today (the schedule follows reality, it does not pile up)."""
    visits, window, number = [], first_window, 0
    for number, done_on in enumerate(done_dates, start=1):
        key = f"{kind}:{number}"
        visits.append(PlannedVisit(kind, key, visit_name(key), window, DONE, done_on))
        window = next_window(done_on, number + 1)
    number += 1
    while expect_more and window and (end is None or window.planned <= end):
        key = f"{kind}:{number}"
        if key in missed:
            visits.append(PlannedVisit(kind, key, visit_name(key), window, MISSED, missed_reason=missed[key]))
            window = next_window(window.planned, number + 1)
        else:
            state = state_on(window, today)
            visits.append(PlannedVisit(kind, key, visit_name(key), window, state))
            window = next_window(max(window.planned, today), number + 1)
        number += 1
        if number > 60:  # 2 years of 21-day cycles is 35; a guard, not a rule
            break
    return visits


def next_assessment_window(last, start, treatment_end=None):
    """When the tumour assessment after one on `last` is due: 6 weeks in induction, 9 weeks in
    maintenance, 3 months after the end of treatment [default]. `start`: the first dose, or
    randomization before it."""
    if treatment_end and last >= treatment_end:
        planned = add_months(last, protocol.IMAGING_INTERVAL_FOLLOW_UP_MONTHS.value)
    else:
        induction_end = start + timedelta(days=protocol.INDUCTION_CYCLES.value * protocol.CYCLE_LENGTH_DAYS.value)
        weeks = (
            protocol.IMAGING_INTERVAL_INDUCTION_WEEKS.value
            if last < induction_end
            else protocol.IMAGING_INTERVAL_MAINTENANCE_WEEKS.value
        )
        planned = last + timedelta(weeks=weeks)
    return _window_around(planned, protocol.IMAGING_WINDOW_DAYS.value)


def missed_assessments_deadline(last, start, treatment_end=None, missed=2):
    """The last day of the window of the `missed`-th scheduled assessment after one on `last`:
    an event found after it follows that many missed assessments (FDA 2018 censoring table)."""
    window = None
    for _step in range(missed):
        window = next_assessment_window(window.planned if window else last, start, treatment_end)
    return window.latest


def visit_plan(course, today):
    """Every expected visit of a randomized patient, with its derived state (PROTOCOL.md)."""
    missed = course.missed or {}
    first_dose = course.cycle_dates[0] if course.cycle_dates else None
    start = first_dose or course.randomized_on
    stop = course.stopped_on
    plan = []

    # Systemic therapy: every 21 days from the actual previous day 1, until 2 years after the first dose.
    cycle_end = None if first_dose is None else maintenance_end(first_dose)
    ends = [d for d in (cycle_end, course.treatment_end, stop) if d]
    first = Window(
        course.randomized_on,
        course.randomized_on,
        course.randomized_on + timedelta(days=protocol.CYCLE_WINDOW_LATE_DAYS.value),
    )
    cycles = _series(
        "cycle",
        course.cycle_dates,
        first,
        lambda day, number: next_cycle_window(day),
        min(ends, default=None),
        today,
        missed,
        expect_more=not (course.treatment_end or stop),
    )
    plan += cycles

    # Local intervention to every lesion, combined arm only, during or after induction.
    if course.arm == "combined":
        target = start + timedelta(weeks=protocol.LOCAL_INTERVENTION_TARGET_WEEKS.value)
        window = Window(target, start, target + timedelta(weeks=protocol.LOCAL_INTERVENTION_LATE_WEEKS.value))
        for label, treated_on in course.lesions:
            key = f"local_intervention:{label}"
            if treated_on:
                state = DONE
            elif key in missed:
                state = MISSED
            elif stop:
                continue
            else:
                state = state_on(window, today)
            plan.append(
                PlannedVisit(
                    "local_intervention",
                    key,
                    visit_name(key),
                    window,
                    state,
                    treated_on,
                    missed.get(key, ""),
                )
            )

    # Tumour assessments: 6 weeks in induction, 9 in maintenance, 3 months after treatment; until PD.
    def next_assessment(last, number):
        return next_assessment_window(last, start, course.treatment_end)

    follow_up_end = add_months(course.treatment_end or start, protocol.FOLLOW_UP_MONTHS.value)
    imaging_end = min([d for d in (course.progression_on, stop, follow_up_end) if d])
    plan += _series(
        "assessment",
        course.assessment_dates,
        next_assessment(course.randomized_on, 1),
        next_assessment,
        imaging_end,
        today,
        missed,
        expect_more=course.progression_on is None,
    )

    # Survival follow-up every 3 months after the end of treatment, for 24 months.
    if course.treatment_end:
        months = protocol.SURVIVAL_FOLLOW_UP_INTERVAL_MONTHS.value

        def next_contact(last, number):
            return _window_around(add_months(last, months), protocol.IMAGING_WINDOW_DAYS.value)

        end = min([d for d in (stop, follow_up_end) if d])
        plan += _series(
            "follow_up",
            course.follow_up_dates,
            next_contact(course.treatment_end, 1),
            next_contact,
            end,
            today,
            missed,
        )
    return plan


def to_act_on(visit, until):
    """What the Due visits list shows: a visit overdue, due, or upcoming with its target date by `until`."""
    return visit.state in (DUE, OVERDUE) or (visit.state == UPCOMING and visit.window.planned <= until)


def next_due(plan):
    """The visits a nurse must act on (due or overdue) and the next upcoming one of each kind."""
    open_visits = [v for v in plan if v.state in (DUE, OVERDUE)]
    upcoming = {}
    for visit in plan:
        if visit.state == UPCOMING and visit.kind not in upcoming:
            upcoming[visit.kind] = visit
    return sorted(open_visits + list(upcoming.values()), key=lambda v: v.window.planned)
