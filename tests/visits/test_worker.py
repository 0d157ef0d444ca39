"""The daily reminder task through the real Redis broker and a Celery worker."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from accounts import roles
from esotrial.celery import app as celery_app
from tests.factories import AllocationFactory, CycleFactory, PatientFactory, UserFactory
from visits.models import ReminderLog
from visits.tasks import send_daily_reminders


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("PRO-TRT-9")
def test_daily_task_runs_on_a_worker_and_sends_each_item_once(site):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    UserFactory(username="nurse.sh01", role=roles.RESEARCH_NURSE, sites=[site], email="nurse@sh01.example.org")
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10", arm="systemic")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        first, second = send_daily_reminders.delay(), send_daily_reminders.delay()  # two beats by mistake
        assert sorted([first.get(timeout=30), second.get(timeout=30)]) == [0, 1]
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.filter(patient=patient).exists()
