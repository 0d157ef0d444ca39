"""Follow-up, death, end of treatment and off study: nothing after death, status follows the forms."""

import pytest
from django.urls import reverse

from tests.factories import CycleFactory


def post(client, patient, kind, data):
    return client.post(reverse("crf:record_add", args=[patient.screening_number, kind]), data)


@pytest.mark.req("PRO-EP-12")
def test_death_needs_date_and_cause(nurse_client, randomized_patient):
    response = post(
        nurse_client, randomized_patient, "follow-ups", {"contact_date": "2025-08-01", "vital_status": "dead"}
    )
    errors = response.context["form"].errors
    assert errors["death_date"] == ["Give the date of death."]
    assert errors["death_cause"] == ["Give the cause of death."]


@pytest.mark.req("PRO-EP-13")
def test_death_before_recorded_cycle_is_refused(nurse_client, randomized_patient):
    CycleFactory(patient=randomized_patient, day1_date="2025-04-02")
    response = post(
        nurse_client,
        randomized_patient,
        "follow-ups",
        {
            "contact_date": "2025-08-01",
            "vital_status": "dead",
            "death_date": "2025-03-20",
            "death_cause": "progression",
        },
    )
    assert response.context["form"].errors["death_date"] == [
        "Records are dated after this date of death: cycle 1 on 2025-04-02."
    ]


@pytest.mark.req("PRO-EP-13")
def test_nothing_can_be_dated_after_death(nurse_client, randomized_patient):
    CycleFactory(patient=randomized_patient, day1_date="2025-03-12")
    post(
        nurse_client,
        randomized_patient,
        "follow-ups",
        {
            "contact_date": "2025-04-05",
            "vital_status": "dead",
            "death_date": "2025-04-01",
            "death_cause": "progression",
        },
    )
    response = post(
        nurse_client,
        randomized_patient,
        "cycles",
        {"day1_date": "2025-04-02", "given": "True", "anti_pd1_agent": "camrelizumab", "anti_pd1_dose_mg": "200"},
    )
    assert (
        "The day 1 date cannot be after the date of death (2025-04-01)." in response.context["form"].errors["day1_date"]
    )


@pytest.mark.req("PRO-TRT-6")
def test_end_of_treatment_then_off_study_drive_the_status(nurse_client, randomized_patient):
    CycleFactory(patient=randomized_patient, day1_date="2025-03-12")
    detail = reverse("crf:patient_detail", args=[randomized_patient.screening_number])
    end_url = reverse("crf:record_one", args=[randomized_patient.screening_number, "end-of-treatment"])
    assert nurse_client.post(end_url, {"end_date": "2025-06-01", "reason": "toxicity"}).status_code == 302
    assert nurse_client.get(detail).context["patient"].status == "follow_up"
    due = [item.kind for item, state in nurse_client.get(detail).context["patient"].due]
    assert "follow_up" in due and "cycle" not in due
    off_url = reverse("crf:record_one", args=[randomized_patient.screening_number, "off-study"])
    assert nurse_client.post(off_url, {"off_study_date": "2025-09-01", "reason": "withdrawal"}).status_code == 302
    assert nurse_client.get(detail).context["patient"].status == "off_study"


@pytest.mark.req("PRO-TRT-6")
def test_list_filters_by_status_and_arm(nurse_client, randomized_patient, site):
    from tests.factories import PatientFactory

    PatientFactory(site=site)
    url = reverse("crf:patient_list")
    randomized = nurse_client.get(url, {"status": "randomized"}).context["page"]
    assert [p.screening_number for p in randomized] == [randomized_patient.screening_number]
    assert len(nurse_client.get(url, {"status": "screening"}).context["page"].object_list) == 1
    assert len(nurse_client.get(url, {"arm": "systemic"}).context["page"].object_list) == 0


@pytest.mark.req("PRO-TRT-7")
def test_overdue_cycle_is_shown(nurse_client, randomized_patient):
    CycleFactory(patient=randomized_patient, day1_date="2025-03-12")
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert ("Cycle 2", "overdue") in [(item.what, state) for item, state in page.context["patient"].due]
    assert "overdue" in page.content.decode()
