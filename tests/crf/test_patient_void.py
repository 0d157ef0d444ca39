"""A registration made in error is voided with a reason; a randomized patient never is (ITT)."""

import pytest
from django.urls import reverse

from crf.models import Patient
from crf.services import VoidRefused, void_patient
from tests.factories import AllocationFactory


@pytest.mark.req("P11-AUD-4", "DAT-10")
def test_registration_error_is_voided_with_its_reason(nurse_client, patient):
    url = reverse("crf:patient_void", args=[patient.screening_number])
    assert nurse_client.post(url, {"reason": "Registered twice"}).status_code == 302
    patient.refresh_from_db()
    assert patient.voided and patient.void_reason == "Registered twice"


@pytest.mark.req("DAT-10")
def test_randomized_patient_cannot_be_voided_in_the_browser(nurse_client, patient):
    AllocationFactory(patient=patient)
    detail = nurse_client.get(reverse("crf:patient_detail", args=[patient.screening_number]))
    assert reverse("crf:patient_void", args=[patient.screening_number]) not in detail.content.decode()
    url = reverse("crf:patient_void", args=[patient.screening_number])
    assert nurse_client.get(url).status_code == 302
    response = nurse_client.post(url, {"reason": "Withdrew consent"}, follow=True)
    assert "off-study form" in response.content.decode()
    assert not Patient.objects.get(pk=patient.pk).voided


@pytest.mark.req("DAT-10")
def test_randomized_patient_cannot_be_voided_by_the_service(patient, investigator):
    AllocationFactory(patient=patient)
    with pytest.raises(VoidRefused):
        void_patient(patient, "Withdrew consent", by=investigator)
    assert not Patient.objects.get(pk=patient.pk).voided
