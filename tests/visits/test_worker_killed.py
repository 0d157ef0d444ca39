"""A worker killed mid-send never makes a reminder go out twice (at most once, in doubt shown)."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import roles
from tests.factories import AllocationFactory, CycleFactory, PatientFactory, UserFactory
from tests.killed_worker import messages_in, run_until_killed
from visits.models import ReminderLog
from visits.reminders import send_digests


@pytest.mark.django_db(transaction=True)
@pytest.mark.req("PRO-TRT-9")
def test_digest_accepted_by_the_server_before_the_worker_died_is_not_sent_again(site, tmp_path, admin_user, client):
    UserFactory(username="nurse.sh01", role=roles.RESEARCH_NURSE, sites=[site], email="nurse@sh01.example.org")
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10", arm="systemic")
    CycleFactory(patient=patient, day1_date="2025-03-12")

    exit_code = run_until_killed("visits.reminders", "mark_sent", "target.send_digests()", tmp_path)
    assert exit_code == 9
    assert len(messages_in(tmp_path)) == 1  # the server has it
    assert set(ReminderLog.objects.values_list("state", flat=True)) == {ReminderLog.State.SENDING}

    rerun = send_digests()
    assert mail.outbox == []  # not sent a second time
    assert "in doubt" in rerun.errors

    # A person checked with the nurse, who did not get it: it goes in the next digest, once.
    client.force_login(admin_user)
    changelist = reverse("admin:visits_reminderlog_changelist")
    selected = [str(pk) for pk in ReminderLog.objects.values_list("pk", flat=True)]
    client.post(changelist, {"action": "send_again", "_selected_action": selected, "index": "0"})
    assert send_digests().emails_sent == 1 and len(mail.outbox) == 1
    assert set(ReminderLog.objects.values_list("state", flat=True)) == {ReminderLog.State.SENT}
