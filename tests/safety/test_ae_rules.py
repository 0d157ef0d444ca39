"""Adverse-event rules a safety physician expects (ICH E2A, CDISC AE), each named."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from safety.models import AdverseEvent, SaeReport
from tests.factories import AdverseEventFactory, CycleFactory

from .helpers import ae_data, post_ae


def errors_of(response):
    return response.context["form"].errors


# --- Site awareness and the 24-hour clock ---


@pytest.mark.req("SAF-6")
def test_serious_ae_asks_when_the_site_became_aware(nurse_client, treated_patient):
    response = post_ae(
        nurse_client, treated_patient, serious="on", sae_hospitalization="on", grade="3", site_aware_at=""
    )
    assert "When did the site become aware" in errors_of(response)["site_aware_at"][0]


@pytest.mark.req("SAF-6")
def test_awareness_in_the_future_or_before_onset_is_refused(nurse_client, treated_patient):
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_ae(nurse_client, treated_patient, serious="on", sae_hospitalization="on", site_aware_at=future)
    assert "future" in errors_of(response)["site_aware_at"][0]
    response = post_ae(
        nurse_client, treated_patient, serious="on", sae_hospitalization="on", site_aware_at="2025-04-19T10:00"
    )
    assert "before the onset (2025-04-20)" in errors_of(response)["site_aware_at"][0]


@pytest.mark.req("SAF-6")
def test_deadline_runs_from_awareness_not_from_the_save(nurse_client, treated_patient):
    post_ae(nurse_client, treated_patient, serious="on", sae_hospitalization="on", site_aware_at="2025-04-21T09:30")
    report = SaeReport.objects.get()
    # 09:30 Shanghai (UTC+8) on 21 April; due 24 hours later.
    assert report.aware_at.isoformat() == "2025-04-21T01:30:00+00:00"
    assert report.deadline.isoformat() == "2025-04-22T01:30:00+00:00"
    assert report.entered_late  # entered in 2026 for an awareness in 2025


@pytest.mark.req("SAF-7")
def test_sae_entered_within_24_hours_is_not_late(nurse_client, treated_patient):
    two_hours_ago = timezone.localtime() - timedelta(hours=2)
    # Onset on the day the site learned of it: "today" would be after awareness in the first two hours of a day.
    onset = two_hours_ago.date().isoformat()
    two_hours_ago = two_hours_ago.strftime("%Y-%m-%dT%H:%M")
    post_ae(
        nurse_client,
        treated_patient,
        serious="on",
        sae_hospitalization="on",
        onset_date=onset,
        site_aware_at=two_hours_ago,
    )
    assert not SaeReport.objects.get().entered_late


@pytest.mark.req("SAF-7")
def test_late_sae_shows_on_its_page_the_summary_and_the_queue(client, nurse_client, investigator, treated_patient):
    post_ae(nurse_client, treated_patient, serious="on", sae_hospitalization="on", site_aware_at="2025-04-21T09:30")
    ae = AdverseEvent.objects.get()
    page = nurse_client.get(reverse("safety:ae_detail", args=[treated_patient.screening_number, ae.pk]))
    assert "Entered late" in page.content.decode()
    client.force_login(investigator)
    assert list(client.get(reverse("safety:summary")).context["late_sae"]) == [ae.sae_report]
    assert "entered late" in client.get(reverse("safety:ae_to_sign")).content.decode()


# --- Expectedness and SUSAR ---


@pytest.mark.req("SAF-8")
def test_serious_ae_asks_expectedness_against_the_reference_safety_information(nurse_client, treated_patient):
    page = nurse_client.get(reverse("safety:ae_add", args=[treated_patient.screening_number]))
    assert "reference safety information" in page.content.decode().lower()
    response = post_ae(nurse_client, treated_patient, serious="on", sae_hospitalization="on", expectedness="")
    assert "Expected or unexpected" in errors_of(response)["expectedness"][0]


@pytest.mark.parametrize(
    ("serious", "expectedness", "anti_pd1", "chemotherapy", "susar"),
    [
        (True, "unexpected", "possible", "unlikely", True),  # possible to anti-PD-1 is enough
        (True, "unexpected", "unlikely", "definite", True),  # related to any study treatment
        (True, "expected", "definite", "definite", False),  # in the reference safety information
        (True, "unexpected", "unlikely", "not_related", False),  # not a suspected reaction
        (False, "unexpected", "definite", "definite", False),  # not serious
    ],
)
@pytest.mark.req("SAF-8")
def test_susar_is_serious_unexpected_and_related(serious, expectedness, anti_pd1, chemotherapy, susar):
    ae = AdverseEvent(
        serious=serious,
        expectedness=expectedness,
        relationship_to_anti_pd1=anti_pd1,
        relationship_to_chemotherapy=chemotherapy,
    )
    assert ae.susar is susar


@pytest.mark.req("SAF-8")
def test_susar_is_flagged_listed_and_named_in_the_notification(
    nurse_client, investigator, client, treated_patient, django_capture_on_commit_callbacks
):
    from esotrial.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            post_ae(
                nurse_client,
                treated_patient,
                serious="on",
                sae_hospitalization="on",
                grade="3",
                expectedness="unexpected",
                relationship_to_anti_pd1="probable",
            )
    finally:
        app.conf.task_always_eager = False
    ae = AdverseEvent.objects.get()
    assert ae.susar
    page = nurse_client.get(reverse("safety:ae_detail", args=[treated_patient.screening_number, ae.pk]))
    assert 'data-testid="susar"' in page.content.decode()
    client.force_login(investigator)
    summary = client.get(reverse("safety:summary")).context
    assert list(summary["susars"]) == [ae] and [row["susar"] for row in summary["counts"]] == [1]
    (message,) = mail.outbox
    assert message.subject.startswith("[ESO-Shanghai20] SUSAR ") and "SUSAR" in message.body


# --- Consistency of one AE's answers ---


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"outcome": "recovered", "ongoing": "on"}, "ongoing", "no longer ongoing"),
        ({"outcome": "sequelae", "ongoing": None, "resolution_date": ""}, "resolution_date", "has a resolution date"),
        ({"outcome": "recovering", "ongoing": None, "resolution_date": "2025-04-25"}, "ongoing", "is ongoing"),
        (
            {"outcome": "not_recovered", "ongoing": None, "resolution_date": "2025-04-25"},
            "resolution_date",
            "no resolution date",
        ),
        (
            {"immune_related": "on", "relationship_to_anti_pd1": "unlikely"},
            "relationship_to_anti_pd1",
            "immune-related AE is related",
        ),
        (
            {"serious": "on", "sae_death": "on", "grade": "3", "outcome": "recovering"},
            "sae_death",
            "grade 5 event",
        ),
    ],
)
@pytest.mark.req("SAF-3")
def test_inconsistent_answers_are_refused_on_the_field_to_fix(nurse_client, treated_patient, overrides, field, message):
    response = post_ae(nurse_client, treated_patient, **overrides)
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response)[field]), errors_of(response)
    assert not AdverseEvent.objects.exists()


@pytest.mark.req("SAF-3")
def test_fatal_ae_ends_on_the_recorded_date_of_death(nurse_client, treated_patient):
    from crf.models import FollowUp

    FollowUp.objects.create(
        patient=treated_patient,
        contact_date="2025-05-02",
        vital_status="dead",
        death_date="2025-05-01",
        death_cause="treatment",
    )
    fatal = dict(grade="5", outcome="fatal", serious="on", sae_death="on", ongoing=None)
    response = post_ae(nurse_client, treated_patient, resolution_date="2025-04-28", **fatal)
    assert "date of death recorded in Follow-up (2025-05-01)" in errors_of(response)["resolution_date"][0]
    assert post_ae(nurse_client, treated_patient, resolution_date="2025-05-01", **fatal).status_code == 302


@pytest.mark.req("SAF-4")
def test_chemotherapy_not_applicable_is_the_default_without_chemotherapy(nurse_client, treated_patient):
    url = reverse("safety:ae_add", args=[treated_patient.screening_number])
    form = nurse_client.get(url).context["form"]
    assert form["relationship_to_chemotherapy"].value() == "na" and form["action_chemotherapy"].value() == "na"
    assert "na" not in [value for value, _ in form.fields["relationship_to_anti_pd1"].choices]
    CycleFactory(patient=treated_patient, cycle_number=2, day1_date="2025-04-02", chemotherapy_given=True)
    form = nurse_client.get(url).context["form"]
    assert form["relationship_to_chemotherapy"].value() is None


@pytest.mark.req("SAF-3")
def test_consistent_resolved_ae_saves(nurse_client, treated_patient):
    data = ae_data(ongoing=None, resolution_date="2025-04-30", outcome="recovered")
    assert post_ae(nurse_client, treated_patient, **data).status_code == 302


# --- Void ---


@pytest.mark.req("P11-AUD-4", "SAF-10")
def test_ae_entered_in_error_is_voided_with_a_reason(client, nurse_client, investigator, treated_patient, terms):
    ae = AdverseEventFactory(patient=treated_patient)
    report = SaeReport.objects.create(adverse_event=ae, aware_at=ae.site_aware_at)
    url = reverse("safety:ae_void", args=[treated_patient.screening_number, ae.pk])
    assert "reason" in nurse_client.post(url, {"reason": ""}).context["form"].errors
    nurse_client.post(url, {"reason": "Entered for the wrong patient"})
    ae.refresh_from_db()
    assert ae.voided and ae.void_reason == "Entered for the wrong patient"
    assert ae.history.latest().history_change_reason == "Voided: Entered for the wrong patient"
    client.force_login(investigator)
    assert list(client.get(reverse("safety:ae_to_sign")).context["page"]) == []
    assert [row["sae"] for row in client.get(reverse("safety:summary")).context["counts"]] == [0]
    from safety.tasks import notify_sae

    assert notify_sae.apply(args=[report.pk]).get() == "already sent or in doubt"
    assert mail.outbox == []


@pytest.mark.req("P11-ACC-5", "SAF-10")
def test_monitor_cannot_void_an_ae(client, monitor, treated_patient, terms):
    ae = AdverseEventFactory(patient=treated_patient)
    client.force_login(monitor)
    url = reverse("safety:ae_void", args=[treated_patient.screening_number, ae.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    ae.refresh_from_db()
    assert not ae.voided


@pytest.mark.req("P11-SIG-4", "DAT-6")
def test_longest_reason_for_change_voids_a_signature_without_error(nurse_client, investigator, treated_patient, terms):
    from audit.forms import latest_version
    from safety.signing import sign
    from tests.factories import PASSWORD

    ae = AdverseEventFactory(patient=treated_patient, serious=False, sae_hospitalization=False, grade=2)
    sign(ae, investigator, PASSWORD, "reviewed")
    data = ae_data(grade="1", reason_for_change="r" * 500, loaded_version=latest_version(ae))
    assert post_ae(nurse_client, treated_patient, pk=ae.pk, **data).status_code == 302
    assert ae.signatures.get().void_reason.endswith("r" * 500)


@pytest.mark.req("DAT-6")
def test_term_search_with_a_nul_byte_finds_nothing(nurse_client):
    response = nurse_client.get(reverse("safety:term_search"), {"q": "pn\x00eu"})
    assert response.status_code == 200 and response.json() == {"results": []}
