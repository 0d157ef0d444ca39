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


@pytest.mark.req("PERF-3")
def test_nurse_filters_due_visits_by_site_and_date_and_pages_through(page, site, other_site):
    from datetime import date, timedelta

    from accounts import roles
    from tests.factories import UserFactory

    UserFactory(username="nurse.both", role=roles.RESEARCH_NURSE, sites=[site, other_site])
    randomized = date.today() - timedelta(days=60)
    for _n in range(27):  # more than a page at the first site, all with cycle 2 overdue
        patient = PatientFactory(site=site)
        AllocationFactory(patient=patient, randomized_on=randomized, arm="systemic")
        CycleFactory(patient=patient, day1_date=randomized + timedelta(days=1))
    other = PatientFactory(site=other_site)
    AllocationFactory(patient=other, randomized_on=date.today(), arm="systemic")  # cycle 1 due now
    log_in(page, "nurse.both", PASSWORD)
    page.get_by_role("link", name="Due visits").click()
    assert "28 patients with visits to act on" in page.content()
    assert "Page 1 of 2" in page.content()

    page.get_by_label("Site").select_option(label=str(other_site))
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    table = page.get_by_test_id("due-visits").inner_text()
    assert other.screening_number in table and site.code + "-" not in table

    page.get_by_label("Site").select_option(label=str(site))
    page.get_by_label("Planned up to").fill((date.today() + timedelta(days=400)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert "27 patients with visits to act on" in page.content()
    with page.expect_navigation():
        page.get_by_role("link", name="Next").click()
    assert "Page 2 of 2" in page.content()
    patients = page.get_by_test_id("due-visits").locator("tbody td:nth-child(2) a")
    assert len({link.inner_text() for link in patients.all()}) == 2  # 27 patients: 25 on page 1, 2 here
