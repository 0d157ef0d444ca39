"""A worker killed mid-send never makes an SAE notification go out twice without a person's decision."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from safety.models import SaeReport
from safety.tasks import notify_sae, resend_pending_sae_reports
from tests.factories import AdverseEventFactory, PatientFactory
from tests.killed_worker import messages_in, run_until_killed


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("SAF-9")
def test_sae_email_accepted_before_the_worker_died_is_not_sent_again(site, terms, tmp_path, admin_user, client):
    report = SaeReport.objects.create(
        adverse_event=AdverseEventFactory(patient=PatientFactory(site=site)), aware_at=timezone.now()
    )
    exit_code = run_until_killed(
        "safety.tasks", "mark_sae_notified", f"target.notify_sae.apply(args=[{report.pk}])", tmp_path
    )
    assert exit_code == 9
    assert len(messages_in(tmp_path)) == 1
    report.refresh_from_db()
    assert report.notification_in_doubt

    assert notify_sae.apply(args=[report.pk]).get() == "already sent or in doubt"
    assert resend_pending_sae_reports.apply().get() == 0
    assert mail.outbox == []

    # The safety desk confirms it has the report: marked notified, at the time the send began.
    client.force_login(admin_user)
    client.post(
        reverse("admin:safety_saereport_changelist"),
        {"action": "confirm_received", "_selected_action": [str(report.pk)], "index": "0"},
    )
    report.refresh_from_db()
    assert report.notified_at == report.sending_since and not report.notification_in_doubt
    assert report.history.latest().history_change_reason == "Confirmed received by the safety desk"


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("SAF-9")
def test_refused_sae_email_is_retried_not_left_in_doubt(site, terms, monkeypatch):
    import smtplib

    from safety import tasks

    report = SaeReport.objects.create(
        adverse_event=AdverseEventFactory(patient=PatientFactory(site=site)), aware_at=timezone.now()
    )

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("relay down")

    monkeypatch.setattr(tasks, "send_messages", refuse)
    notify_sae.apply(args=[report.pk])
    report.refresh_from_db()
    assert not report.notification_in_doubt and "relay down" in report.last_error
    monkeypatch.undo()
    assert notify_sae.apply(args=[report.pk]).get() == "sent"
    assert len(mail.outbox) == 1
