from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safety.models import AdverseEvent

from .helpers import post_ae


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
