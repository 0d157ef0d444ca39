"""A research nurse takes a patient from registration through eligibility to cycle 1 and SBRT."""

import pytest

from crf.models import Patient
from tests.factories import PASSWORD, AllocationFactory

from .conftest import log_in

pytestmark = pytest.mark.browser

LESIONS = [("Lung", "right lower lobe", "22"), ("Liver", "segment VII", "30"), ("Bone", "T10 vertebra", "18")]


def test_nurse_registers_screens_and_treats_a_patient(page, nurse, investigator, site):
    log_in(page, "nurse.sh01", PASSWORD)
    page.get_by_role("link", name="Register patient").click()
    page.get_by_label("Initials").fill("lzm")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Year of birth").fill("1958")
    page.get_by_label("Date informed consent signed").fill("2025-03-01")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_test_id("screening-number").inner_text() == "SH01-0001"

    # Three lesions, one row at a time, on the lesion table.
    for number, (organ, location, mm) in enumerate(LESIONS):
        page.goto("/patients/SH01-0001/lesions/")
        page.locator(f"#id_lesions-{number}-organ").select_option(label=organ)
        page.locator(f"#id_lesions-{number}-location").fill(location)
        page.locator(f"#id_lesions-{number}-longest_diameter_mm").fill(mm)
        page.locator(f"#id_lesions-{number}-imaging_method").select_option(label="CT")
        page.locator(f"#id_lesions-{number}-imaging_date").fill("2025-02-25")
        page.locator(f"#id_lesions-{number}-pathologically_confirmed").select_option(label="Yes")
        page.locator(f"#id_lesions-{number}-target_lesion").select_option(label="Yes" if number < 2 else "No")
        page.get_by_role("button", name="Save lesions").click()
    assert page.get_by_test_id("lesion-table").locator("tbody tr").count() == 3

    page.goto("/patients/SH01-0001/eligibility/")
    page.get_by_label("Assessment date").fill("2025-03-05")
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
    page.get_by_role("button", name="Save").click()
    assert "3 lesions counted" in page.get_by_test_id("eligibility-card").inner_text()

    # Randomization itself is the next issue's service; here it has happened.
    AllocationFactory(patient=Patient.objects.get(), arm="combined", randomized_on="2025-03-10")
    page.reload()
    assert page.get_by_test_id("patient-status").inner_text() == "Randomized"

    page.get_by_role("link", name="Add cycle").click()
    page.get_by_label("Day 1 (date given or due)").fill("2025-03-12")
    page.get_by_label("Anti-PD-1 agent").select_option(label="Camrelizumab")
    page.get_by_label("Anti-PD-1 dose (mg)").fill("200")
    page.get_by_role("button", name="Save").click()
    assert "2025-03-12" in page.get_by_test_id("cycles-card").inner_text()
    assert page.get_by_test_id("patient-status").inner_text() == "On treatment"

    page.get_by_role("link", name="Add local intervention").click()
    page.get_by_label("Lesion").select_option(label="SH01-0001 L1")
    page.get_by_label("Radiotherapy").check()
    assert not page.get_by_label("Resection margin").is_visible()  # surgery details only for surgery
    page.get_by_label("Start date").fill("2025-04-01")
    page.get_by_label("End date").fill("2025-04-09")
    page.get_by_label("RT technique").select_option(label="SBRT")
    page.get_by_label("Total dose (Gy)").fill("50")
    page.get_by_label("Number of fractions").fill("5")
    assert "BED₁₀ 100.0 Gy" in page.get_by_test_id("bed-preview").inner_text()
    page.get_by_role("button", name="Save").click()
    assert "BED₁₀ 100.0 Gy" in page.get_by_test_id("lesion-table").inner_text()
