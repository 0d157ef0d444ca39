"""Systemic-therapy cycle schedule and windows (PROTOCOL.md, Treatment).

Day 1 of each cycle falls CYCLE_LENGTH_DAYS after the previous day 1, within a window of
-CYCLE_WINDOW_EARLY_DAYS/+CYCLE_WINDOW_LATE_DAYS; cycles 1..INDUCTION_CYCLES are induction, later
cycles maintenance, which ends MAINTENANCE_MONTHS after the first dose.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from esotrial import protocol

INDUCTION, MAINTENANCE = "induction", "maintenance"


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


@dataclass(frozen=True)
class Due:
    what: str
    window: Window

    def state(self, today: date) -> str:
        if today > self.window.latest:
            return "overdue"
        return "due" if today >= self.window.earliest else "upcoming"


def next_cycle_due(day1_dates, treatment_ended) -> Due | None:
    """The next cycle's window after the last day 1, while treatment goes on (within 2 years)."""
    if not day1_dates or treatment_ended:
        return None
    window = next_cycle_window(max(day1_dates))
    if window.planned > maintenance_end(min(day1_dates)):
        return None
    return Due(f"Cycle {len(day1_dates) + 1}", window)


def next_imaging_due(randomized_on: date, first_dose: date | None, assessment_dates, treatment_end: date | None) -> Due:
    """CT/MRI every 6 weeks in induction, 9 weeks in maintenance, 3 months after treatment [default].

    Induction is taken as the first INDUCTION_CYCLES x CYCLE_LENGTH_DAYS days from the first dose.
    """
    last = max([randomized_on, *assessment_dates])
    if treatment_end:
        planned = add_months(max(last, treatment_end), protocol.IMAGING_INTERVAL_FOLLOW_UP_MONTHS.value)
    else:
        start = first_dose or randomized_on
        induction_end = start + timedelta(days=protocol.INDUCTION_CYCLES.value * protocol.CYCLE_LENGTH_DAYS.value)
        weeks = (
            protocol.IMAGING_INTERVAL_INDUCTION_WEEKS.value
            if last < induction_end
            else protocol.IMAGING_INTERVAL_MAINTENANCE_WEEKS.value
        )
        planned = last + timedelta(weeks=weeks)
    return Due("Tumour assessment", _window_around(planned, protocol.IMAGING_WINDOW_DAYS.value))


def next_follow_up_due(treatment_end: date, contact_dates) -> Due:
    """Survival follow-up every 3 months after the end of treatment [default]."""
    planned = add_months(max([treatment_end, *contact_dates]), protocol.SURVIVAL_FOLLOW_UP_INTERVAL_MONTHS.value)
    return Due("Survival follow-up", _window_around(planned, protocol.IMAGING_WINDOW_DAYS.value))


def _window_around(planned: date, days: int) -> Window:
    return Window(planned, planned - timedelta(days=days), planned + timedelta(days=days))


@dataclass(frozen=True)
class CycleRow:
    cycle: object
    phase: str
    window: Window | None  # None for cycle 1 (no previous day 1)
    deviation_days: int


def cycle_rows(cycles):
    """Each cycle with its phase, its window from the previous cycle and its deviation in days."""
    rows, previous = [], None
    for cycle in sorted(cycles, key=lambda c: c.cycle_number):
        window = next_cycle_window(previous.day1_date) if previous else None
        deviation = window.deviation_days(cycle.day1_date) if window else 0
        rows.append(CycleRow(cycle, phase(cycle.cycle_number), window, deviation))
        previous = cycle
    return rows
