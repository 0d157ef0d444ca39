import pytest
from django.test import Client

from tests.factories import AllocationFactory, CycleFactory


@pytest.fixture
def treated_patient(patient, terms):
    """Randomized (2025-03-10) and on anti-PD-1 since 2025-03-12."""
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    return patient


@pytest.fixture
def investigator_client(investigator):
    """A browser of its own: tests use it beside the nurse's client."""
    client = Client()
    client.force_login(investigator)
    return client
