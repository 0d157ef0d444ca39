"""Systemic-therapy cycles: numbering, the 21-day window, phases, reasons, and randomization first."""

import pytest
from django.urls import reverse

from audit.forms import latest_version
from crf.models import TreatmentCycle
from tests.factories import CycleFactory


def add_cycle(client, patient, **data):
    values = {
        "day1_date": "2025-03-12",
        "given": "True",
        "anti_pd1_agent": "camrelizumab",
        "anti_pd1_dose_mg": "200",
        "chemotherapy_given": "False",
        "delayed": "False",
        "dose_reduced": "False",
        **data,
    }
    return client.post(reverse("crf:record_add", args=[patient.screening_number, "cycles"]), values)


@pytest.mark.req("PRO-TRT-1")
def test_cycle_for_unrandomized_patient_is_refused_with_the_reason(nurse_client, patient):
    response = add_cycle(nurse_client, patient)
    assert response.status_code == 302
    assert not TreatmentCycle.objects.exists()
    page = nurse_client.get(response["Location"])
    assert "recorded only after randomization" in page.content.decode()


@pytest.mark.req("PRO-TRT-1")
def test_cycles_are_numbered_in_order_and_patient_is_on_treatment(nurse_client, randomized_patient):
    assert add_cycle(nurse_client, randomized_patient).status_code == 302
    assert add_cycle(nurse_client, randomized_patient, day1_date="2025-04-02").status_code == 302
    assert list(TreatmentCycle.objects.values_list("cycle_number", flat=True)) == [1, 2]
    detail = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert detail.context["patient"].status == "on_treatment"


@pytest.mark.req("PRO-TRT-1")
def test_first_cycle_before_randomization_is_refused(nurse_client, randomized_patient):
    response = add_cycle(nurse_client, randomized_patient, day1_date="2025-03-09")
    assert response.context["form"].errors["day1_date"] == ["The day 1 date cannot precede randomization (2025-03-10)."]


@pytest.mark.req("PRO-TRT-1", "DAT-3")
def test_future_day1_is_refused(nurse_client, randomized_patient):
    response = add_cycle(nurse_client, randomized_patient, day1_date="2099-01-01")
    assert "The day 1 date cannot be in the future." in response.context["form"].errors["day1_date"]


@pytest.mark.req("PRO-TRT-2")
def test_day1_outside_window_needs_a_reason_and_is_listed_as_deviation(nurse_client, randomized_patient):
    CycleFactory(patient=randomized_patient, day1_date="2025-03-12")
    response = add_cycle(nurse_client, randomized_patient, day1_date="2025-04-12")  # planned 04-02, latest 04-09
    assert response.context["form"].errors["deviation_reason"] == [
        "Day 1 is 3 days late for the window 2025-03-30 to 2025-04-09: give the reason "
        "(it is listed as a protocol deviation)."
    ]
    add_cycle(nurse_client, randomized_patient, day1_date="2025-04-12", deviation_reason="Patient travelled")
    detail = nurse_client.get(reverse("crf:patient_detail", args=[randomized_patient.screening_number]))
    assert [row.deviation_days for row in detail.context["deviations"]] == [3]
    assert "Patient travelled" in detail.content.decode()


@pytest.mark.req("PRO-TRT-1")
def test_day1_must_follow_previous_cycle(nurse_client, randomized_patient):
    CycleFactory(patient=randomized_patient, day1_date="2025-03-12")
    response = add_cycle(nurse_client, randomized_patient, day1_date="2025-03-12")
    assert response.context["form"].errors["day1_date"] == ["Day 1 must come after cycle 1 (2025-03-12)."]


@pytest.mark.req("PRO-TRT-3")
def test_chemotherapy_is_refused_in_maintenance(nurse_client, randomized_patient):
    for number, day in enumerate(["2025-03-12", "2025-04-02", "2025-04-23", "2025-05-14"], start=1):
        CycleFactory(patient=randomized_patient, cycle_number=number, day1_date=day)
    response = add_cycle(
        nurse_client,
        randomized_patient,
        day1_date="2025-06-04",
        chemotherapy_given="True",
        chemo_agent_1="paclitaxel",
        chemo_dose_1="150",
        bsa_m2="1.7",
    )
    assert "Maintenance is anti-PD-1 alone" in response.context["form"].errors["chemotherapy_given"][0]


@pytest.mark.req("PRO-TRT-3")
def test_dosing_by_body_surface_needs_bsa(nurse_client, randomized_patient):
    response = add_cycle(
        nurse_client, randomized_patient, chemotherapy_given="True", chemo_agent_1="paclitaxel", chemo_dose_1="150"
    )
    assert response.context["form"].errors["bsa_m2"] == ["Dosing in mg/m² needs the body surface area."]


@pytest.mark.req("PRO-TRT-3")
def test_cycle_not_given_needs_a_reason(nurse_client, randomized_patient):
    response = add_cycle(nurse_client, randomized_patient, given="False", anti_pd1_agent="", anti_pd1_dose_mg="")
    assert response.context["form"].errors["not_given_reason"] == ["Say why the cycle was not given."]


def test_only_the_latest_cycle_can_be_voided(nurse_client, randomized_patient):
    first = CycleFactory(patient=randomized_patient, day1_date="2025-03-12")
    CycleFactory(patient=randomized_patient, cycle_number=2, day1_date="2025-04-02")
    url = reverse("crf:record_void", args=[randomized_patient.screening_number, "cycles", first.pk])
    nurse_client.post(url, {"reason": "Entered for the wrong patient"})
    first.refresh_from_db()
    assert not first.voided


@pytest.mark.req("SEC-1")
def test_cycle_of_another_patient_is_not_found_through_this_patient(nurse_client, randomized_patient, site):
    from tests.factories import PatientFactory

    other = CycleFactory(patient=PatientFactory(site=site))
    url = reverse("crf:record_edit", args=[randomized_patient.screening_number, "cycles", other.pk])
    assert nurse_client.get(url).status_code == 404


@pytest.mark.req("P11-AUD-1")
def test_edit_of_a_cycle_needs_a_reason_and_is_audited(nurse_client, nurse, randomized_patient):
    cycle = CycleFactory(patient=randomized_patient, day1_date="2025-03-12")
    url = reverse("crf:record_edit", args=[randomized_patient.screening_number, "cycles", cycle.pk])
    data = {
        "day1_date": "2025-03-13",
        "given": "True",
        "anti_pd1_agent": "camrelizumab",
        "anti_pd1_dose_mg": "200",
        "chemotherapy_given": "False",
        "delayed": "False",
        "dose_reduced": "False",
        "loaded_version": latest_version(cycle),
    }
    assert nurse_client.post(url, data).context["form"].errors["reason_for_change"]
    nurse_client.post(url, {**data, "reason_for_change": "Infusion chart says 13 March"})
    cycle.refresh_from_db()
    assert cycle.day1_date.isoformat() == "2025-03-13"
    assert cycle.history.latest().history_user == nurse


@pytest.mark.req("DAT-13")
def test_patient_page_and_list_queries_do_not_grow_with_cycles(
    nurse_client, randomized_patient, django_assert_max_num_queries
):
    from datetime import date, timedelta

    from crf.models import LocalIntervention, MetastaticLesion

    detail = reverse("crf:patient_detail", args=[randomized_patient.screening_number])
    listing = reverse("crf:patient_list")
    CycleFactory(patient=randomized_patient, day1_date=date(2025, 3, 12))
    with django_assert_max_num_queries(40) as page_queries:
        nurse_client.get(detail)
    with django_assert_max_num_queries(40) as list_queries:
        nurse_client.get(listing)
    for number in range(2, 12):
        CycleFactory(
            patient=randomized_patient, cycle_number=number, day1_date=date(2025, 3, 12) + timedelta(21 * (number - 1))
        )
    for lesion in MetastaticLesion.objects.all():
        LocalIntervention.objects.create(
            lesion=lesion,
            modality="ablation",
            intent="protocol",
            start_date=date(2025, 4, 1),
            ablation_type="mwa",
            ablation_sessions=1,
        )
    with django_assert_max_num_queries(len(page_queries.captured_queries)):
        nurse_client.get(detail)
    with django_assert_max_num_queries(len(list_queries.captured_queries)):
        nurse_client.get(listing)


@pytest.mark.req("PRO-TRT-3")
def test_values_of_hidden_fields_are_not_kept(nurse_client, randomized_patient):
    add_cycle(nurse_client, randomized_patient, chemo_agent_1="paclitaxel", chemo_dose_1="150", delay_reason="typo")
    cycle = TreatmentCycle.objects.get()
    assert (cycle.chemotherapy_given, cycle.chemo_agent_1, cycle.chemo_dose_1, cycle.delay_reason) == (
        False,
        "",
        None,
        "",
    )
