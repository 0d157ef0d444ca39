"""Daily digests: the right items to the right people, exactly once, surviving SMTP failures."""

import smtplib
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import roles
from tests.factories import AdverseEventFactory, AllocationFactory, CycleFactory, PatientFactory, UserFactory
from visits import reminders
from visits.models import ReminderLog
from visits.reminders import send_digests

TODAY = date(2025, 4, 4)  # cycle 2 of a patient dosed on 2025-03-12 is due on 2025-04-02


@pytest.fixture
def staff(site, other_site):
    nurse = UserFactory(username="nurse.sh01", role=roles.RESEARCH_NURSE, sites=[site], email="nurse@sh01.example.org")
    UserFactory(username="nurse.hz01", role=roles.RESEARCH_NURSE, sites=[other_site], email="nurse@hz01.example.org")
    UserFactory(
        username="retired", role=roles.RESEARCH_NURSE, sites=[site], email="old@sh01.example.org", is_active=False
    )
    return nurse


def treated(site, day1="2025-03-12"):
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10", arm="systemic")
    CycleFactory(patient=patient, day1_date=day1)
    return patient


@pytest.mark.req("PRO-TRT-9")
def test_nurse_gets_one_digest_with_her_sites_due_and_overdue_visits(staff, site):
    patient = treated(site)
    run = send_digests(TODAY)
    assert run.emails_sent == 1 and run.errors == ""
    (message,) = mail.outbox
    assert message.to == ["nurse@sh01.example.org"]
    assert f"{patient.screening_number}: Cycle 2, due 2025-04-02" in message.body
    assert "Cycle 2" in message.alternatives[0][0]  # an HTML part too


@pytest.mark.req("PRO-TRT-9")
def test_running_twice_sends_nothing_new(staff, site):
    treated(site)
    send_digests(TODAY)
    assert send_digests(TODAY).emails_sent == 0
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.filter(recipient=staff).count() == 1


@pytest.mark.req("PRO-TRT-9")
def test_overdue_is_a_new_reminder_after_due(staff, site):
    treated(site)
    send_digests(TODAY)
    send_digests(date(2025, 4, 12))  # the window closed on 2025-04-09
    assert "overdue since 2025-04-09" in mail.outbox[1].body


@pytest.mark.req("PRO-TRT-9")
def test_disabled_users_and_other_sites_get_nothing(staff, site, other_site):
    treated(site)
    send_digests(TODAY)
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {"nurse@sh01.example.org"}


@pytest.mark.req("PRO-TRT-9", "SAF-12")
def test_investigators_are_reminded_of_week_old_unsigned_aes(site, investigator, terms):
    from safety.models import CtcaeTerm

    investigator.email = "pi@sh01.example.org"
    investigator.save()
    patient = treated(site)
    AdverseEventFactory(
        patient=patient,
        term=CtcaeTerm.objects.get(term="Fatigue"),
        onset_date="2025-03-20",
        grade=1,
        serious=False,
        sae_hospitalization=False,
    )
    send_digests(TODAY)
    (message,) = [m for m in mail.outbox if m.to == ["pi@sh01.example.org"]]
    assert "Fatigue grade 1 (onset 2025-03-20) unsigned" in message.body


@pytest.mark.req("PRO-TRT-9")
def test_smtp_failure_is_recorded_and_the_next_run_sends(staff, site, monkeypatch):
    treated(site)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("relay down")

    monkeypatch.setattr(reminders, "send_mail", refuse)
    run = send_digests(TODAY)
    assert run.emails_sent == 0 and "relay down" in run.errors
    # Refused by the server, so known not sent: failed, and claimed again by the next run.
    assert set(ReminderLog.objects.values_list("state", flat=True)) == {ReminderLog.State.FAILED}
    monkeypatch.undo()
    assert send_digests(TODAY).emails_sent == 1


@pytest.mark.req("DAT-13")
def test_daily_scan_queries_do_not_grow_with_patients(staff, site):
    for _ in range(10):
        treated(site)
    with CaptureQueriesContext(connection) as ten:
        reminders.collect(TODAY)
    for _ in range(190):
        treated(site)
    with CaptureQueriesContext(connection) as two_hundred:
        digests = reminders.collect(TODAY)
    assert len(two_hundred.captured_queries) == len(ten.captured_queries)
    assert sum(len(items) for items in digests.values()) >= 200
