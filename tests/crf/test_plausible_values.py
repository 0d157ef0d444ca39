"""Plausible values (protocol ranges): impossible refused, unusual confirmed with a stored tick."""

import pytest
from django.db import IntegrityError, transaction

from crf.models import TreatmentCycle
from tests.factories import CycleFactory

from .test_cycles import add_cycle

CHEMO = {"chemotherapy_given": "True", "weight_kg": "62", "bsa_m2": "1.70"}


def cycle_errors(response):
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"weight_kg": "999"}, "weight_kg"),
        ({"weight_kg": "0"}, "weight_kg"),
        ({"bsa_m2": "9.99"}, "bsa_m2"),
        ({"bsa_m2": "0.10"}, "bsa_m2"),
        ({"chemo_agent_1": "paclitaxel", "chemo_dose_1": "5000"}, "chemo_dose_1"),
        ({"chemo_agent_1": "cisplatin", "chemo_dose_1": "0"}, "chemo_dose_1"),
    ],
)
@pytest.mark.req("DAT-1")
def test_impossible_values_are_refused_even_when_confirmed(nurse_client, randomized_patient, values, field):
    data = {**CHEMO, "chemo_agent_1": "paclitaxel", "chemo_dose_1": "150", **values}
    response = add_cycle(nurse_client, randomized_patient, unusual_values_confirmed="on", **data)
    assert response.status_code == 200
    assert "is not possible here" in cycle_errors(response)[field][0]
    assert not TreatmentCycle.objects.exists()


@pytest.mark.req("DAT-2")
def test_unusual_dose_needs_the_confirmation_tick_which_is_stored(nurse_client, randomized_patient):
    # Paclitaxel 220 mg/m²: possible (≤ 300) but above the usual 135–175.
    data = {**CHEMO, "chemo_agent_1": "paclitaxel", "chemo_dose_1": "220"}
    response = add_cycle(nurse_client, randomized_patient, **data)
    assert "outside the usual 135–175 mg/m²" in cycle_errors(response)["chemo_dose_1"][0]
    assert add_cycle(nurse_client, randomized_patient, unusual_values_confirmed="on", **data).status_code == 302
    assert TreatmentCycle.objects.get().unusual_values_confirmed is True


@pytest.mark.req("DAT-2")
def test_usual_values_need_no_tick_and_store_none(nurse_client, randomized_patient):
    data = {**CHEMO, "chemo_agent_1": "paclitaxel", "chemo_dose_1": "150", "chemo_agent_2": "cisplatin"}
    response = add_cycle(nurse_client, randomized_patient, chemo_dose_2="75", unusual_values_confirmed="on", **data)
    assert response.status_code == 302
    assert TreatmentCycle.objects.get().unusual_values_confirmed is False


@pytest.mark.req("DAT-2")
def test_carboplatin_is_checked_in_auc(nurse_client, randomized_patient):
    data = {**CHEMO, "chemo_agent_1": "carboplatin", "chemo_dose_1": "8"}
    response = add_cycle(nurse_client, randomized_patient, **data)
    assert "outside the usual 4–6 AUC" in cycle_errors(response)["chemo_dose_1"][0]


@pytest.mark.parametrize(
    "values",
    [{"weight_kg": 999}, {"bsa_m2": "0.10"}, {"chemo_agent_1": "cisplatin", "chemo_dose_1": 0}],
)
@pytest.mark.req("DAT-1")
def test_database_refuses_impossible_values_from_any_path(randomized_patient, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        CycleFactory(patient=randomized_patient, chemotherapy_given=True, **values)


# --- Dates from before the study (patient born 1960, consent 2025-03-01) ---


@pytest.mark.req("DAT-3")
def test_diagnosis_before_birth_or_long_before_consent_is_refused(nurse_client, patient):
    from .test_baseline import baseline, post

    response = post(nurse_client, patient, baseline(histological_diagnosis_date="1900-01-01"))
    assert "cannot precede the year of birth (1960)" in cycle_errors(response)["histological_diagnosis_date"][0]
    response = post(nurse_client, patient, baseline(histological_diagnosis_date="2012-06-01"))
    assert "more than 10 years before consent" in cycle_errors(response)["histological_diagnosis_date"][0]
    assert post(nurse_client, patient, baseline(histological_diagnosis_date="2016-06-01")).status_code == 302


@pytest.mark.req("DAT-3")
def test_lesion_imaging_before_birth_is_refused(nurse_client, patient):
    from .test_lesions import post_lesions, row

    response = post_lesions(nurse_client, patient, [row("lung", imaging_date="1900-01-01")])
    assert response.status_code == 200
    form_errors = response.context["formset"].forms[0].errors
    assert "cannot precede the year of birth (1960)" in form_errors["imaging_date"][0]


# --- Local intervention ---


@pytest.mark.req("DAT-1")
def test_more_than_30_gy_per_fraction_is_refused(nurse_client, randomized_patient):
    from .test_local_interventions import add_intervention

    # 60 Gy in one fraction: 60 Gy per fraction, above the largest single fraction of 30 Gy.
    response = add_intervention(nurse_client, randomized_patient, total_dose_gy="60", fractions="1")
    assert "60.0 Gy per fraction is not possible" in cycle_errors(response)["fractions"][0]


@pytest.mark.req("DAT-1")
def test_ablation_with_no_session_is_refused(nurse_client, randomized_patient):
    from .test_local_interventions import add_intervention

    response = add_intervention(
        nurse_client, randomized_patient, modality="ablation", ablation_type="mwa", ablation_sessions="0"
    )
    assert "at least one session" in cycle_errors(response)["ablation_sessions"][0]
