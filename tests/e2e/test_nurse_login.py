import pytest

from tests.factories import PASSWORD, PatientFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.req("SEC-1")
def test_nurse_logs_in_and_sees_only_her_site_patients(page, nurse, site, other_site):
    own = PatientFactory.create_batch(2, site=site)
    foreign = PatientFactory(site=other_site)

    log_in(page, "nurse.sh01", PASSWORD)

    table = page.get_by_test_id("patient-table")
    table.wait_for()
    for patient in own:
        assert table.get_by_role("link", name=patient.screening_number).is_visible()
    assert foreign.screening_number not in table.inner_text()
    assert "Research nurse" in page.get_by_test_id("whoami").inner_text()


@pytest.mark.req("P11-AUD-1")
def test_nurse_registers_a_patient_and_corrects_it_with_a_reason(page, nurse, site):
    log_in(page, "nurse.sh01", PASSWORD)
    page.get_by_role("link", name="Register patient").click()
    page.get_by_label("Initials").fill("wjh")
    page.get_by_label("Female").check()
    page.get_by_label("Year of birth").fill("1962")
    page.get_by_label("Date informed consent signed").fill("2025-06-02")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_test_id("screening-number").inner_text() == "SH01-0001"

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Date informed consent signed").fill("2025-06-03")
    with page.expect_navigation():  # content() right after a click can still be the page before it
        page.get_by_role("button", name="Save").click()
    assert "This field is required" in page.content()  # reason for change is required

    page.get_by_label("Reason for change").fill("Date copied wrongly from the consent form")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="History").click()
    history = page.get_by_test_id("history-table").inner_text()
    assert "2025-06-02" in history and "2025-06-03" in history
    assert "Date copied wrongly from the consent form" in history
