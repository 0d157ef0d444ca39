import pytest

from tests.factories import AllocationFactory, LesionFactory


@pytest.fixture
def randomized_patient(patient):
    """A combined-arm patient (consent 2025-03-01, randomized 2025-03-10) with three lesions."""
    LesionFactory(patient=patient, label="L1", organ="lung", longest_diameter_mm=20)
    LesionFactory(patient=patient, label="L2", organ="liver", longest_diameter_mm=30)
    LesionFactory(patient=patient, label="L3", organ="bone", target_lesion=False)
    AllocationFactory(patient=patient, arm="combined", randomized_on="2025-03-10")
    return patient
