"""A nurse interrupted on the ward: warned before the idle timeout, and nothing typed is lost after it."""

import pytest

from crf.models import FollowUp
from tests.factories import PASSWORD, AllocationFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.req("P11-ACC-3")
def test_warning_before_the_timeout_and_stay_signed_in(page, nurse, patient, settings):
    settings.SESSION_COOKIE_AGE = 6  # warned at 3 s, signed out at 6 s
    log_in(page, "nurse.sh01", PASSWORD)
    page.goto(f"/patients/{patient.screening_number}/")
    warning = page.get_by_test_id("session-timeout")
    warning.wait_for(state="visible", timeout=8_000)
    assert "signed out in two minutes" in warning.inner_text()
    page.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden")
    page.get_by_role("link", name="Patients").click()  # still signed in
    assert page.get_by_test_id("whoami").is_visible()


@pytest.mark.req("P11-ACC-3")
def test_save_after_the_session_expired_keeps_what_was_typed(page, nurse, patient):
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    log_in(page, "nurse.sh01", PASSWORD)
    page.goto(f"/patients/{patient.screening_number}/follow-ups/add/")
    page.get_by_label("Contact date").fill("2025-06-02")
    page.get_by_label("Alive").check()
    page.context.clear_cookies(name="sessionid")  # the idle timeout passed while she was away
    page.get_by_role("button", name="Save", exact=True).click()

    page.get_by_label("Username").fill("nurse.sh01")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("draft-restored").wait_for(state="visible")
    assert page.get_by_label("Contact date").input_value() == "2025-06-02"
    assert page.get_by_label("Alive").is_checked()
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_test_id("screening-number").wait_for()
    assert FollowUp.objects.get(patient=patient).contact_date.isoformat() == "2025-06-02"
