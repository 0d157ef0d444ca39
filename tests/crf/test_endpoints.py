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
