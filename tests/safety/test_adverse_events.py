"""Adverse event rules: CTCAE grades, dates, fatal events, worsening, local-intervention relation, SAEs."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from crf.models import FollowUp, LocalIntervention, MetastaticLesion
from safety.models import AdverseEvent, SaeReport
from tests.factories import AdverseEventFactory, LesionFactory

from .helpers import post_ae


@pytest.mark.req("SAF-12")
def test_nurse_records_pneumonitis_awaiting_review(nurse_client, treated_patient):
    response = post_ae(nurse_client, treated_patient)
    assert response.status_code == 302
    ae = AdverseEvent.objects.get()
    assert (ae.term.term, ae.grade, ae.immune_related, ae.relationship_to_anti_pd1) == (
        "Pneumonitis",
        2,
        True,
        "possible",
    )
    page = nurse_client.get(response["Location"])
    assert "Awaiting investigator review" in page.content.decode()


@pytest.mark.req("SAF-2")
def test_grade_the_term_does_not_define_is_refused(nurse_client, treated_patient):
    response = post_ae(nurse_client, treated_patient, term="Alopecia", grade="3", immune_related="")
    assert response.context["form"].errors["grade"] == [
        "CTCAE defines grades 1, 2 for Alopecia; grade 3 does not exist."
    ]
    response = post_ae(nurse_client, treated_patient, term="Febrile neutropenia", grade="2")
    assert "grade 2 does not exist" in response.context["form"].errors["grade"][0]


@pytest.mark.req("SAF-2")
def test_unknown_term_is_a_form_error(nurse_client, treated_patient):
    response = post_ae(nurse_client, treated_patient, term="Cough-ish")
    assert "is not a CTCAE v5.0 term" in response.context["form"].errors["term"][0]


@pytest.mark.req("SAF-2")
def test_other_specify_needs_verbatim(nurse_client, treated_patient):
    response = post_ae(nurse_client, treated_patient, term="Investigations - Other, specify")
    assert response.context["form"].errors["verbatim"] == ["Describe the event: this is an “Other, specify” term."]


@pytest.mark.req("SAF-2")
def test_onset_before_consent_and_resolution_before_onset_are_refused(nurse_client, treated_patient):
    response = post_ae(nurse_client, treated_patient, onset_date="2025-02-01")
    assert "cannot precede informed consent" in response.context["form"].errors["onset_date"][0]
    response = post_ae(nurse_client, treated_patient, ongoing=None, resolution_date="2025-04-10", outcome="recovered")
    assert response.context["form"].errors["resolution_date"] == ["The resolution date cannot precede the onset."]


@pytest.mark.req("SAF-3")
def test_grade_5_requires_fatal_outcome_and_a_recorded_death(nurse_client, treated_patient):
    response = post_ae(nurse_client, treated_patient, grade="5", outcome="recovering", serious="on", sae_death="on")
    errors = response.context["form"].errors
    assert errors["outcome"] == ["A grade 5 event is fatal: the outcome must be “Fatal”."]
    assert "Record the death in Follow-up" in errors["grade"][0]
    FollowUp.objects.create(
        patient=treated_patient,
        contact_date="2025-05-02",
        vital_status="dead",
        death_date="2025-05-01",
        death_cause="treatment",
    )
    response = post_ae(nurse_client, treated_patient, grade="5", outcome="fatal", serious="on", sae_death="on")
    assert response.status_code == 302
    response = post_ae(nurse_client, treated_patient, grade="3", outcome="fatal")
    assert response.context["form"].errors["grade"] == ["A fatal outcome is grade 5."]


@pytest.mark.req("SAF-2")
def test_worsening_is_a_new_linked_record_with_a_higher_grade(nurse_client, treated_patient):
    post_ae(nurse_client, treated_patient)
    first = AdverseEvent.objects.get()
    response = post_ae(nurse_client, treated_patient, grade="2", worsening_of=str(first.pk), onset_date="2025-05-01")
    assert "higher grade than the earlier 2" in response.context["form"].errors["worsening_of"][0]
    response = post_ae(nurse_client, treated_patient, grade="3", worsening_of=str(first.pk), onset_date="2025-05-01")
    assert response.status_code == 302
    assert AdverseEvent.objects.get(grade=3).worsening_of == first
    response = post_ae(nurse_client, treated_patient, term="Fatigue", grade="3", worsening_of=str(first.pk))
    assert "keeps the same term" in response.context["form"].errors["worsening_of"][0]


@pytest.mark.req("SAF-4")
def test_relation_to_local_intervention_is_asked_only_after_one(nurse_client, treated_patient):
    url = reverse("safety:ae_add", args=[treated_patient.screening_number])
    assert "relationship_to_local_intervention" not in nurse_client.get(url).context["form"].fields
    lesion = LesionFactory(patient=treated_patient, label="L1")
    LocalIntervention.objects.create(
        lesion=lesion,
        modality="ablation",
        intent="protocol",
        start_date="2025-04-01",
        ablation_type="rfa",
        ablation_sessions=1,
    )
    assert MetastaticLesion.objects.exists()
    response = post_ae(nurse_client, treated_patient)
    assert response.context["form"].errors["relationship_to_local_intervention"] == ["This field is required."]


@pytest.mark.req("SAF-5", "SAF-6")
def test_serious_ae_needs_a_criterion_and_opens_an_sae_report(
    nurse_client, treated_patient, investigator, django_capture_on_commit_callbacks, settings
):
    from esotrial.celery import app

    investigator.email = "pi@sh01.example.org"
    investigator.save()
    response = post_ae(nurse_client, treated_patient, serious="on", grade="3")
    assert response.context["form"].errors["serious"] == ["Tick at least one seriousness criterion."]
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post_ae(nurse_client, treated_patient, serious="on", sae_hospitalization="on", grade="3")
    finally:
        app.conf.task_always_eager = False
    report = SaeReport.objects.get()
    assert report.notified_at is not None
    assert report.deadline - report.aware_at == timedelta(hours=24)
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted(["pi@sh01.example.org", settings.SAE_SAFETY_DESK_EMAIL])
    assert "Pneumonitis" in mail.outbox[0].subject and "corticosteroids" not in mail.outbox[0].body.lower()


@pytest.mark.req("SAF-5")
def test_upgrade_to_serious_opens_the_report(nurse_client, treated_patient):
    post_ae(nurse_client, treated_patient)
    ae = AdverseEvent.objects.get()
    version = (
        nurse_client.get(reverse("safety:ae_edit", args=[treated_patient.screening_number, ae.pk]))
        .context["form"]["loaded_version"]
        .value()
    )
    post_ae(
        nurse_client,
        treated_patient,
        pk=ae.pk,
        grade="3",
        serious="on",
        sae_hospitalization="on",
        reason_for_change="Admitted for oxygen",
        loaded_version=str(version),
    )
    assert SaeReport.objects.filter(adverse_event=ae).exists()


@pytest.mark.req("P11-ACC-5")
def test_monitor_cannot_record_an_ae(client, monitor, treated_patient):
    client.force_login(monitor)
    assert post_ae(client, treated_patient).status_code == 403
    assert not AdverseEvent.objects.exists()


@pytest.mark.req("SAF-9")
def test_smtp_failure_is_recorded_retried_and_shown_overdue(client, data_manager, treated_patient, monkeypatch):
    import smtplib

    import pytest
    from celery.exceptions import Retry
    from django.utils import timezone

    from safety import tasks

    ae = AdverseEventFactory(patient=treated_patient)
    report = SaeReport.objects.create(adverse_event=ae, aware_at=timezone.now() - timedelta(hours=30))

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("relay down")

    monkeypatch.setattr(tasks, "send_messages", refuse)  # the mail relay is down
    with pytest.raises(Retry):
        tasks.notify_sae.apply(args=[report.pk], throw=True)
    report.refresh_from_db()
    assert report.notified_at is None and report.attempts == 1 and "relay down" in report.last_error
    client.force_login(data_manager)
    page = client.get(reverse("safety:summary"))
    assert [r.pk for r in page.context["overdue_sae"]] == [report.pk]


@pytest.mark.req("P11-AUD-2")
def test_patient_history_shows_ae_edits_and_signatures(nurse_client, investigator, treated_patient):
    from safety import signing
    from tests.factories import PASSWORD

    post_ae(nurse_client, treated_patient)
    ae = AdverseEvent.objects.get()
    signing.sign(ae, investigator, PASSWORD, "reviewed")
    page = nurse_client.get(reverse("crf:patient_history", args=[treated_patient.screening_number]))
    forms = {change.form for change in page.context["changes"]}
    assert {"Adverse events", "AE signatures"} <= forms


@pytest.mark.req("DAT-14")
def test_queueing_with_the_broker_down_returns_quickly_without_error():
    """What every request that queues a task goes through: a dead Redis must not reach the user."""
    import time

    from celery import Celery

    from esotrial.celery import enqueue

    dead = Celery("dead", broker="redis://127.0.0.1:1/0")  # nothing listens on port 1
    dead.conf.broker_connection_timeout = 1

    @dead.task(name="dead.noop")
    def noop():
        return None

    start = time.monotonic()
    assert enqueue(noop, 42) is False
    assert time.monotonic() - start < 10


@pytest.mark.req("SAF-9")
def test_sae_report_not_yet_notified_is_caught_up(treated_patient):
    from esotrial.celery import app
    from safety.tasks import resend_pending_sae_reports

    report = SaeReport.objects.create(
        adverse_event=AdverseEventFactory(patient=treated_patient), aware_at=timezone.now()
    )
    app.conf.task_always_eager = True
    try:
        assert resend_pending_sae_reports() == 1
    finally:
        app.conf.task_always_eager = False
    report.refresh_from_db()
    assert report.notified_at is not None
