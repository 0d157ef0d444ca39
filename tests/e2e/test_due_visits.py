import pytest

from tests.factories import PASSWORD, AllocationFactory, CycleFactory, PatientFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.req("PRO-TRT-8")
def test_nurse_opens_due_visits_and_goes_to_the_overdue_cycle(page, nurse, site):
    patient = PatientFactory(site=site)
    AllocationFactory(patient=patient, randomized_on="2025-03-10", arm="systemic")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    log_in(page, "nurse.sh01", PASSWORD)
    page.get_by_role("link", name="Due visits").click()
    row = page.get_by_test_id("due-visits").locator("tr", has_text="Cycle 2")
    assert "overdue" in row.inner_text()
    row.get_by_role("link", name="Enter").click()
    assert "Cycle 2 (induction)" in page.content()
