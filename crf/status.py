"""A patient's status, derived from the forms (never typed, never stored).

screening → screen failure / eligible → randomized → on treatment → follow-up → off study
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SCREENING = "screening", _("Screening")
    SCREEN_FAILURE = "screen_failure", _("Screen failure")
    ELIGIBLE = "eligible", _("Eligible")
    RANDOMIZED = "randomized", _("Randomized")
    ON_TREATMENT = "on_treatment", _("On treatment")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OFF_STUDY = "off_study", _("Off study")


@dataclass(frozen=True)
class Facts:
    """What the status depends on, each read from a form (None/False when the form is absent)."""

    eligibility: object = None  # the Eligibility row
    assessment: object = None  # crf.eligibility.assess() of it
    randomized: bool = False
    cycle_given: bool = False
    treatment_ended: bool = False
    off_study: bool = False


def patient_status(facts):
    if facts.off_study:
        return Status.OFF_STUDY
    if facts.randomized:
        if facts.treatment_ended:
            return Status.FOLLOW_UP
        return Status.ON_TREATMENT if facts.cycle_given else Status.RANDOMIZED
    eligibility = facts.eligibility
    if eligibility is None or eligibility.voided:
        return Status.SCREENING
    if eligibility.screen_failure_reason:
        return Status.SCREEN_FAILURE
    if eligibility.confirmed_by_id and facts.assessment.eligible:
        return Status.ELIGIBLE
    return Status.SCREENING
