"""Saving an adverse event: audit, signature and SAE reporting in one transaction."""

from django.db import transaction

from audit.services import save_with_reason, void
from esotrial.celery import enqueue

from .models import SaeReport
from .signing import void_signatures
from .tasks import notify_sae


@transaction.atomic
def void_adverse_event(ae, reason, by):
    """An AE entered in error: voided with the reason, its signatures voided with it (nothing is
    left to sign); an SAE notification not yet sent is not sent (safety.tasks.claim_sae_notification)."""
    void_signatures(ae, by, f"AE voided: {reason}")
    return void(ae, reason, by)


@transaction.atomic
def save_adverse_event(form, by):
    """Save the AE. An edit voids any signature (back to investigator review); a serious AE,
    new or upgraded, opens its SAE report and queues the expedited notification."""
    ae = save_with_reason(form.save(commit=False), by, form.reason_for_change)
    if form.reason_for_change:
        void_signatures(ae, by, form.reason_for_change)
    report = SaeReport.objects.filter(adverse_event=ae).first()
    if ae.serious and report is None:
        # The 24-hour clock runs from the site's awareness, not from this save: an SAE entered
        # late shows as late (SaeReport.entered_late).
        report = SaeReport.objects.create(adverse_event=ae, aware_at=ae.site_aware_at)
        transaction.on_commit(lambda: enqueue(notify_sae, report.pk))
    elif report and ae.site_aware_at and report.aware_at != ae.site_aware_at:
        report.aware_at = ae.site_aware_at  # a corrected awareness time moves the deadline
        report._history_user, report._change_reason = by, form.reason_for_change
        report.save()
    return ae
