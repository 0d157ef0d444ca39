"""PFS and OS on hand-worked cases (PROTOCOL.md, Endpoints)."""

from datetime import date

import pytest

from crf.endpoints import TimeToEvent, overall_survival, pfs

RANDOMIZED = date(2025, 1, 1)
# Day counts from 2025-01-01: 02-12 = 42; 03-01 = 59; 04-01 = 90; 05-28 = 147; 09-15 = 257;
# 11-30 = 333; 2026-01-01 = 365. Months = days / 30.4375, to 2 decimals.


@pytest.mark.req("PRO-EP-1")
def test_progression_is_the_pfs_event():
    assessments = [(date(2025, 2, 12), "PR"), (date(2025, 3, 26), "SD"), (date(2025, 5, 28), "PD")]
    outcome = pfs(RANDOMIZED, assessments)
    assert outcome == TimeToEvent(RANDOMIZED, date(2025, 5, 28), 0, "Progression (RECIST 1.1)")
    assert (outcome.event, outcome.days, outcome.months) == (1, 147, 4.83)  # 147 / 30.4375 = 4.8296


@pytest.mark.req("PRO-EP-1")
def test_death_without_progression_is_the_pfs_event():
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "PR")], death_on=date(2025, 4, 1))
    assert outcome == TimeToEvent(RANDOMIZED, date(2025, 4, 1), 0, "Death")
    assert (outcome.event, outcome.days, outcome.months) == (1, 90, 2.96)  # 90 / 30.4375 = 2.9569


@pytest.mark.req("PRO-EP-1")
def test_death_after_progression_leaves_progression_as_the_event():
    assert pfs(RANDOMIZED, [(date(2025, 3, 1), "PD")], death_on=date(2025, 6, 1)).on == date(2025, 3, 1)


@pytest.mark.req("PRO-EP-5")
def test_alive_without_progression_is_censored_at_last_adequate_assessment():
    outcome = pfs(RANDOMIZED, [(date(2025, 2, 12), "SD"), (date(2025, 3, 26), "NE")])
    assert (outcome.start, outcome.on, outcome.cnsr, outcome.event) == (RANDOMIZED, date(2025, 2, 12), 4, 0)
    assert (outcome.days, outcome.months) == (42, 1.38)  # 42 / 30.4375 = 1.3799


@pytest.mark.req("PRO-EP-2")
def test_no_post_baseline_assessment_is_censored_at_randomization():
    outcome = pfs(RANDOMIZED, [])
    assert (outcome.on, outcome.cnsr, outcome.event, outcome.days, outcome.months) == (RANDOMIZED, 1, 0, 0, 0.0)


@pytest.mark.req("PRO-EP-8")
def test_os_death_and_lost_to_follow_up():
    death = overall_survival(RANDOMIZED, death_on=date(2026, 1, 1))
    assert (death.on, death.cnsr, death.event, death.days, death.months) == (date(2026, 1, 1), 0, 1, 365, 11.99)
    # lost to follow-up: censored at the last date known alive; 257 / 30.4375 = 8.4435
    last_seen = [date(2025, 3, 1), date(2025, 9, 15), date(2025, 6, 1)]
    alive = overall_survival(RANDOMIZED, known_alive=last_seen)
    assert (alive.on, alive.cnsr, alive.event, alive.days, alive.months) == (date(2025, 9, 15), 1, 0, 257, 8.44)


# --- The analysis dataset's row (crf.endpoints.analysis_record), hand-worked ---


def record(**course):
    from crf.endpoints import PatientCourse, analysis_record

    return analysis_record(PatientCourse(randomized_on=RANDOMIZED, **course))


@pytest.mark.req("PRO-EP-11")
def test_analysis_row_of_a_patient_who_progressed_then_died():
    row = record(
        assessments=((date(2025, 2, 12), "PR"), (date(2025, 5, 28), "PD")),
        death_on=date(2025, 11, 30),
        known_alive=(date(2025, 9, 1),),
        adverse_events=((2, False, True), (3, True, False)),
        cycles_given=6,
        interventions=(("radiotherapy", "protocol"), ("radiotherapy", "protocol"), ("surgery", "protocol")),
    )
    assert (row["pfs_start"], row["pfs_date"], row["pfs_days"], row["pfs_months"]) == (
        RANDOMIZED,
        date(2025, 5, 28),
        147,
        4.83,
    )
    assert (row["pfs_event"], row["pfs_cnsr"], row["pfs_desc"]) == (1, 0, "Progression (RECIST 1.1)")
    assert (row["pfs_sens_event"], row["pfs_sens_date"], row["pfs_sens_months"]) == (1, date(2025, 5, 28), 4.83)
    # 333 days / 30.4375 = 10.9405
    assert (row["os_start"], row["os_date"], row["os_days"], row["os_months"]) == (
        RANDOMIZED,
        date(2025, 11, 30),
        333,
        10.94,
    )
    assert (row["os_event"], row["os_cnsr"], row["os_desc"]) == (1, 0, "Death")
    assert (row["worst_ae_grade"], row["any_ae_grade_3_plus"], row["any_sae"], row["any_irae"]) == (3, 1, 1, 1)
    assert (row["cycles_received"], row["local_radiotherapy"], row["local_surgery"], row["local_ablation"]) == (
        6,
        2,
        1,
        0,
    )


@pytest.mark.req("PRO-EP-11")
def test_analysis_row_death_without_progression_is_the_pfs_event_and_the_os_event():
    row = record(assessments=((date(2025, 2, 12), "SD"),), death_on=date(2025, 3, 1))
    assert (row["pfs_event"], row["pfs_cnsr"], row["pfs_date"], row["pfs_desc"]) == (1, 0, date(2025, 3, 1), "Death")
    assert (row["os_event"], row["os_cnsr"], row["os_days"], row["os_months"]) == (1, 0, 59, 1.94)  # 59 / 30.4375


@pytest.mark.req("PRO-EP-11")
def test_analysis_row_without_post_baseline_assessment_is_censored_at_randomization_for_pfs():
    row = record(known_alive=(date(2025, 1, 22), date(2025, 2, 12)), cycles_given=2)
    assert (row["pfs_event"], row["pfs_cnsr"], row["pfs_date"], row["pfs_days"], row["pfs_months"]) == (
        0,
        1,
        RANDOMIZED,
        0,
        0.0,
    )
    assert (row["pfs_sens_event"], row["pfs_sens_cnsr"], row["pfs_sens_date"]) == (0, 1, RANDOMIZED)
    # but OS runs to the last day the patient was seen alive (cycle 2): 42 / 30.4375 = 1.3799
    assert (row["os_event"], row["os_cnsr"], row["os_date"], row["os_months"]) == (0, 1, date(2025, 2, 12), 1.38)


@pytest.mark.req("PRO-EP-11")
def test_analysis_row_lost_to_follow_up_is_censored_at_last_assessment_and_last_contact():
    row = record(
        assessments=((date(2025, 2, 12), "PR"), (date(2025, 3, 26), "SD"), (date(2025, 5, 7), "NE")),
        known_alive=(date(2025, 2, 12), date(2025, 3, 26), date(2025, 5, 7), date(2025, 6, 18)),
    )
    # NE is not an adequate assessment: CNSR 4 at 03-26 (day 84)
    assert (row["pfs_event"], row["pfs_cnsr"], row["pfs_date"], row["pfs_days"]) == (0, 4, date(2025, 3, 26), 84)
    assert (row["os_event"], row["os_cnsr"], row["os_date"]) == (0, 1, date(2025, 6, 18))


@pytest.mark.req("PRO-EP-11")
def test_analysis_row_without_adverse_events_or_local_treatment():
    row = record(interventions=(("radiotherapy", "palliative"),))
    assert (row["worst_ae_grade"], row["any_ae_grade_3_plus"], row["any_sae"], row["any_irae"]) == (0, 0, 0, 0)
    assert (row["local_radiotherapy"], row["local_palliative"]) == (0, 1)


@pytest.mark.req("PRO-EP-11")
def test_analysis_row_progression_after_two_missed_assessments_is_censored_but_counts_in_the_sensitivity_pfs():
    from crf.endpoints import missed_deadline_for

    # first dose 2025-01-03; last adequate 02-12; 03-26 and 05-07 (window to 05-14) missed; PD 2025-06-18
    row = record(
        assessments=((date(2025, 2, 12), "SD"), (date(2025, 6, 18), "PD")),
        missed_deadline=missed_deadline_for(date(2025, 1, 3), None),
    )
    assert (row["pfs_event"], row["pfs_cnsr"], row["pfs_date"], row["pfs_days"], row["pfs_months"]) == (
        0,
        3,
        date(2025, 2, 12),
        42,
        1.38,
    )
    # 06-18 = day 168; 168 / 30.4375 = 5.5195
    assert (row["pfs_sens_event"], row["pfs_sens_cnsr"], row["pfs_sens_date"], row["pfs_sens_months"]) == (
        1,
        0,
        date(2025, 6, 18),
        5.52,
    )


@pytest.mark.req("PRO-EP-7")
def test_analysis_row_new_therapy_and_data_cutoff():
    # palliative RT 2025-04-15 before PD 05-28 → PFS CNSR 2 at 03-26 (day 84, 2.76); sensitivity: PD 05-28
    # (day 147, 4.83); the cut-off 2025-06-01 drops the death on 07-01 → OS censored at 05-28
    row = record(
        assessments=((date(2025, 2, 12), "PR"), (date(2025, 3, 26), "SD"), (date(2025, 5, 28), "PD")),
        new_therapy_on=(date(2025, 4, 15),),
        death_on=date(2025, 7, 1),
        known_alive=(date(2025, 5, 28),),
        cutoff=date(2025, 6, 1),
    )
    assert (row["pfs_cnsr"], row["pfs_date"], row["pfs_days"], row["pfs_months"]) == (2, date(2025, 3, 26), 84, 2.76)
    assert (row["pfs_sens_cnsr"], row["pfs_sens_date"], row["pfs_sens_months"]) == (0, date(2025, 5, 28), 4.83)
    assert (row["os_event"], row["os_cnsr"], row["os_date"], row["os_months"]) == (0, 1, date(2025, 5, 28), 4.83)
