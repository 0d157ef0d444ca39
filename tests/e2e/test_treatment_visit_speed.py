"""The treatment visit in few interactions (clicks, fills, selects, submits, navigation), counted.

Targets from the safety-entry issue: a cycle plus one AE in at most 12, a maintenance cycle from
Due visits in at most 4. The regimen is carried from the previous cycle and day 1 defaults to the
planned date, so the nurse changes only what differs.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crf.models import TreatmentCycle
from safety import ctcae
from safety.models import AdverseEvent, CtcaeTerm
from tests.factories import PASSWORD, AllocationFactory, CycleFactory

from .conftest import log_in

pytestmark = pytest.mark.browser
TODAY = date.today()


class Counted:
    """The page, with every user interaction counted."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def act(self, locator, action, *args):
        self.count += 1
        getattr(locator, action)(*args)


def induction_patient(patient):
    AllocationFactory(patient=patient, randomized_on=TODAY - timedelta(days=25))
    CycleFactory(
        patient=patient,
        day1_date=TODAY - timedelta(days=21),
        chemotherapy_given=True,
        chemo_agent_1="paclitaxel",
        chemo_dose_1=Decimal("150"),
        chemo_agent_2="cisplatin",
        chemo_dose_2=Decimal("75"),
        weight_kg=Decimal("62"),
        bsa_m2=Decimal("1.70"),
    )


@pytest.mark.req("DAT-12")
def test_cycle_and_one_adverse_event_in_at_most_12_interactions(page, nurse, patient):
    ctcae.load(CtcaeTerm)
    induction_patient(patient)
    log_in(page, "nurse.sh01", PASSWORD)
    page.goto(f"/patients/{patient.screening_number}/")

    user = Counted(page)
    user.act(page.get_by_role("link", name="Add cycle"), "click")
    user.act(page.get_by_role("button", name="Save and add an adverse event"), "click")
    user.act(page.get_by_label("CTCAE term"), "fill", "diarr")
    page.locator("#ctcae-terms option[value^='Diarrhea (']").wait_for(state="attached")
    user.act(page.get_by_label("CTCAE term"), "fill", "Diarrhea (Gastrointestinal disorders)")
    user.act(page.get_by_label("Onset date"), "fill", TODAY.isoformat())
    user.act(page.get_by_label("Grade 1"), "check")
    user.act(page.get_by_label("Relationship to anti pd1"), "select_option", "possible")
    user.act(page.get_by_label("Relationship to chemotherapy"), "select_option", "possible")
    user.act(page.get_by_role("button", name="Save", exact=True), "click")
    page.get_by_test_id("review-state").wait_for()

    cycle = TreatmentCycle.objects.get(patient=patient, cycle_number=2)
    assert (cycle.day1_date, cycle.chemo_agent_1, cycle.chemo_dose_2) == (TODAY, "paclitaxel", Decimal("75"))
    ae = AdverseEvent.objects.get(patient=patient)
    assert (ae.ongoing, ae.outcome, ae.action_anti_pd1, ae.treatment_given) == (True, "not_recovered", "none", "none")
    print(f"cycle + one AE: {user.count} interactions")
    assert user.count <= 12


@pytest.mark.req("DAT-12")
def test_maintenance_cycle_from_due_visits_in_at_most_4_interactions(page, nurse, patient):
    AllocationFactory(patient=patient, randomized_on=TODAY - timedelta(days=90), arm="systemic")
    for number in range(1, 5):
        CycleFactory(patient=patient, cycle_number=number, day1_date=TODAY - timedelta(days=21 * (5 - number)))
    log_in(page, "nurse.sh01", PASSWORD)

    user = Counted(page)
    user.act(page.get_by_role("link", name="Due visits"), "click")
    row = page.get_by_test_id("due-visits").locator("tr", has_text="Cycle 5")
    user.act(row.get_by_role("link", name="Enter"), "click")
    user.act(page.get_by_role("button", name="Save", exact=True), "click")
    page.get_by_test_id("screening-number").wait_for()

    cycle = TreatmentCycle.objects.get(patient=patient, cycle_number=5)
    assert (cycle.day1_date, cycle.anti_pd1_agent, cycle.chemotherapy_given) == (TODAY, "camrelizumab", False)
    print(f"maintenance cycle from Due visits: {user.count} interactions")
    assert user.count <= 4
