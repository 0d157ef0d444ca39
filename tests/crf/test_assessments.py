"""RECIST 1.1 assessments: sums computed, the implied response checked against the entered one."""

from django.urls import reverse

from crf.models import MetastaticLesion, TargetMeasurement, TumourAssessment


def add_assessment(client, patient, l1, l2, **data):
    targets = {
        lesion.label: lesion.pk for lesion in MetastaticLesion.objects.filter(patient=patient, target_lesion=True)
    }
    values = {
        "assessment_date": "2025-04-20",
        "imaging_method": "ct",
        "non_target_status": "non_cr_non_pd",
        "new_lesions": "False",
        "overall_response": "PR",
        f"target_{targets['L1']}": l1,
        f"target_{targets['L2']}": l2,
        **data,
    }
    return client.post(reverse("crf:record_add", args=[patient.screening_number, "assessments"]), values)


def test_partial_response_is_computed_and_measurements_saved(nurse_client, randomized_patient):
    assert add_assessment(nurse_client, randomized_patient, "10", "20").status_code == 302  # 50 → 30 mm, −40 %
    assert sorted(TargetMeasurement.objects.values_list("diameter_mm", flat=True)) == [10, 20]
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    row = page.context["assessments"]["rows"][0]
    assert (row["sum"], round(row["from_baseline"]), row["implied"]) == (30, -40, "PR")


def test_disagreeing_response_is_flagged_and_can_be_kept(nurse_client, randomized_patient):
    response = add_assessment(nurse_client, randomized_patient, "18", "28", overall_response="PR")  # −8 % → SD
    error = response.context["form"].errors["overall_response"][0]
    assert error.startswith("The measurements imply SD (sum 46.0 mm, -8% from baseline 50.0 mm")
    assert not TumourAssessment.objects.exists()
    response = add_assessment(nurse_client, randomized_patient, "18", "28", overall_response="PR", keep_response="on")
    assert response.status_code == 302
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert "differs" in page.content.decode()


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


def test_assessment_before_randomization_is_refused(nurse_client, randomized_patient):
    response = add_assessment(nurse_client, randomized_patient, "10", "20", assessment_date="2025-03-05")
    assert "cannot precede randomization" in response.context["form"].errors["assessment_date"][0]


def test_missing_target_measurement_implies_not_evaluable(nurse_client, randomized_patient):
    response = add_assessment(nurse_client, randomized_patient, "10", "", overall_response="PR")
    assert (
        "The measurements imply NE (a target lesion is not assessed)"
        in response.context["form"].errors["overall_response"][0]
    )


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
