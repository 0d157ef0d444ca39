"""Death has one source: the follow-up contact with vital status Dead. End of treatment, off study
(and a grade 5 AE, tests/safety) point to it and refuse contradictions."""

import pytest
from django.urls import reverse

from crf.models import FollowUp, NewAnticancerTherapy


def post(client, patient, kind, data):
    return client.post(reverse("crf:record_add", args=[patient.screening_number, kind]), data)


def record_death(client, patient, on="2025-06-01", contact="2025-06-03"):
    data = {"contact_date": contact, "vital_status": "dead", "death_date": on, "death_cause": "progression"}
    return post(client, patient, "follow-ups", data)


@pytest.mark.req("PRO-EP-12")
def test_a_second_death_record_is_refused_and_points_to_the_first(nurse_client, randomized_patient):
    assert record_death(nurse_client, randomized_patient).status_code == 302
    response = record_death(nurse_client, randomized_patient, on="2025-06-20", contact="2025-06-25")
    assert response.context["form"].errors["vital_status"] == [
        "The death is already recorded (follow-up of 2025-06-03: died 2025-06-01). "
        "A patient has one death record: correct that one if needed."
    ]
    assert FollowUp.objects.filter(vital_status="dead").count() == 1


@pytest.mark.req("PRO-EP-12")
def test_end_of_treatment_for_death_needs_the_death_recorded_first(nurse_client, randomized_patient):
    data = {"end_date": "2025-05-30", "reason": "death"}
    response = post(nurse_client, randomized_patient, "end-of-treatment", data)
    assert "Record the death first" in response.context["form"].errors["reason"][0]
    record_death(nurse_client, randomized_patient)
    # the last treatment cannot follow the death
    response = post(nurse_client, randomized_patient, "end-of-treatment", {**data, "end_date": "2025-06-05"})
    assert "cannot be after the date of death (2025-06-01)" in str(response.context["form"].errors["end_date"])
    assert post(nurse_client, randomized_patient, "end-of-treatment", data).status_code == 302


@pytest.mark.req("PRO-EP-12")
def test_off_study_agrees_with_the_death_record(nurse_client, randomized_patient):
    response = post(nurse_client, randomized_patient, "off-study", {"off_study_date": "2025-06-10", "reason": "death"})
    assert "Record the death first" in response.context["form"].errors["reason"][0]
    record_death(nurse_client, randomized_patient)
    response = post(
        nurse_client, randomized_patient, "off-study", {"off_study_date": "2025-06-10", "reason": "withdrawal"}
    )
    assert response.context["form"].errors["reason"] == [
        "The patient died on 2025-06-01, before this date: the reason is “Death”."
    ]
    response = post(nurse_client, randomized_patient, "off-study", {"off_study_date": "2025-05-20", "reason": "death"})
    assert response.context["form"].errors["off_study_date"] == [
        "Off study for death cannot precede the date of death (2025-06-01)."
    ]
    response = post(nurse_client, randomized_patient, "off-study", {"off_study_date": "2025-06-10", "reason": "death"})
    assert response.status_code == 302


@pytest.mark.req("PRO-EP-12")
def test_record_a_death_opens_the_follow_up_with_dead_chosen(nurse_client, randomized_patient):
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert "Record a death" in page.content.decode()
    url = reverse("crf:record_add", args=[randomized_patient.screening_number, "follow-ups"]) + "?vital_status=dead"
    assert nurse_client.get(url).context["form"]["vital_status"].value() == "dead"
    record_death(nurse_client, randomized_patient)
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert "Died 2025-06-01" in page.content.decode() and "Record a death" not in page.content.decode()


@pytest.mark.req("PRO-EP-13")
def test_nothing_dated_after_death_includes_new_therapy_and_alive_contacts(nurse_client, randomized_patient):
    post(nurse_client, randomized_patient, "follow-ups", {"contact_date": "2025-07-01", "vital_status": "alive"})
    data = {"therapy_type": "systemic", "description": "Docetaxel", "start_date": "2025-06-15", "intent": "palliative"}
    assert post(nurse_client, randomized_patient, "new-therapies", data).status_code == 302
    response = record_death(nurse_client, randomized_patient, on="2025-06-01", contact="2025-07-02")
    assert response.context["form"].errors["death_date"] == [
        "Records are dated after this date of death: follow-up contact on 2025-07-01 with the patient alive; "
        "systemic therapy started on 2025-06-15."
    ]


@pytest.mark.req("P11-AUD-2", "PRO-EP-3")
def test_new_anticancer_therapy_is_structured_and_dated_after_randomization(nurse_client, randomized_patient):
    data = {"therapy_type": "radiotherapy", "description": "Palliative RT to T8", "start_date": "2025-03-01"}
    response = post(nurse_client, randomized_patient, "new-therapies", {**data, "intent": "palliative"})
    assert "cannot precede randomization (2025-03-10)" in str(response.context["form"].errors["start_date"])
    response = post(nurse_client, randomized_patient, "new-therapies", {**data, "start_date": "2025-05-02"})
    assert response.context["form"].errors["intent"] == ["This field is required."]
    post(
        nurse_client, randomized_patient, "new-therapies", {**data, "start_date": "2025-05-02", "intent": "palliative"}
    )
    therapy = NewAnticancerTherapy.objects.get()
    assert (therapy.therapy_type, therapy.description, therapy.intent) == (
        "radiotherapy",
        "Palliative RT to T8",
        "palliative",
    )
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert "Radiotherapy: Palliative RT to T8" in page.content.decode()
    history = nurse_client.get(reverse("crf:patient_history", args=[randomized_patient.screening_number]))
    assert any(change.form == "New anticancer therapy" for change in history.context["changes"])
