"""Registering a screened patient: the one place a screening number is issued."""

from django.db import transaction
from django.db.models import Max

from accounts.models import TrialSite
from esotrial import protocol

from .models import Patient


def screening_number(site_code, serial):
    return f"{site_code}-{serial:0{protocol.SCREENING_NUMBER_DIGITS.value}d}"


@transaction.atomic
def register_patient(patient, by):
    """Give `patient` (unsaved, with site, initials, consent date) the next serial of its site.

    The site row is locked so two nurses registering at once get consecutive numbers rather
    than a unique-constraint error; numbers are never reused, a voided or deleted patient's included.
    """
    site = TrialSite.objects.select_for_update().get(pk=patient.site_id)
    # The counter, not the patients' numbers: a row removed from the database (by anyone) does
    # not free its number. The highest number in use is a floor for counters set before it existed.
    in_use = Patient.objects.filter(site=site).aggregate(last=Max("site_serial"))["last"] or 0
    patient.site_serial = max(site.last_screening_serial, in_use) + 1
    TrialSite.objects.filter(pk=site.pk).update(last_screening_serial=patient.site_serial)
    patient.screening_number = screening_number(site.code, patient.site_serial)
    patient._history_user = by
    patient.save()
    return patient
