"""A patient's status, derived from the forms (never typed, never stored)."""

from django.db import models


class Status(models.TextChoices):
    SCREENING = "screening", "Screening"
    SCREEN_FAILURE = "screen_failure", "Screen failure"
    ELIGIBLE = "eligible", "Eligible"


def patient_status(eligibility, assessment):
    """`eligibility`: the patient's Eligibility or None; `assessment`: crf.eligibility.assess() of it."""
    if eligibility is None or eligibility.voided:
        return Status.SCREENING
    if eligibility.screen_failure_reason:
        return Status.SCREEN_FAILURE
    if eligibility.confirmed_by_id and assessment.eligible:
        return Status.ELIGIBLE
    return Status.SCREENING
