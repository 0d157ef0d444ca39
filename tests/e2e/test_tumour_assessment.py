"""RECIST 1.1 in the browser, filled as the nurse fills it: a patient with non-target disease only
progresses (RECIST table 2), and a lymph-node target measured by its short axis reaches a complete
response whose sum is not 0."""

import pytest

from crf.models import NonTargetStatus, TargetMeasurement, TumourAssessment
from tests.factories import PASSWORD, AllocationFactory, LesionFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


def open_new_assessment(page, patient, on):
    page.goto(f"/patients/{patient.screening_number}/")
    page.get_by_role("link", name="Add assessment").click()
    page.get_by_label("Assessment date").fill(on)
    page.get_by_label("Imaging method").select_option(label="CT")
    page.get_by_role("group", name="New lesions").get_by_label("No").check()


def save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()


@pytest.mark.req("PRO-RECIST-7")
def test_nurse_records_progression_of_non_target_only_disease(page, nurse, patient):
    # A lytic bone lesion without soft-tissue component and a 12 mm node: eligible, neither measurable.
    bone = LesionFactory(patient=patient, label="L1", organ="bone", location="T10 vertebra", target_lesion=False)
    node = LesionFactory(
        patient=patient,
        label="L2",
        organ="non_regional_ln",
        location="left supraclavicular",
        longest_diameter_mm=16,
        short_axis_mm=12,
        target_lesion=False,
    )
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    log_in(page, "nurse.sh01", PASSWORD)

    open_new_assessment(page, patient, "2025-04-21")
    for lesion in ("L1 Bone (T10 vertebra)", "L2 Non-regional lymph node (left supraclavicular)"):
        page.get_by_role("group", name=lesion).get_by_label("Present").check()
    # Without target lesions there is no PR or SD to choose (RECIST 1.1 table 2).
    options = page.get_by_label("Overall response (investigator)").locator("option").all_inner_texts()
    assert not any(option.startswith(("PR", "SD")) for option in options)
    page.get_by_label("Overall response (investigator)").select_option(label="CR – complete response")
    page.get_by_role("button", name="Save", exact=True).click()
    # Both lesions present: not a complete response.
    assert "The lesion statuses imply NON-CR/NON-PD" in page.locator(".invalid-feedback").first.inner_text()
    page.get_by_label("Overall response (investigator)").select_option(label="Non-CR/non-PD (non-target disease only)")
    save(page)
    assert "Tumour assessment saved." in page.content()

    open_new_assessment(page, patient, "2025-06-02")
    page.get_by_role("group", name="L1 Bone (T10 vertebra)").get_by_label("Unequivocal progression").check()
    page.get_by_role("group", name="L2 Non-regional lymph node (left supraclavicular)").get_by_label("Present").check()
    page.get_by_label("Overall response (investigator)").select_option(label="PD – progressive disease")
    save(page)
    card = page.get_by_test_id("assessments-card").inner_text()
    assert "non-target disease only" in card and "first progression 2025-06-02" in card
    assert list(TumourAssessment.objects.order_by("assessment_date").values_list("overall_response", flat=True)) == [
        "NON-CR/NON-PD",
        "PD",
    ]
    assert NonTargetStatus.objects.get(lesion=bone, assessment__assessment_date="2025-06-02").status == "progression"
    assert NonTargetStatus.objects.filter(lesion=node).count() == 2


@pytest.mark.req("PRO-RECIST-1", "PRO-RECIST-4")
def test_nurse_enters_a_nodal_target_by_short_axis_and_records_its_complete_response(page, nurse, patient):
    AllocationFactory(patient=patient, randomized_on="2025-03-10")
    log_in(page, "nurse.sh01", PASSWORD)
    page.goto(f"/patients/{patient.screening_number}/lesions/")
    rows = [
        ("Non-regional lymph node", "left supraclavicular", "24", "18"),  # short axis ≥ 15 mm: a target
        ("Lung", "right lower lobe", "16", ""),
    ]
    for number, (organ, location, longest, short_axis) in enumerate(rows):
        page.locator(f"#id_lesions-{number}-organ").select_option(label=organ)
        page.locator(f"#id_lesions-{number}-location").fill(location)
        page.locator(f"#id_lesions-{number}-longest_diameter_mm").fill(longest)
        page.locator(f"#id_lesions-{number}-short_axis_mm").fill(short_axis)
        page.locator(f"#id_lesions-{number}-imaging_method").select_option(label="CT")
        page.locator(f"#id_lesions-{number}-imaging_date").fill("2025-02-20")
        page.locator(f"#id_lesions-{number}-pathologically_confirmed").select_option(label="Yes")
        page.locator(f"#id_lesions-{number}-target_lesion").select_option(label="Yes")
        if number == 0:
            page.get_by_role("button", name="Save lesions").click()
            page.goto(f"/patients/{patient.screening_number}/lesions/")
    page.get_by_role("button", name="Save lesions").click()
    lesions = page.get_by_test_id("lesion-table").inner_text()
    assert "short axis 18.0 mm" in lesions

    # Baseline sum 18 (node short axis) + 16 = 34 mm. The node shrinks to 8 mm (normal, < 10 mm),
    # the lung lesion disappears: a complete response with a sum of 8 mm.
    open_new_assessment(page, patient, "2025-04-21")
    page.get_by_label("L1 Non-regional lymph node (left supraclavicular) — short axis (mm)").fill("8")
    page.get_by_label("L2 Lung (right lower lobe) — longest diameter (mm)").fill("0")
    page.get_by_label("Overall response (investigator)").select_option(label="CR – complete response")
    save(page)
    assert "Tumour assessment saved." in page.content()
    row = page.get_by_test_id("assessments-card").locator("tbody tr").first.inner_text()
    assert "8.0" in row and "-76%" in row and "CR" in row and "differs" not in row  # (8 − 34) / 34 = −76 %
    assert sorted(TargetMeasurement.objects.values_list("diameter_mm", flat=True)) == [0, 8]
    assert TumourAssessment.objects.get().overall_response == "CR"
