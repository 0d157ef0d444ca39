"""A nurse registers and screens a patient, the investigator randomizes, the nurse records cycle 1 and SBRT."""

from datetime import date, timedelta

import pytest

from randomization.models import Allocation
from randomization.services import generate_list
from tests.factories import PASSWORD

from .conftest import log_in

pytestmark = pytest.mark.browser

# Randomization is dated today; screening a few days before keeps every date in order.
RECENT = (date.today() - timedelta(days=5)).isoformat()
LESIONS = [("Lung", "right lower lobe", "22"), ("Liver", "segment VII", "30"), ("Bone", "T10 vertebra", "18")]


@pytest.mark.req("PRO-TRT-1")
def test_nurse_registers_screens_and_treats_a_patient(page, nurse, investigator, site):
    generate_list("journey", 12, "test")
    log_in(page, "nurse.sh01", PASSWORD)
    page.get_by_role("link", name="Register patient").click()
    page.get_by_label("Initials").fill("lzm")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Year of birth").fill("1958")
    page.get_by_label("Date informed consent signed").fill(RECENT)
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_test_id("screening-number").inner_text() == "SH01-0001"

    # Three lesions, one row at a time, on the lesion table.
    for number, (organ, location, mm) in enumerate(LESIONS):
        page.goto("/patients/SH01-0001/lesions/")
        page.locator(f"#id_lesions-{number}-organ").select_option(label=organ)
        page.locator(f"#id_lesions-{number}-location").fill(location)
        page.locator(f"#id_lesions-{number}-longest_diameter_mm").fill(mm)
        page.locator(f"#id_lesions-{number}-imaging_method").select_option(label="CT")
        page.locator(f"#id_lesions-{number}-imaging_date").fill(RECENT)
        page.locator(f"#id_lesions-{number}-pathologically_confirmed").select_option(label="Yes")
        page.locator(f"#id_lesions-{number}-target_lesion").select_option(label="Yes" if number < 2 else "No")
        page.get_by_role("button", name="Save lesions").click()
    assert page.get_by_test_id("lesion-table").locator("tbody tr").count() == 3

    page.goto("/patients/SH01-0001/baseline/")
    page.get_by_label("ECOG performance status").select_option(label="1 – restricted in strenuous activity")
    page.get_by_label("Date of histological diagnosis").fill("2024-12-01")
    page.get_by_label("Primary location").select_option(label="Middle thoracic")
    page.get_by_label("Clinical T (AJCC 8th)").select_option(label="T3")
    page.get_by_label("Clinical N (AJCC 8th)").select_option(label="N1")
    page.get_by_label("Untreated").check()
    page.get_by_label("Synchronous").check()
    page.get_by_role("group", name="Prior anti-PD-1 exposure").get_by_label("No").check()
    page.get_by_label("First line").check()
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Baseline: complete" in page.get_by_test_id("form-states").inner_text()

    page.goto("/patients/SH01-0001/eligibility/")
    page.get_by_label("Assessment date").fill(RECENT)
    for label in [
        "Age ≥ 18 years",
        "ECOG performance status 0–1",
        "Histologically proven",
        "Primary tumour",
        "All lesions amenable",
        "Adequate organ function",
    ]:
        page.get_by_role("group", name=label).get_by_label("Yes").check()
    for label in [
        "History of polymetastatic",
        "Esophageal perforation",
        "Disease progression during",
        "Active autoimmune",
        "Systemic steroids",
    ]:
        page.get_by_role("group", name=label).get_by_label("No").check()
    page.get_by_role("button", name="Save", exact=True).click()
    assert "3 lesions counted" in page.get_by_test_id("eligibility-card").inner_text()

    # The investigator confirms eligibility and randomizes.
    page.get_by_role("button", name="Log out").click()
    log_in(page, "investigator.sh01", PASSWORD)
    page.goto("/patients/SH01-0001/eligibility/")
    page.get_by_label("I confirm, as investigator").check()
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_test_id("patient-status").inner_text() == "Eligible"
    page.get_by_role("link", name="Randomize").click()
    assert "2–4 lesions" in page.get_by_test_id("strata").inner_text()
    page.get_by_role("button", name="Confirm and randomize").click()
    allocation = Allocation.objects.get()
    assert page.get_by_test_id("allocation-number").inner_text() == allocation.number == "R0001"
    assert page.get_by_test_id("allocation-arm").inner_text() == allocation.get_arm_display()

    page.get_by_role("button", name="Log out").click()
    log_in(page, "nurse.sh01", PASSWORD)
    page.goto("/patients/SH01-0001/")
    assert page.get_by_test_id("patient-status").inner_text() == "Randomized"
    cycle_day = allocation.randomized_on.isoformat()

    page.get_by_role("link", name="Add cycle").click()
    page.get_by_label("Day 1 (date given or due)").fill(cycle_day)
    page.get_by_label("Anti-PD-1 agent").select_option(label="Camrelizumab")
    page.get_by_label("Anti-PD-1 dose (mg)").fill("200")
    page.get_by_role("button", name="Save", exact=True).click()
    assert cycle_day in page.get_by_test_id("cycles-card").inner_text()
    assert page.get_by_test_id("patient-status").inner_text() == "On treatment"

    page.get_by_role("link", name="Add local intervention").click()
    page.get_by_label("Lesion").select_option(label="SH01-0001 L1")
    page.get_by_label("Radiotherapy").check()
    assert not page.get_by_label("Resection margin").is_visible()  # surgery details only for surgery
    if allocation.arm == "systemic":  # a systemic-arm patient gets local treatment only as palliation
        page.get_by_label("Palliative").check()
    page.get_by_label("Start date").fill(cycle_day)
    page.get_by_label("End date").fill(cycle_day)
    page.get_by_label("RT technique").select_option(label="SBRT")
    page.get_by_label("Total dose (Gy)").fill("50")
    page.get_by_label("Number of fractions").fill("5")
    assert "BED₁₀ 100.0 Gy" in page.get_by_test_id("bed-preview").inner_text()
    page.get_by_role("button", name="Save", exact=True).click()
    assert "BED₁₀ 100.0 Gy" in page.get_by_test_id("lesion-table").inner_text()
