"""Saving an adverse event: audit, signature and SAE reporting in one transaction."""

from django.db import transaction
from django.utils import timezone

from audit.services import save_with_reason
from esotrial.celery import enqueue

from .models import SaeReport
from .signing import void_signatures
from .tasks import notify_sae


@transaction.atomic
def save_adverse_event(form, by):
    """Save the AE. An edit voids any signature (back to investigator review); a serious AE,
    new or upgraded, opens its SAE report and queues the expedited notification."""
    ae = save_with_reason(form.save(commit=False), by, form.reason_for_change)
    if form.reason_for_change:
        void_signatures(ae, by, form.reason_for_change)
    if ae.serious and not SaeReport.objects.filter(adverse_event=ae).exists():
        report = SaeReport.objects.create(adverse_event=ae, aware_at=timezone.now())
        transaction.on_commit(lambda: enqueue(notify_sae, report.pk))
    return ae
