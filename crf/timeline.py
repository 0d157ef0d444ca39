"""A patient's key dates and the order every clinical date must respect (PROTOCOL.md; GCP).

consent ≤ eligibility ≤ randomization ≤ first cycle; nothing after death; nothing in the future.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class KeyDates:
    consent: date
    randomized_on: date | None
    arm: str | None
    death: date | None


def key_dates(patient):
    try:
        randomized_on, arm = patient.allocation.randomized_on, patient.allocation.arm
    except ObjectDoesNotExist:
        randomized_on, arm = None, None
    death = (
        patient.follow_ups.filter(voided=False, vital_status="dead")
        .order_by("death_date")
        .values_list("death_date", flat=True)
        .first()
    )
    return KeyDates(consent=patient.consent_date, randomized_on=randomized_on, arm=arm, death=death)


def date_problems(value, dates, label, *, after_randomization=False, allow_after_death=False):
    """Why `value` cannot be the date of `label` for this patient, as sentences for the nurse."""
    if value is None:
        return []
    problems = []
    if value > timezone.localdate():
        problems.append(_("The %(label)s cannot be in the future.") % {"label": label})
    if value < dates.consent:
        problems.append(
            _("The %(label)s cannot precede informed consent (%(date)s).")
            % {"label": label, "date": f"{dates.consent:%Y-%m-%d}"}
        )
    if after_randomization and dates.randomized_on and value < dates.randomized_on:
        problems.append(
            _("The %(label)s cannot precede randomization (%(date)s).")
            % {"label": label, "date": f"{dates.randomized_on:%Y-%m-%d}"}
        )
    if not allow_after_death and dates.death and value > dates.death:
        problems.append(
            _("The %(label)s cannot be after the date of death (%(date)s).")
            % {"label": label, "date": f"{dates.death:%Y-%m-%d}"}
        )
    return problems


def history_date_problems(value, year_of_birth, consent, label, max_years_before_consent=None):
    """Dates from before the study (diagnosis, baseline imaging): not before the patient was born,
    and, where a limit is given, not implausibly long before consent (a typed 1900 or 2015 for 2025)."""
    if value is None:
        return []
    problems = []
    if year_of_birth and value.year < year_of_birth:
        problems.append(
            _("The %(label)s cannot precede the year of birth (%(year)s).") % {"label": label, "year": year_of_birth}
        )
    elif max_years_before_consent and consent and value < consent.replace(year=consent.year - max_years_before_consent):
        problems.append(
            ngettext(
                "The %(label)s is more than %(years)s year before consent (%(date)s): check the year.",
                "The %(label)s is more than %(years)s years before consent (%(date)s): check the year.",
                max_years_before_consent,
            )
            % {"label": label, "years": max_years_before_consent, "date": f"{consent:%Y-%m-%d}"}
        )
    return problems
