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
