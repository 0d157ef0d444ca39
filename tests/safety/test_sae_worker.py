"""The SAE notification through the real Redis broker and a worker: sent exactly once."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from esotrial.celery import app as celery_app
from safety.models import SaeReport
from safety.tasks import notify_sae
from tests.factories import AdverseEventFactory, PatientFactory


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("SAF-9")
def test_sae_email_is_sent_once_when_the_task_runs_twice(site, terms):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    patient = PatientFactory(site=site)
    ae = AdverseEventFactory(patient=patient)
    report = SaeReport.objects.create(adverse_event=ae, aware_at=timezone.now())
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        first = notify_sae.delay(report.pk)
        second = notify_sae.delay(report.pk)
        assert {first.get(timeout=20), second.get(timeout=20)} == {"sent", "already sent or in doubt"}
    assert len([m for m in mail.outbox if "SAE" in m.subject]) == 1
    report.refresh_from_db()
    assert report.notified_at and report.attempts == 1
