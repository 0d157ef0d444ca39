"""RECIST 1.1 assessments: sums computed, the implied response checked against the entered one."""

import pytest
from django.urls import reverse

from crf.models import MetastaticLesion, TargetMeasurement, TumourAssessment


def add_assessment(client, patient, l1, l2, non_target="present", **data):
    """The form as the nurse fills it: each target's diameter, each non-target's status (L3 bone)."""
    lesions = MetastaticLesion.objects.filter(patient=patient)
    targets = {lesion.label: lesion.pk for lesion in lesions if lesion.target_lesion}
    values = {
        "assessment_date": "2025-04-20",
        "imaging_method": "ct",
        "new_lesions": "False",
        "overall_response": "PR",
        f"target_{targets['L1']}": l1,
        f"target_{targets['L2']}": l2,
        **{f"non_target_{lesion.pk}": non_target for lesion in lesions if not lesion.target_lesion},
        **data,
    }
    return client.post(reverse("crf:record_add", args=[patient.screening_number, "assessments"]), values)


@pytest.mark.req("PRO-RECIST-3", "PRO-RECIST-8")
def test_partial_response_is_computed_and_measurements_saved(nurse_client, randomized_patient):
    assert add_assessment(nurse_client, randomized_patient, "10", "20").status_code == 302  # 50 → 30 mm, −40 %
    assert sorted(TargetMeasurement.objects.values_list("diameter_mm", flat=True)) == [10, 20]
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    row = page.context["assessments"]["rows"][0]
    assert (row["sum"], round(row["from_baseline"]), row["implied"]) == (30, -40, "PR")


@pytest.mark.req("PRO-RECIST-8")
def test_disagreeing_response_is_flagged_and_can_be_kept(nurse_client, randomized_patient):
    response = add_assessment(nurse_client, randomized_patient, "18", "28", overall_response="PR")  # −8 % → SD
    error = response.context["form"].errors["overall_response"][0]
    assert error.startswith("The measurements imply SD (sum 46.0 mm, -8% from baseline 50.0 mm")
    assert not TumourAssessment.objects.exists()
    response = add_assessment(nurse_client, randomized_patient, "18", "28", overall_response="PR", keep_response="on")
    assert response.status_code == 302
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert "differs" in page.content.decode()


@pytest.mark.req("PRO-RECIST-7")
def test_new_lesion_is_progression_and_first_pd_is_shown(nurse_client, randomized_patient):
    add_assessment(nurse_client, randomized_patient, "10", "20")
    add_assessment(
        nurse_client,
        randomized_patient,
        "10",
        "20",
        assessment_date="2025-06-01",
        new_lesions="True",
        overall_response="PD",
    )
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert page.context["assessments"]["first_pd"]["assessment"].assessment_date.isoformat() == "2025-06-01"
    assert "first progression 2025-06-01" in page.content.decode()


@pytest.mark.req("PRO-RECIST-9")
def test_assessment_before_randomization_is_refused(nurse_client, randomized_patient):
    response = add_assessment(nurse_client, randomized_patient, "10", "20", assessment_date="2025-03-05")
    assert "cannot precede randomization" in response.context["form"].errors["assessment_date"][0]


@pytest.mark.req("PRO-RECIST-5")
def test_missing_target_measurement_implies_not_evaluable(nurse_client, randomized_patient):
    response = add_assessment(nurse_client, randomized_patient, "10", "", overall_response="PR")
    assert (
        "The measurements imply NE (a target lesion is not assessed;"
        in response.context["form"].errors["overall_response"][0]
    )


@pytest.mark.req("PRO-RECIST-9")
def test_imaging_is_due_until_progression_only(nurse_client, randomized_patient):
    detail = reverse("crf:patient_detail", args=[randomized_patient.screening_number])
    add_assessment(nurse_client, randomized_patient, "10", "20")
    assert any(item.kind == "assessment" for item, _ in nurse_client.get(detail).context["patient"].due)
    add_assessment(
        nurse_client,
        randomized_patient,
        "10",
        "20",
        assessment_date="2025-06-01",
        new_lesions="True",
        overall_response="PD",
    )
    assert not any(item.kind == "assessment" for item, _ in nurse_client.get(detail).context["patient"].due)


@pytest.mark.req("PRO-RECIST-6")
def test_a_measurement_and_too_small_together_are_refused(nurse_client, randomized_patient):
    l1 = MetastaticLesion.objects.get(patient=randomized_patient, label="L1")
    response = add_assessment(nurse_client, randomized_patient, "4", "20", **{f"too_small_{l1.pk}": "on"})
    assert response.context["form"].errors[f"target_{l1.pk}"] == [
        "Either a measurement or “too small to measure”, not both."
    ]


@pytest.mark.req("PRO-RECIST-6")
def test_too_small_to_measure_counts_5_mm_and_is_saved(nurse_client, randomized_patient):
    # Baseline 20 + 30 = 50 mm; L1 too small (5 mm) + L2 10 mm = 15 mm: −70 %, PR (not CR: L1 is present).
    l1 = MetastaticLesion.objects.get(patient=randomized_patient, label="L1")
    response = add_assessment(nurse_client, randomized_patient, "", "10", **{f"too_small_{l1.pk}": "on"})
    assert response.status_code == 302
    assert TargetMeasurement.objects.get(lesion=l1).too_small
    row = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number])).context[
        "assessments"
    ]["rows"][0]
    assert (row["sum"], round(row["from_baseline"]), row["implied"]) == (15, -70, "PR")


@pytest.mark.req("PRO-RECIST-7")
def test_every_non_target_lesion_needs_its_status_and_progression_of_one_is_pd(nurse_client, randomized_patient):
    response = add_assessment(nurse_client, randomized_patient, "10", "20", non_target="")
    l3 = MetastaticLesion.objects.get(patient=randomized_patient, label="L3")
    assert response.context["form"].errors[f"non_target_{l3.pk}"] == ["This field is required."]
    response = add_assessment(nurse_client, randomized_patient, "10", "20", non_target="progression")
    assert response.context["form"].errors["overall_response"][0].startswith("The measurements imply PD")
    assert (
        add_assessment(
            nurse_client, randomized_patient, "10", "20", non_target="progression", overall_response="PD"
        ).status_code
        == 302
    )
    assert TumourAssessment.objects.get().non_target_status == "pd"


@pytest.mark.req("PRO-RECIST-7")
def test_editing_an_assessment_shows_and_keeps_the_statuses(nurse_client, randomized_patient):
    add_assessment(nurse_client, randomized_patient, "10", "20", non_target="absent")
    assessment = TumourAssessment.objects.get()
    l3 = MetastaticLesion.objects.get(patient=randomized_patient, label="L3")
    url = reverse("crf:record_edit", args=[randomized_patient.screening_number, "assessments", assessment.pk])
    form = nurse_client.get(url).context["form"]
    assert form[f"non_target_{l3.pk}"].value() == "absent"
    assert assessment.non_target_status == "cr"  # every non-target absent: non-target CR
