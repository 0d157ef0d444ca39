import pytest
from django.urls import reverse

from crf.models import Baseline


def baseline(**overrides):
    return {
        "ecog": "1",
        "histological_diagnosis_date": "2024-11-02",
        "primary_location": "middle",
        "clinical_t": "T3",
        "clinical_n": "N1",
        "primary_status": "untreated",
        "pdl1_cps": "",
        "metastasis_timing": "synchronous",
        "prior_anti_pd1": "False",
        "prior_anti_pd1_best_response": "",
        "systemic_therapy_line": "1",
        **overrides,
    }


def post(client, patient, data):
    return client.post(reverse("crf:patient_baseline", args=[patient.screening_number]), data)


@pytest.mark.req("PRO-ELIG-6")
def test_nurse_records_baseline(nurse_client, patient):
    assert post(nurse_client, patient, baseline()).status_code == 302
    saved = Baseline.objects.get(patient=patient)
    assert (saved.ecog, saved.clinical_t, saved.systemic_therapy_line, saved.pdl1_cps) == (1, "T3", 1, None)


@pytest.mark.req("PRO-ELIG-6")
def test_prior_anti_pd1_needs_best_response(nurse_client, patient):
    response = post(nurse_client, patient, baseline(prior_anti_pd1="True"))
    assert response.context["form"].errors["prior_anti_pd1_best_response"] == [
        "Give the best response to the prior anti-PD-1 therapy."
    ]
    response = post(nurse_client, patient, baseline(prior_anti_pd1_best_response="PR"))
    assert response.context["form"].errors["prior_anti_pd1_best_response"]


@pytest.mark.req("PRO-ELIG-6", "DAT-3")
def test_future_diagnosis_and_impossible_cps_are_form_errors(nurse_client, patient):
    response = post(nurse_client, patient, baseline(histological_diagnosis_date="2099-01-01", pdl1_cps="140"))
    errors = response.context["form"].errors
    assert errors["histological_diagnosis_date"] == ["The date of histological diagnosis cannot be in the future."]
    assert errors["pdl1_cps"]
    assert not Baseline.objects.exists()
