"""A nurse records pneumonitis grade 2, possibly related to anti-PD-1, an irAE; the investigator signs."""

import pytest
from django.utils import timezone

from safety import ctcae
from safety.models import AdverseEvent, CtcaeTerm
from tests.factories import PASSWORD, AllocationFactory, CycleFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.req("P11-SIG-1")
def test_nurse_enters_pneumonitis_and_investigator_signs(page, nurse, investigator, patient):
    ctcae.load(CtcaeTerm)  # the catalogue, after earlier transactional tests flushed it
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    CycleFactory(patient=patient, day1_date="2025-03-12")

    log_in(page, "nurse.sh01", PASSWORD)
    page.goto(f"/patients/{patient.screening_number}/")
    page.get_by_role("link", name="Add adverse event").click()
    page.get_by_label("CTCAE term").fill("pneum")
    page.locator("#ctcae-terms option[value^='Pneumonitis (']").wait_for(state="attached")
    page.get_by_label("CTCAE term").fill("Pneumonitis (Respiratory, thoracic and mediastinal disorders)")
    definitions = page.get_by_test_id("grade-definitions")
    definitions.get_by_text("Symptomatic; medical intervention indicated").wait_for()
    page.get_by_label("Onset date").fill("2025-04-20")
    page.get_by_label("Ongoing").check()
    page.get_by_label("Grade 2").check()
    page.get_by_label("Relationship to anti pd1").select_option(label="Possible")
    page.get_by_label("Relationship to chemotherapy").select_option(label="Unlikely")
    page.get_by_label("Immune-related (irAE)").check()
    page.get_by_label("Action taken with anti-PD-1").select_option(label="Delayed")
    page.get_by_label("Action taken with chemotherapy").select_option(label="None")
    page.get_by_label("Treatment given").select_option(label="Corticosteroids")
    page.get_by_label("Outcome").select_option(label="Recovering/resolving")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_test_id("review-state").inner_text() == "Awaiting investigator review"

    page.get_by_role("button", name="Log out").click()
    log_in(page, "investigator.sh01", PASSWORD)
    assert page.get_by_test_id("aes-to-sign-count").inner_text() == "1"
    page.get_by_role("link", name="AEs to sign").click()
    page.get_by_role("link", name="Pneumonitis").click()
    # The first signing of the session: user name and password (21 CFR Part 11 §11.200(a)(1)).
    page.get_by_label("User name").fill("investigator.sh01")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign").click()
    assert page.get_by_test_id("review-state").inner_text() == "Signed"
    assert AdverseEvent.objects.get().signatures.get().signer == investigator


def pick_term(page, typed, suggestion):
    page.get_by_label("CTCAE term").fill(typed)
    page.locator(f"#ctcae-terms option[value='{suggestion}']").wait_for(state="attached")
    page.get_by_label("CTCAE term").fill(suggestion)


@pytest.mark.req("SAF-3", "SAF-5")
def test_nurse_records_a_serious_pneumonitis_and_a_resolved_diarrhoea(page, nurse, patient):
    """The two journeys a nurse could not complete while conditional checkboxes were dead."""
    ctcae.load(CtcaeTerm)
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    log_in(page, "nurse.sh01", PASSWORD)

    page.goto(f"/patients/{patient.screening_number}/")
    page.get_by_role("link", name="Add adverse event").click()
    pick_term(page, "pneum", "Pneumonitis (Respiratory, thoracic and mediastinal disorders)")
    page.get_by_label("Onset date").fill("2025-04-20")
    page.get_by_label("Ongoing").check()
    page.get_by_label("Grade 3").check()
    page.get_by_label("Serious").check()
    page.get_by_label("Site became aware").fill("2025-04-21T08:15")
    page.get_by_label("Hospitalization or its prolongation").check()
    page.get_by_label("Expected", exact=True).check()
    page.get_by_label("Relationship to anti pd1").select_option(label="Probable")
    page.get_by_label("Relationship to chemotherapy").select_option(label="Unlikely")
    page.get_by_label("Immune-related (irAE)").check()
    page.get_by_label("Action taken with anti-PD-1").select_option(label="Delayed")
    page.get_by_label("Action taken with chemotherapy").select_option(label="None")
    page.get_by_label("Treatment given").select_option(label="Corticosteroids")
    page.get_by_label("Outcome").select_option(label="Recovering/resolving")
    page.get_by_role("button", name="Save").click()
    page.get_by_test_id("review-state").wait_for()
    pneumonitis = AdverseEvent.objects.get(term__term="Pneumonitis")
    assert pneumonitis.serious and pneumonitis.sae_hospitalization and pneumonitis.grade == 3
    # The 24-hour clock runs from the awareness the nurse entered (Asia/Shanghai), and an SAE
    # entered long after it says so on its page.
    assert f"{timezone.localtime(pneumonitis.sae_report.aware_at):%Y-%m-%d %H:%M}" == "2025-04-21 08:15"
    assert page.get_by_test_id("sae-late").is_visible()

    page.goto(f"/patients/{patient.screening_number}/")
    page.get_by_role("link", name="Add adverse event").click()
    pick_term(page, "diarr", "Diarrhea (Gastrointestinal disorders)")
    page.get_by_label("Onset date").fill("2025-04-02")
    page.get_by_label("Ongoing").uncheck()
    page.get_by_label("Resolution date").fill("2025-04-05")
    page.get_by_label("Grade 1").check()
    page.get_by_label("Relationship to anti pd1").select_option(label="Possible")
    page.get_by_label("Relationship to chemotherapy").select_option(label="Unlikely")
    page.get_by_label("Action taken with anti-PD-1").select_option(label="None")
    page.get_by_label("Action taken with chemotherapy").select_option(label="None")
    page.get_by_label("Treatment given").select_option(label="None")
    page.get_by_label("Outcome").select_option(label="Recovered/resolved")
    page.get_by_role("button", name="Save").click()
    page.get_by_test_id("review-state").wait_for()
    diarrhoea = AdverseEvent.objects.get(term__term="Diarrhea")
    assert not diarrhoea.ongoing and diarrhoea.resolution_date.isoformat() == "2025-04-05"

    page.goto(f"/patients/{patient.screening_number}/")
    card = page.get_by_test_id("ae-card")
    assert card.get_by_role("row").filter(has_text="Pneumonitis").filter(has_text="SAE").count() == 1
    assert card.get_by_role("row").filter(has_text="Diarrhea").filter(has_text="Recovered/resolved").count() == 1
