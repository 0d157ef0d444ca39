import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safety.models import AdverseEvent

from .helpers import post_ae


@pytest.mark.req("SAF-11")
def test_summary_counts_patients_by_arm_and_terms_by_worst_grade(client, data_manager, nurse_client, treated_patient):
    post_ae(nurse_client, treated_patient)
    post_ae(nurse_client, treated_patient, grade="3", onset_date="2025-05-01", serious="on", sae_hospitalization="on")
    post_ae(
        nurse_client, treated_patient, term="Fatigue", grade="1", immune_related="", relationship_to_anti_pd1="unlikely"
    )
    assert AdverseEvent.objects.count() == 3
    client.force_login(data_manager)
    response = client.get(reverse("safety:summary"))
    (combined,) = response.context["counts"]
    assert (combined["randomized"], combined["any_ae"], combined["grade3"], combined["sae"], combined["irae"]) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert dict(response.context["terms"]) == {"Pneumonitis": [0, 0, 1, 0, 0], "Fatigue": [1, 0, 0, 0, 0]}


@pytest.mark.req("SAF-11", "DAT-13")
def test_patient_page_lists_aes_with_worst_grade_in_constant_queries(nurse_client, treated_patient):
    url = reverse("crf:patient_detail", args=[treated_patient.screening_number])
    post_ae(nurse_client, treated_patient)
    with CaptureQueriesContext(connection) as one_ae:
        nurse_client.get(url)
    for day in range(1, 8):
        post_ae(
            nurse_client, treated_patient, term="Fatigue", grade="1", onset_date=f"2025-05-0{day}", immune_related=""
        )
    with CaptureQueriesContext(connection) as eight_aes:
        page = nurse_client.get(url)
    assert len(one_ae.captured_queries) > 0
    assert len(eight_aes.captured_queries) == len(one_ae.captured_queries)
    assert "worst grade 2" in page.content.decode()


@pytest.mark.req("PRO-EP-10")
def test_summary_shows_the_12_month_local_control_rate(client, data_manager, site):
    from datetime import date
    from decimal import Decimal

    from crf.models import LocalIntervention, TargetMeasurement, TumourAssessment
    from tests.factories import AllocationFactory, LesionFactory, PatientFactory

    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on=date(2025, 3, 10))
    lung = LesionFactory(patient=patient, label="L1", organ="lung", longest_diameter_mm=20)
    liver = LesionFactory(patient=patient, label="L2", organ="liver", longest_diameter_mm=30)
    for lesion in (lung, liver):
        LocalIntervention.objects.create(
            lesion=lesion,
            modality="radiotherapy",
            intent="protocol",
            start_date=date(2025, 4, 1),
            rt_technique="sbrt",
            total_dose_gy=Decimal("40"),
            fractions=5,
        )
    for on, sizes in ((date(2025, 7, 1), {lung: 26, liver: 25}), (date(2026, 5, 15), {liver: 24})):
        assessment = TumourAssessment.objects.create(
            patient=patient, assessment_date=on, imaging_method="ct", non_target_status="absent", overall_response="SD"
        )
        for lesion, mm in sizes.items():
            TargetMeasurement.objects.create(assessment=assessment, lesion=lesion, diameter_mm=mm)
    # L1: 20 → 26 mm on 07-01 (+30 %, +6 mm over its own 20 mm): local progression at 91 days (2.99
    # months). L2: 30 → 25 → 24 mm, censored on 2026-05-15 (409 days, 13.44 months). Kaplan–Meier at
    # 12 months: 2 at risk at the event, S = 1 − 1/2 = 50 %; nothing else before 12 months.
    client.force_login(data_manager)
    response = client.get(reverse("safety:summary"))
    local = response.context["local_control"]
    assert (local["lesions"], local["progressions"], local["rate"], local["months"]) == (2, 1, 0.5, 12)
    assert "<strong>50 %</strong>" in response.content.decode()
