"""PFS censoring per the FDA 2018 guidance table, OS, local control, the imaging schedule behind the
missed-assessment rule, and the Kaplan-Meier estimate, on hand-worked cases (PROTOCOL.md,
Assessments, Endpoints and Endpoint details).

Every expected date, day count and month value is worked out by hand in a comment:
months = days / 30.4375, rounded to 2 decimals. CNSR: 0 event; 1 no adequate post-baseline
assessment (at randomization); 2 new anticancer therapy before progression (last adequate
assessment on or before its start); 3 progression or death after ≥ 2 consecutive missed scheduled
assessments (last adequate assessment before the gap); 4 alive without progression (last adequate
assessment).
"""

from datetime import date
from decimal import Decimal

import pytest

from crf.endpoints import (
    LesionObservation,
    TimeToEvent,
    kaplan_meier_at,
    local_control,
    missed_deadline_for,
    overall_survival,
    pfs,
    pfs_sensitivity,
)
from crf.recist import NOT_EVALUATED, PRESENT, PROGRESSION, Measurement
from crf.schedule import missed_assessments_deadline, next_assessment_window

RANDOMIZED = date(2025, 1, 1)
FIRST_DOSE = date(2025, 1, 3)  # induction: 4 × 21 = 84 days → maintenance from 2025-03-28

# Day counts from 2025-01-01 (Jan 31, Feb 28, Mar 31, Apr 30, May 31 days):
#   2025-01-20 = day 19; 2025-02-12 = day 42; 2025-03-26 = day 84; 2025-04-01 = day 90;
#   2025-05-07 = day 126; 2025-05-14 = day 133; 2025-05-15 = day 134; 2025-05-28 = day 147;
#   2025-06-18 = day 168.


def deadline():
    """The trial's rule for this patient: first dose 2025-01-03, still on treatment."""
    return missed_deadline_for(FIRST_DOSE, None)


# --- The imaging schedule [default]: 6 weeks in induction, 9 in maintenance, 3 months after treatment, ±7 days ---


@pytest.mark.req("PRO-RECIST-9")
def test_imaging_every_6_weeks_during_induction():
    # 2025-01-01 + 42 days = 2025-02-12; window 2025-02-05 .. 2025-02-19
    window = next_assessment_window(RANDOMIZED, FIRST_DOSE)
    assert (window.planned, window.earliest, window.latest) == (date(2025, 2, 12), date(2025, 2, 5), date(2025, 2, 19))


@pytest.mark.req("PRO-RECIST-9")
def test_last_induction_day_is_followed_by_a_6_week_interval():
    # induction ends 2025-01-03 + 84 = 2025-03-28; an assessment on 03-27 is still induction:
    # 03-27 + 42 = 2025-05-08 (Mar 31 is +4, Apr 30 +34, May 8 +42)
    assert next_assessment_window(date(2025, 3, 27), FIRST_DOSE).planned == date(2025, 5, 8)


@pytest.mark.req("PRO-RECIST-9")
def test_imaging_every_9_weeks_during_maintenance():
    # 2025-03-28 (cycle 5 day 1, maintenance) + 63 = 2025-05-30 (Mar 31 +3, Apr 30 +33, May 30 +63)
    assert next_assessment_window(date(2025, 3, 28), FIRST_DOSE).planned == date(2025, 5, 30)
    # 2025-04-09 + 63 = 2025-06-11 (Apr 30 +21, May 31 +52, Jun 11 +63); window 06-04 .. 06-18
    window = next_assessment_window(date(2025, 4, 9), FIRST_DOSE)
    assert (window.planned, window.earliest, window.latest) == (date(2025, 6, 11), date(2025, 6, 4), date(2025, 6, 18))


@pytest.mark.req("PRO-RECIST-9")
def test_imaging_every_3_months_after_the_end_of_treatment():
    # treatment ended 2025-05-01; assessment 2025-05-02 + 3 months = 2025-08-02; window 07-26 .. 08-09
    window = next_assessment_window(date(2025, 5, 2), FIRST_DOSE, date(2025, 5, 1))
    assert (window.planned, window.earliest, window.latest) == (date(2025, 8, 2), date(2025, 7, 26), date(2025, 8, 9))


@pytest.mark.req("PRO-EP-4")
def test_two_missed_assessments_deadline_is_the_end_of_the_second_scheduled_window():
    # last 2025-02-12 (induction): missed 03-26 (+42), missed 05-07 (03-26 < 03-28 still induction, +42);
    # the second window closes 05-07 + 7 = 2025-05-14
    assert missed_assessments_deadline(date(2025, 2, 12), FIRST_DOSE) == date(2025, 5, 14)
    # in maintenance: 2025-04-09 → 06-11 → 08-13 (Jun 30 +19, Jul 31 +50, Aug 13 +63); closes 2025-08-20
    assert missed_assessments_deadline(date(2025, 4, 9), FIRST_DOSE) == date(2025, 8, 20)
    # after treatment: 2025-05-02 → 08-02 → 11-02; closes 2025-11-09
    assert missed_assessments_deadline(date(2025, 5, 2), FIRST_DOSE, date(2025, 5, 1)) == date(2025, 11, 9)


# --- PFS, FDA 2018 censoring table ---


@pytest.mark.req("PRO-EP-1")
def test_progression_is_a_pfs_event():
    # PD 2025-05-07 = day 126; 126 / 30.4375 = 4.1396 → 4.14
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "PR"), (date(2025, 3, 26), "SD"), (date(2025, 5, 7), "PD")])
    assert (outcome.start, outcome.on, outcome.cnsr, outcome.event) == (RANDOMIZED, date(2025, 5, 7), 0, 1)
    assert (outcome.days, outcome.months) == (126, 4.14)
    assert outcome.description == "Progression (RECIST 1.1)"


@pytest.mark.req("PRO-EP-1")
def test_death_without_progression_is_a_pfs_event():
    # death 2025-04-01 = day 90; 90 / 30.4375 = 2.9569 → 2.96
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "PR")], death_on=date(2025, 4, 1))
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (date(2025, 4, 1), 0, 1, 90, 2.96)
    assert outcome.description == "Death"


@pytest.mark.req("PRO-EP-1")
def test_death_before_the_first_scheduled_assessment_is_a_pfs_event():
    # no assessment yet; death 2025-01-20 = day 19, within the first window; 19 / 30.4375 = 0.6242 → 0.62
    outcome = pfs(RANDOMIZED, [], death_on=date(2025, 1, 20), missed_deadline=deadline())
    assert (outcome.on, outcome.cnsr, outcome.days, outcome.months) == (date(2025, 1, 20), 0, 19, 0.62)


@pytest.mark.req("PRO-EP-1")
def test_first_progression_is_the_event_when_death_follows():
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 3, 26), "PD")], death_on=date(2025, 6, 1))
    assert (outcome.on, outcome.cnsr) == (date(2025, 3, 26), 0)


@pytest.mark.req("PRO-EP-2")
def test_no_adequate_post_baseline_assessment_is_censored_at_randomization():
    # the pre-randomization (baseline) scan and an NE assessment do not count → CNSR 1, day 0
    assessments = [(date(2024, 12, 20), "SD"), (date(2025, 2, 12), "NE")]
    outcome = pfs(RANDOMIZED, assessments)
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (RANDOMIZED, 1, 0, 0, 0.0)
    assert pfs(RANDOMIZED, []).cnsr == 1


@pytest.mark.req("PRO-EP-3")
def test_new_anticancer_therapy_before_progression_censors_at_last_adequate_assessment_before_it():
    # adequate 02-12, 03-26, 05-07; palliative RT from 2025-04-15; PD 2025-06-18 comes after it.
    # → CNSR 2 at 2025-03-26 = day 84; 84 / 30.4375 = 2.7598 → 2.76
    assessments = [
        (date(2025, 2, 12), "PR"),
        (date(2025, 3, 26), "SD"),
        (date(2025, 5, 7), "SD"),
        (date(2025, 6, 18), "PD"),
    ]
    outcome = pfs(RANDOMIZED, assessments, new_therapy_on=(date(2025, 4, 15),))
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (
        date(2025, 3, 26),
        2,
        0,
        84,
        2.76,
    )


@pytest.mark.req("PRO-EP-3")
def test_new_anticancer_therapy_on_an_assessment_day_censors_at_that_assessment():
    # "on or before its start": therapy on 2025-03-26, the day of an adequate assessment → censored 03-26
    assessments = [(date(2025, 2, 12), "PR"), (date(2025, 3, 26), "SD"), (date(2025, 5, 7), "PD")]
    outcome = pfs(RANDOMIZED, assessments, new_therapy_on=(date(2025, 3, 26),))
    assert (outcome.on, outcome.cnsr) == (date(2025, 3, 26), 2)


@pytest.mark.req("PRO-EP-3")
def test_new_anticancer_therapy_before_any_adequate_assessment_censors_at_randomization():
    outcome = pfs(
        RANDOMIZED, [(date(2025, 2, 12), "NE"), (date(2025, 3, 26), "PD")], new_therapy_on=(date(2025, 2, 1),)
    )
    assert (outcome.on, outcome.cnsr, outcome.days) == (RANDOMIZED, 2, 0)


@pytest.mark.req("PRO-EP-3")
def test_new_anticancer_therapy_after_progression_leaves_the_progression_event():
    assessments = [(date(2025, 2, 12), "PR"), (date(2025, 3, 26), "PD")]
    outcome = pfs(RANDOMIZED, assessments, new_therapy_on=(date(2025, 4, 15),))
    assert (outcome.on, outcome.cnsr) == (date(2025, 3, 26), 0)


@pytest.mark.req("PRO-EP-4")
def test_progression_after_one_missed_assessment_is_an_event():
    # last adequate 02-12; 03-26 missed; PD on 05-07, in the window of the next one (closes 05-14)
    # → event at day 126, 4.14 months
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 5, 7), "PD")], missed_deadline=deadline())
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.months) == (date(2025, 5, 7), 0, 1, 4.14)


@pytest.mark.req("PRO-EP-4")
def test_progression_on_the_last_day_of_the_second_window_is_an_event():
    # 2025-05-14 = day 133 is still inside the second scheduled window: only one assessment missed
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 5, 14), "PD")], missed_deadline=deadline())
    assert (outcome.on, outcome.cnsr, outcome.days) == (date(2025, 5, 14), 0, 133)


@pytest.mark.req("PRO-EP-4")
def test_progression_after_two_missed_assessments_is_censored_before_the_gap():
    # last adequate 02-12; 03-26 and 05-07 (window to 05-14) both missed; PD 2025-06-18
    # → CNSR 3 at 2025-02-12 = day 42; 42 / 30.4375 = 1.3799 → 1.38
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 6, 18), "PD")], missed_deadline=deadline())
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (
        date(2025, 2, 12),
        3,
        0,
        42,
        1.38,
    )
    # one day after the second window closed (05-15) is already after two misses
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 5, 15), "PD")], missed_deadline=deadline())
    assert (outcome.on, outcome.cnsr) == (date(2025, 2, 12), 3)


@pytest.mark.req("PRO-EP-4")
def test_death_after_two_missed_assessments_is_censored_before_the_gap():
    # last adequate 02-12; death 2025-06-18 after two missed windows → CNSR 3 at 02-12
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD")], death_on=date(2025, 6, 18), missed_deadline=deadline())
    assert (outcome.on, outcome.cnsr) == (date(2025, 2, 12), 3)


@pytest.mark.req("PRO-EP-4")
def test_an_ne_assessment_does_not_close_the_gap():
    # 03-26 NE is not adequate: the gap still runs from 02-12, so PD 2025-06-18 → CNSR 3 at 02-12
    assessments = [(date(2025, 2, 12), "SD"), (date(2025, 3, 26), "NE"), (date(2025, 6, 18), "PD")]
    outcome = pfs(RANDOMIZED, assessments, missed_deadline=deadline())
    assert (outcome.on, outcome.cnsr) == (date(2025, 2, 12), 3)


@pytest.mark.req("PRO-EP-5")
def test_alive_without_progression_is_censored_at_last_adequate_assessment():
    # SD 02-12, NE 03-26 (not adequate) → CNSR 4 at 02-12, day 42, 1.38 months
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 3, 26), "NE")])
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (
        date(2025, 2, 12),
        4,
        0,
        42,
        1.38,
    )


@pytest.mark.req("PRO-EP-5")
def test_non_cr_non_pd_is_an_adequate_assessment():
    # non-target-only disease: NON-CR/NON-PD on 03-26 is evaluable → CNSR 4 at 03-26 (day 84)
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "NON-CR/NON-PD"), (date(2025, 3, 26), "NON-CR/NON-PD")])
    assert (outcome.on, outcome.cnsr, outcome.days) == (date(2025, 3, 26), 4, 84)


@pytest.mark.req("PRO-EP-7")
def test_data_cutoff_ignores_later_progression():
    # cut-off 2025-06-01: PD 06-18 is after it → CNSR 4 at 05-07 (day 126, 4.14 months)
    assessments = [
        (date(2025, 2, 12), "PR"),
        (date(2025, 3, 26), "SD"),
        (date(2025, 5, 7), "SD"),
        (date(2025, 6, 18), "PD"),
    ]
    outcome = pfs(RANDOMIZED, assessments, cutoff=date(2025, 6, 1))
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.months) == (date(2025, 5, 7), 4, 0, 4.14)


@pytest.mark.req("PRO-EP-7")
def test_data_cutoff_ignores_later_death_and_later_new_therapy():
    assessments = [(date(2025, 2, 12), "PR"), (date(2025, 5, 7), "SD")]
    outcome = pfs(
        RANDOMIZED, assessments, death_on=date(2025, 7, 1), new_therapy_on=(date(2025, 6, 15),), cutoff=date(2025, 6, 1)
    )
    assert (outcome.on, outcome.cnsr) == (date(2025, 5, 7), 4)


@pytest.mark.req("PRO-EP-7")
def test_data_cutoff_keeps_progression_dated_on_the_cutoff():
    # PD 2025-05-28 = day 147 = the cut-off day: kept; 147 / 30.4375 = 4.8296 → 4.83
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 5, 28), "PD")], cutoff=date(2025, 5, 28))
    assert (outcome.on, outcome.cnsr, outcome.months) == (date(2025, 5, 28), 0, 4.83)


@pytest.mark.req("PRO-EP-6")
def test_sensitivity_pfs_counts_progression_after_new_anticancer_therapy():
    # same patient as the CNSR 2 case: PD 2025-06-18 = day 168; 168 / 30.4375 = 5.5195 → 5.52
    assessments = [
        (date(2025, 2, 12), "PR"),
        (date(2025, 3, 26), "SD"),
        (date(2025, 5, 7), "SD"),
        (date(2025, 6, 18), "PD"),
    ]
    outcome = pfs_sensitivity(RANDOMIZED, assessments)
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (
        date(2025, 6, 18),
        0,
        1,
        168,
        5.52,
    )


@pytest.mark.req("PRO-EP-6")
def test_sensitivity_pfs_counts_progression_after_two_missed_assessments():
    outcome = pfs_sensitivity(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 6, 18), "PD")])
    assert (outcome.on, outcome.cnsr, outcome.months) == (date(2025, 6, 18), 0, 5.52)


@pytest.mark.req("PRO-EP-6")
def test_sensitivity_pfs_still_censors_alive_without_progression_and_respects_the_cutoff():
    assessments = [(date(2025, 2, 12), "SD"), (date(2025, 6, 18), "PD")]
    outcome = pfs_sensitivity(RANDOMIZED, assessments, cutoff=date(2025, 6, 1))
    assert (outcome.on, outcome.cnsr) == (date(2025, 2, 12), 4)
    assert pfs_sensitivity(RANDOMIZED, [(date(2025, 2, 12), "NE")]).cnsr == 1


# --- OS ---


@pytest.mark.req("PRO-EP-8")
def test_os_death_is_the_event():
    # 2026-01-01 = day 365; 365 / 30.4375 = 11.9918 → 11.99
    outcome = overall_survival(RANDOMIZED, death_on=date(2026, 1, 1), known_alive=(date(2025, 12, 1),))
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (
        date(2026, 1, 1),
        0,
        1,
        365,
        11.99,
    )


@pytest.mark.req("PRO-EP-8")
def test_os_alive_is_censored_at_last_date_known_alive():
    # latest of the dates: 2025-09-15 = day 257 (Aug 31 = day 242); 257 / 30.4375 = 8.4435 → 8.44
    outcome = overall_survival(RANDOMIZED, known_alive=(date(2025, 3, 1), date(2025, 9, 15), date(2025, 6, 1)))
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (
        date(2025, 9, 15),
        1,
        0,
        257,
        8.44,
    )


@pytest.mark.req("PRO-EP-7")
def test_os_data_cutoff_ignores_later_death_and_later_contacts():
    # cut-off 2025-06-01: death 07-01 and contact 06-20 dropped → censored at 05-28, day 147, 4.83 months
    known = (date(2025, 5, 7), date(2025, 5, 28), date(2025, 6, 20))
    outcome = overall_survival(RANDOMIZED, death_on=date(2025, 7, 1), known_alive=known, cutoff=date(2025, 6, 1))
    assert (outcome.on, outcome.cnsr, outcome.months) == (date(2025, 5, 28), 1, 4.83)


@pytest.mark.req("PRO-EP-8")
def test_os_without_any_contact_is_censored_at_randomization():
    outcome = overall_survival(RANDOMIZED)
    assert (outcome.on, outcome.cnsr, outcome.days) == (RANDOMIZED, 1, 0)


# --- Local control of a treated lesion ---

TREATED = date(2025, 3, 1)
# Day counts from 2025-03-01: 04-12 = day 42; 05-24 = day 84; 07-26 = day 147 (Jul 1 = day 122).


def measured(on, mm, nodal=False, too_small=False):
    return LesionObservation(on, measurement=Measurement(nodal, None if mm is None else Decimal(mm), too_small))


@pytest.mark.req("PRO-EP-9")
def test_local_progression_is_20_percent_and_5_mm_over_the_lesions_own_nadir():
    # 20 before; 12, then 10 (nadir), then 15: +5 mm, +50 % over 10 → event 2025-07-26, day 147;
    # 147 / 30.4375 = 4.8296 → 4.83
    observations = [measured(date(2025, 4, 12), 12), measured(date(2025, 5, 24), 10), measured(date(2025, 7, 26), 15)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(20))
    assert (outcome.start, outcome.on, outcome.cnsr, outcome.event) == (TREATED, date(2025, 7, 26), 0, 1)
    assert (outcome.days, outcome.months) == (147, 4.83)


@pytest.mark.req("PRO-EP-9")
def test_local_growth_under_5_mm_over_the_nadir_is_not_progression():
    # 20 before; 10; 14 (+4 mm, +40 %) → no event; censored at the last assessment 07-26 (CNSR 1)
    observations = [measured(date(2025, 4, 12), 10), measured(date(2025, 7, 26), 14)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(20))
    assert (outcome.on, outcome.cnsr, outcome.event) == (date(2025, 7, 26), 1, 0)


@pytest.mark.req("PRO-EP-9")
def test_local_nadir_includes_the_pre_treatment_value():
    # 12 before; 16 (+4 over 12: no); 17 (+5 and +41.7 % over 12 → event; over 16 alone it would not be)
    # 2025-05-24 = day 84 → 84 / 30.4375 = 2.7598 → 2.76
    observations = [measured(date(2025, 4, 12), 16), measured(date(2025, 5, 24), 17)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(12))
    assert (outcome.on, outcome.cnsr, outcome.months) == (date(2025, 5, 24), 0, 2.76)


@pytest.mark.req("PRO-EP-9")
def test_local_nadir_is_since_treatment_not_before_it():
    # a 5 mm measurement before the treatment is not the nadir: 20 before; 12 → 16 is +4 over 12 → no event
    observations = [measured(date(2025, 2, 1), 5), measured(date(2025, 4, 12), 12), measured(date(2025, 5, 24), 16)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(20))
    assert (outcome.on, outcome.cnsr) == (date(2025, 5, 24), 1)


@pytest.mark.req("PRO-EP-9")
def test_local_progression_of_a_treated_node_uses_its_short_axis():
    # node short axis 18 before; 9; 14: +5 mm, +55.6 % over 9 → event 2025-05-24
    observations = [measured(date(2025, 4, 12), 9, nodal=True), measured(date(2025, 5, 24), 14, nodal=True)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(18))
    assert (outcome.on, outcome.cnsr) == (date(2025, 5, 24), 0)


@pytest.mark.req("PRO-EP-9")
def test_local_too_small_to_measure_counts_as_5_mm():
    # 20 before; too small (5 mm) is the nadir; then 10: +5 mm, +100 % → event 2025-05-24
    observations = [measured(date(2025, 4, 12), None, too_small=True), measured(date(2025, 5, 24), 10)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(20))
    assert (outcome.on, outcome.cnsr) == (date(2025, 5, 24), 0)


@pytest.mark.req("PRO-EP-9")
def test_unequivocal_progression_of_a_treated_non_target_is_local_progression():
    observations = [
        LesionObservation(date(2025, 4, 12), status=PRESENT),
        LesionObservation(date(2025, 5, 24), status=PROGRESSION),
    ]
    outcome = local_control(TREATED, observations)
    assert (outcome.on, outcome.cnsr, outcome.days) == (date(2025, 5, 24), 0, 84)


@pytest.mark.req("PRO-EP-9")
def test_local_control_censored_at_the_last_adequate_assessment_of_the_lesion():
    # 04-12 measured (12 mm); 05-24 not measured → CNSR 1 at 04-12, day 42, 1.38 months
    observations = [measured(date(2025, 4, 12), 12), measured(date(2025, 5, 24), None)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(20))
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (
        date(2025, 4, 12),
        1,
        0,
        42,
        1.38,
    )
    # a non-target not evaluated is not adequate either
    non_target = [
        LesionObservation(date(2025, 4, 12), status=PRESENT),
        LesionObservation(date(2025, 5, 24), status=NOT_EVALUATED),
    ]
    assert (local_control(TREATED, non_target).on, local_control(TREATED, non_target).cnsr) == (date(2025, 4, 12), 1)


@pytest.mark.req("PRO-EP-9")
def test_local_control_never_assessed_after_intervention_is_censored_at_the_intervention():
    # only a pre-treatment scan and one on the day of treatment → CNSR 2 at 2025-03-01, day 0
    observations = [measured(date(2025, 2, 1), 20), measured(TREATED, 20)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(20))
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days) == (TREATED, 2, 0, 0)
    assert local_control(TREATED, [measured(date(2025, 4, 12), None)], before_treatment=Decimal(20)).cnsr == 2


@pytest.mark.req("PRO-EP-7")
def test_local_control_data_cutoff_ignores_later_progression():
    # cut-off 2025-06-01: the 07-26 progression is dropped → CNSR 1 at 05-24
    observations = [measured(date(2025, 4, 12), 12), measured(date(2025, 5, 24), 10), measured(date(2025, 7, 26), 15)]
    outcome = local_control(TREATED, observations, before_treatment=Decimal(20), cutoff=date(2025, 6, 1))
    assert (outcome.on, outcome.cnsr) == (date(2025, 5, 24), 1)


# --- Kaplan-Meier product-limit estimate ---


def outcome_at(day, event):
    from datetime import timedelta

    return TimeToEvent(RANDOMIZED, RANDOMIZED + timedelta(days=day), 0 if event else 1, "")


# Five patients (days → months /30.4375): event 30 (0.99), censored 45 (1.48), event 60 (1.97),
# event 90 (2.96), censored 120 (3.94).
# t=0.99: n=5, d=1 → S = 4/5 = 0.8
# t=1.48: censored → n = 3
# t=1.97: n=3, d=1 → S = 0.8 × 2/3 = 0.53333
# t=2.96: n=2, d=1 → S = 0.53333 × 1/2 = 0.26667
# t=3.94: censored; beyond it nobody is followed.
FIVE = [outcome_at(30, True), outcome_at(45, False), outcome_at(60, True), outcome_at(90, True), outcome_at(120, False)]


@pytest.mark.parametrize(
    "months, expected",
    [(0.5, 1.0), (1, 0.8), (1.5, 0.8), (2, 8 / 15), (3, 4 / 15), (3.94, 4 / 15)],
)
@pytest.mark.req("PRO-EP-10")
def test_kaplan_meier_product_limit(months, expected):
    assert kaplan_meier_at(FIVE, months) == pytest.approx(expected)


@pytest.mark.req("PRO-EP-10")
def test_kaplan_meier_is_undefined_after_the_last_censored_follow_up():
    assert kaplan_meier_at(FIVE, 4) is None
    assert kaplan_meier_at([], 1) is None


@pytest.mark.req("PRO-EP-10")
def test_kaplan_meier_counts_a_censoring_tied_with_an_event_at_risk():
    # event 30 (0.99); event 60 and censored 60 (1.97); event 90 (2.96)
    # t=0.99: n=4, d=1 → 3/4; t=1.97: n=3 (the tied censoring still at risk), d=1 → 3/4 × 2/3 = 0.5;
    # t=2.96: n=1, d=1 → 0
    tied = [outcome_at(30, True), outcome_at(60, True), outcome_at(60, False), outcome_at(90, True)]
    assert kaplan_meier_at(tied, 2) == pytest.approx(0.5)
    assert kaplan_meier_at(tied, 3) == pytest.approx(0.0)


@pytest.mark.req("PRO-EP-10")
def test_kaplan_meier_is_undefined_after_a_last_follow_up_where_an_event_and_a_censoring_tie():
    # event 30 (0.99); event 60 and censored 60 (1.97). At 1.97: 2/3 × 1/2 = 1/3, and the censored
    # patient is the last one followed (events before censorings at a tie). At 3 months nobody is
    # followed any more and the curve has not reached 0: the estimate is undefined there (Kaplan &
    # Meier 1958; the function's own contract: None when no one is still followed then).
    tied_last = [outcome_at(30, True), outcome_at(60, True), outcome_at(60, False)]
    assert kaplan_meier_at(tied_last, 1.97) == pytest.approx(1 / 3)
    assert kaplan_meier_at(tied_last, 2) is None  # 2 months = 60.9 days: after the last follow-up
    assert kaplan_meier_at(tied_last, 3) is None
