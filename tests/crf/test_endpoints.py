"""PFS and OS on hand-worked cases (PROTOCOL.md, Endpoints)."""

from datetime import date

from crf.endpoints import TimeToEvent, overall_survival, pfs

RANDOMIZED = date(2025, 1, 1)


def test_progression_is_the_pfs_event():
    assessments = [(date(2025, 2, 12), "PR", True), (date(2025, 3, 26), "SD", True), (date(2025, 5, 28), "PD", True)]
    assert pfs(RANDOMIZED, assessments) == TimeToEvent(1, date(2025, 5, 28), 4.83)  # 147 days / 30.44


def test_death_without_progression_is_the_pfs_event():
    assessments = [(date(2025, 2, 12), "PR", True)]
    assert pfs(RANDOMIZED, assessments, death_on=date(2025, 4, 1)) == TimeToEvent(1, date(2025, 4, 1), 2.96)


def test_death_after_progression_leaves_progression_as_the_event():
    assert pfs(RANDOMIZED, [(date(2025, 3, 1), "PD", True)], death_on=date(2025, 6, 1)).on == date(2025, 3, 1)


def test_alive_without_progression_is_censored_at_last_adequate_assessment():
    assessments = [(date(2025, 2, 12), "SD", True), (date(2025, 3, 26), "NE", False)]
    assert pfs(RANDOMIZED, assessments) == TimeToEvent(0, date(2025, 2, 12), 1.38)


def test_no_post_baseline_assessment_is_censored_at_randomization():
    assert pfs(RANDOMIZED, []) == TimeToEvent(0, RANDOMIZED, 0.0)


def test_os_death_and_lost_to_follow_up():
    assert overall_survival(RANDOMIZED, death_on=date(2026, 1, 1)) == TimeToEvent(1, date(2026, 1, 1), 11.99)
    # lost to follow-up: censored at the last date known alive
    last_seen = [date(2025, 3, 1), date(2025, 9, 15), date(2025, 6, 1)]
    assert overall_survival(RANDOMIZED, known_alive=last_seen) == TimeToEvent(0, date(2025, 9, 15), 8.44)


# --- The analysis dataset's row (crf.endpoints.analysis_record), hand-worked ---


def record(**course):
    from crf.endpoints import PatientCourse, analysis_record

    return analysis_record(PatientCourse(randomized_on=RANDOMIZED, **course))


def test_analysis_row_of_a_patient_who_progressed_then_died():
    row = record(
        assessments=((date(2025, 2, 12), "PR"), (date(2025, 5, 28), "PD")),
        death_on=date(2025, 11, 30),
        known_alive=(date(2025, 9, 1),),
        adverse_events=((2, False, True), (3, True, False)),
        cycles_given=6,
        interventions=(("radiotherapy", "protocol"), ("radiotherapy", "protocol"), ("surgery", "protocol")),
    )
    assert (row["pfs_event"], row["pfs_date"], row["pfs_months"]) == (1, date(2025, 5, 28), 4.83)
    assert (row["os_event"], row["os_date"], row["os_months"]) == (1, date(2025, 11, 30), 10.94)  # 333 days / 30.44
    assert (row["worst_ae_grade"], row["any_ae_grade_3_plus"], row["any_sae"], row["any_irae"]) == (3, 1, 1, 1)
    assert (row["cycles_received"], row["local_radiotherapy"], row["local_surgery"], row["local_ablation"]) == (
        6,
        2,
        1,
        0,
    )


def test_analysis_row_death_without_progression_is_the_pfs_event_and_the_os_event():
    row = record(assessments=((date(2025, 2, 12), "SD"),), death_on=date(2025, 3, 1))
    assert (row["pfs_event"], row["pfs_date"]) == (1, date(2025, 3, 1))
    assert (row["os_event"], row["os_months"]) == (1, 1.94)  # 59 days


def test_analysis_row_without_post_baseline_assessment_is_censored_at_randomization_for_pfs():
    row = record(known_alive=(date(2025, 1, 22), date(2025, 2, 12)), cycles_given=2)
    assert (row["pfs_event"], row["pfs_date"], row["pfs_months"]) == (0, RANDOMIZED, 0.0)
    # but OS runs to the last day the patient was seen alive (cycle 2)
    assert (row["os_event"], row["os_date"], row["os_months"]) == (0, date(2025, 2, 12), 1.38)


def test_analysis_row_lost_to_follow_up_is_censored_at_last_assessment_and_last_contact():
    row = record(
        assessments=((date(2025, 2, 12), "PR"), (date(2025, 3, 26), "SD"), (date(2025, 5, 7), "NE")),
        known_alive=(date(2025, 2, 12), date(2025, 3, 26), date(2025, 5, 7), date(2025, 6, 18)),
    )
    assert (row["pfs_event"], row["pfs_date"]) == (0, date(2025, 3, 26))  # NE is not an adequate assessment
    assert (row["os_event"], row["os_date"]) == (0, date(2025, 6, 18))


def test_analysis_row_without_adverse_events_or_local_treatment():
    row = record(interventions=(("radiotherapy", "palliative"),))
    assert (row["worst_ae_grade"], row["any_ae_grade_3_plus"], row["any_sae"], row["any_irae"]) == (0, 0, 0, 0)
    assert (row["local_radiotherapy"], row["local_palliative"]) == (0, 1)
