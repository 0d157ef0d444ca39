"""Local intervention per lesion: modality details, BED10, arm rules."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crf.models import LocalIntervention, MetastaticLesion


def add_intervention(client, patient, **data):
    lesion = MetastaticLesion.objects.get(patient=patient, label="L1")
    values = {
        "lesion": lesion.pk,
        "modality": "radiotherapy",
        "intent": "protocol",
        "start_date": "2025-04-01",
        "end_date": "2025-04-07",
        "rt_technique": "sbrt",
        "total_dose_gy": "50",
        "fractions": "5",
        "completed_as_planned": "True",
        **data,
    }
    return client.post(reverse("crf:record_add", args=[patient.screening_number, "interventions"]), values)


@pytest.mark.req("PRO-TRT-4")
def test_sbrt_course_shows_bed10_on_the_patient_page(nurse_client, randomized_patient):
    assert add_intervention(nurse_client, randomized_patient).status_code == 302
    course = LocalIntervention.objects.get()
    assert course.bed10 == Decimal("100.0") and course.dose_per_fraction_gy == Decimal("10.00")
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert "BED₁₀ 100.0 Gy" in page.content.decode()
    assert page.context["untreated_lesions"] == ["L2", "L3"]


@pytest.mark.req("PRO-TRT-4")
def test_implausible_dose_and_fractions_are_form_errors(nurse_client, randomized_patient):
    response = add_intervention(
        nurse_client, randomized_patient, rt_technique="imrt", total_dose_gy="90", fractions="0"
    )
    errors = response.context["form"].errors
    assert errors["total_dose_gy"] == ["A total dose lies between 0 and 80 Gy."]
    assert errors["fractions"] == ["Between 1 and 40 fractions."]


@pytest.mark.req("PRO-TRT-4")
def test_sbrt_label_must_match_a_stereotactic_schedule(nurse_client, randomized_patient):
    response = add_intervention(nurse_client, randomized_patient, total_dose_gy="30", fractions="10")
    assert "SBRT per protocol" in response.context["form"].errors["fractions"][0]


@pytest.mark.req("PRO-TRT-4")
def test_surgery_needs_a_margin_and_drops_rt_values(nurse_client, randomized_patient):
    response = add_intervention(nurse_client, randomized_patient, modality="surgery", surgery_procedure="Wedge")
    assert response.context["form"].errors["resection_margin"] == ["Required here."]
    add_intervention(
        nurse_client, randomized_patient, modality="surgery", surgery_procedure="Wedge", resection_margin="R0"
    )
    surgery = LocalIntervention.objects.get()
    assert (surgery.resection_margin, surgery.total_dose_gy, surgery.rt_technique) == ("R0", None, "")


@pytest.mark.req("PRO-TRT-5")
def test_systemic_arm_cannot_record_protocol_intervention(nurse_client, randomized_patient):
    randomized_patient.allocation.arm = "systemic"
    randomized_patient.allocation.save()
    response = add_intervention(nurse_client, randomized_patient)
    assert response.context["form"].errors["intent"]
    assert add_intervention(nurse_client, randomized_patient, intent="palliative").status_code == 302


@pytest.mark.req("PRO-TRT-4")
def test_end_before_start_is_refused(nurse_client, randomized_patient):
    response = add_intervention(nurse_client, randomized_patient, end_date="2025-03-30")
    assert "The end date cannot precede the start date." in response.context["form"].errors["end_date"]


@pytest.mark.req("PRO-TRT-5")
def test_combined_arm_lesions_show_whether_treated(nurse_client, randomized_patient):
    page = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert page.context["untreated_lesions"] == ["L1", "L2", "L3"]
    assert page.content.decode().count("not yet treated") == 3
