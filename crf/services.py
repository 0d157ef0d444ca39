"""Saving the clinical forms: one function per state change, each in one transaction."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.history import system_reason
from audit.services import save_with_reason, void

from . import derived
from .models import Eligibility, MetastaticLesion, Patient

LESIONS_CHANGED = system_reason(gettext_noop("Lesions changed after the eligibility confirmation: confirm again"))


class VoidRefused(Exception):
    pass


@transaction.atomic
def void_patient(patient, reason, by):
    """Void a registration made in error. A randomized patient stays in the trial for good
    (intention to treat, ICH E9): leaving the study is recorded on the off-study form."""
    Patient.objects.select_for_update().get(pk=patient.pk)  # against a randomization at this moment
    if Patient.objects.filter(pk=patient.pk, allocation__isnull=False).exists():
        raise VoidRefused(
            _(
                "%(patient)s is randomized and stays in the analysis (intention to treat): it cannot be voided. "
                "If the patient leaves the study, complete the off-study form."
            )
            % {"patient": patient.screening_number}
        )
    return void(patient, reason, by)


@transaction.atomic
def save_eligibility(form, patient, by):
    """Save the eligibility answers; confirmation stands only for the answers it confirmed."""
    eligibility = form.save(commit=False)
    eligibility.patient = patient
    if form.cleaned_data.get("confirm"):
        eligibility.confirmed_by, eligibility.confirmed_on = by, timezone.now()
    elif form.changed_fields:
        eligibility.confirmed_by, eligibility.confirmed_on = None, None
    return save_with_reason(eligibility, by, form.reason_for_change)


@transaction.atomic
@derived.deferred()  # one refresh of the patient's derived state for the whole table, not one per row
def save_lesions(formset, patient, by, reason):
    """Save a patient's lesion table. New lesions get the next label (never reused); a removed
    lesion is voided with the reason, so its data stay in the history. Before randomization, a
    change of the lesions clears the investigator's eligibility confirmation: it confirmed the
    counts of the lesions as they were."""
    used = MetastaticLesion.objects.select_for_update().filter(patient=patient).count()
    if any(form.has_changed() for form in formset.forms):
        # A reason for change stored in the audit trail: written by the system, so never translated.
        clear_confirmation(patient, by, LESIONS_CHANGED)
    for form in formset.forms:
        if not form.has_changed() or not form.cleaned_data:
            continue
        lesion = form.instance
        if form.cleaned_data.get("DELETE"):
            if lesion.pk:
                void(lesion, reason, by)
            continue
        lesion = form.save(commit=False)
        lesion.patient = patient
        if not lesion.pk:
            used += 1
            lesion.label = f"L{used}"
            save_with_reason(lesion, by)
        else:
            save_with_reason(lesion, by, reason)


def clear_confirmation(patient, by, reason):
    eligibility = Eligibility.objects.filter(patient=patient, voided=False, confirmed_by__isnull=False).first()
    if eligibility is None or Patient.objects.filter(pk=patient.pk, allocation__isnull=False).exists():
        return  # nothing confirmed, or already randomized on it
    eligibility.confirmed_by, eligibility.confirmed_on = None, None
    save_with_reason(eligibility, by, reason)


@transaction.atomic
def save_record(form, by):
    """Save a patient's clinical form and the rows entered with it, under one audit reason."""
    record = save_with_reason(form.save(commit=False), by, form.reason_for_change)
    form.save_related(record, by, form.reason_for_change)
    return record
