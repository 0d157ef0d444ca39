"""Free text has a sensible maximum: a form error for the nurse, and a database limit behind it."""

import pytest
from django.db import IntegrityError, transaction

from crf.models import Eligibility
from esotrial import protocol
from tests.factories import EligibilityFactory, LesionFactory

from .test_eligibility import answers, eligibility_url

LIMIT = protocol.FREE_TEXT_MAX_CHARS.value


@pytest.mark.req("DAT-4")
def test_200000_character_screen_failure_reason_is_a_form_error(nurse_client, patient):
    LesionFactory(patient=patient, label="L1", organ="lung")
    response = nurse_client.post(eligibility_url(patient), answers(screen_failure_reason="x" * 200_000))
    assert response.status_code == 200
    assert f"at most {LIMIT} characters" in response.context["form"].errors["screen_failure_reason"][0]
    assert not Eligibility.objects.exists()


@pytest.mark.req("DAT-4")
def test_database_refuses_an_over_long_reason_from_any_path(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        EligibilityFactory(patient=patient, screen_failure_reason="x" * (LIMIT + 1))
