import pytest
from django.urls import reverse

from tests.factories import AllocationFactory, CycleFactory, PatientFactory


@pytest.mark.req("PRO-TRT-8", "SEC-1")
def test_due_visits_page_lists_own_site_overdue_first_with_links(nurse_client, site, other_site):
    mine = PatientFactory(site=site)
    AllocationFactory(patient=mine, randomized_on="2025-03-10", arm="systemic")
    CycleFactory(patient=mine, day1_date="2025-03-12")
    theirs = PatientFactory(site=other_site)
    AllocationFactory(patient=theirs, randomized_on="2025-03-10")
    page = nurse_client.get(reverse("visits:due_visits"))
    rows = page.context["rows"]
    assert {patient.screening_number for patient, _, _ in rows} == {mine.screening_number}
    assert rows[0][1].state == "overdue"
    assert rows[0][2] == reverse(
        "crf:record_add", args=[mine.screening_number, rows[0][1].kind.replace("cycle", "cycles")]
    ) or rows[0][2].startswith("/patients/")


@pytest.mark.req("P11-AUD-2", "PRO-TRT-8")
def test_nurse_marks_an_overdue_visit_missed_and_the_plan_moves_on(nurse_client, nurse, site):
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10", arm="systemic")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    url = reverse("visits:mark_missed", args=[patient.screening_number])
    response = nurse_client.post(url, {"visit_key": "cycle:2", "reason": "Hospitalised for pneumonia"})
    assert response.status_code == 302
    detail = nurse_client.get(reverse("crf:patient_detail", args=[patient.screening_number]))
    cycle2 = next(v for v in detail.context["patient"].plan if v.key == "cycle:2")
    assert (cycle2.state, cycle2.missed_reason) == ("missed", "Hospitalised for pneumonia")
    assert patient.missed_visits.get().history.get().history_user == nurse


@pytest.mark.req("PRO-TRT-8")
def test_missed_needs_a_reason_and_an_open_visit(nurse_client, site):
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    url = reverse("visits:mark_missed", args=[patient.screening_number])
    nurse_client.post(url, {"visit_key": "cycle:9", "reason": "x"})
    nurse_client.post(url, {"visit_key": "cycle:1", "reason": ""})
    assert not patient.missed_visits.exists()


@pytest.mark.req("SEC-6")
def test_mark_missed_never_redirects_off_site_or_fails_on_a_bare_word(nurse_client, site):
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    url = reverse("visits:mark_missed", args=[patient.screening_number])
    for target in ("https://evil.example.org/x", "//evil.example.org/x", "12", "javascript:alert(1)"):
        response = nurse_client.post(url, {"visit_key": "cycle:9", "reason": "x", "next": target})
        assert response.status_code == 302
        assert response["Location"] == reverse("visits:due_visits"), target
    response = nurse_client.post(url, {"visit_key": "cycle:9", "reason": "x", "next": "/patients/"})
    assert response["Location"] == "/patients/"
