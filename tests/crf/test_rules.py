"""The protocol's rules as plain functions: lesion counting, BED, RECIST, cycle windows."""

from datetime import date
from decimal import Decimal

import pytest

from crf.lesions import count_lesions
from crf.radiotherapy import bed, is_stereotactic_schedule
from crf.recist import (
    ABSENT,
    NOT_EVALUATED,
    PRESENT,
    PROGRESSION,
    Measurement,
    non_target_response,
    overall_response,
    target_response,
)
from crf.schedule import add_months, maintenance_end, next_cycle_window, phase


def lesions(*organs_mm):
    return [(f"L{i}", organ, mm) for i, (organ, mm) in enumerate(organs_mm, start=1)]


@pytest.mark.req("PRO-ELIG-3")
def test_four_lesions_in_three_organs_are_eligible():
    result = count_lesions(lesions(("lung", 12), ("lung", 8), ("liver", 20), ("bone", 30)))
    assert result.total == 4 and result.breaches == []


@pytest.mark.req("PRO-ELIG-3")
def test_fifth_lesion_makes_patient_ineligible():
    result = count_lesions(lesions(("lung", 12), ("liver", 8), ("liver", 20), ("bone", 30), ("adrenal", 15)))
    assert result.breaches == ["5 lesions counted; at most 4 are allowed in total."]


@pytest.mark.req("PRO-ELIG-3")
def test_four_lesions_in_one_organ_breach_the_per_organ_limit():
    result = count_lesions(lesions(("lung", 10), ("lung", 10), ("lung", 10), ("lung", 10)))
    assert result.breaches == ["4 lesions in one organ (lung); at most 3 per organ."]


@pytest.mark.req("PRO-ELIG-3")
def test_lesion_over_50_mm_is_named():
    assert count_lesions(lesions(("liver", 51))).breaches == ["Lesion L1 measures 51 mm; each lesion must be ≤ 50 mm."]
    assert count_lesions(lesions(("liver", 50))).breaches == []


@pytest.mark.req("PRO-ELIG-4")
def test_regional_nodes_count_as_one_lesion():
    result = count_lesions(
        lesions(
            ("regional_ln", 10),
            ("regional_ln", 12),
            ("regional_ln", 9),
            ("lung", 8),
            ("liver", 9),
            ("bone", 9),
        )
    )
    assert result.total == 4 and result.breaches == []


@pytest.mark.req("PRO-ELIG-4")
def test_no_lesion_is_a_breach():
    assert count_lesions([]).breaches


@pytest.mark.parametrize(
    "dose, fractions, expected",
    [(50, 5, "100.0"), (60, 30, "72.0"), (24, 3, "43.2"), (30, 10, "39.0"), (8, 1, "14.4")],
)
@pytest.mark.req("PRO-TRT-4")
def test_bed10(dose, fractions, expected):
    assert bed(dose, fractions) == Decimal(expected)


@pytest.mark.req("PRO-TRT-4")
def test_bed_with_other_alpha_beta():
    assert bed(50, 5, alpha_beta=3) == Decimal("216.7")


@pytest.mark.req("PRO-TRT-4")
def test_sbrt_schedule():
    assert is_stereotactic_schedule(40, 5)  # 8 Gy x 5
    assert not is_stereotactic_schedule(30, 5)  # 6 Gy x 5
    assert not is_stereotactic_schedule(60, 8)


NON_TARGET = {"absent": ABSENT, "non_cr_non_pd": PRESENT, "pd": PROGRESSION, "ne": NOT_EVALUATED}


@pytest.mark.parametrize(
    "baseline, nadir, current, new, non_target, expected",
    [
        (100, 100, (0, 0), False, "absent", "CR"),
        (100, 100, (0, 0), False, "non_cr_non_pd", "PR"),  # target CR, non-target persisting: table 1 → PR
        (100, 100, (40, 30), False, "non_cr_non_pd", "PR"),  # 70: exactly -30 %
        (100, 100, (40, 31), False, "non_cr_non_pd", "SD"),  # 71: -29 %
        (100, 60, (42, 30), False, "non_cr_non_pd", "PD"),  # 72: +20 % and +12 mm from nadir
        (20, 20, (24,), False, "non_cr_non_pd", "SD"),  # +20 % but only +4 mm
        (20, 20, (25,), False, "non_cr_non_pd", "PD"),  # +25 % and +5 mm
        (100, 50, (20, 20), True, "non_cr_non_pd", "PD"),  # 40: a new lesion is PD whatever the sum
        (100, 50, (20, 20), False, "pd", "PD"),  # non-target progression
        (100, 100, (50, None), False, "non_cr_non_pd", "NE"),  # a target not measured, no proven PD
        (100, 100, (30, 30), False, "ne", "PR"),  # 60: -40 %; a non-target not evaluated does not downgrade
    ],
)
@pytest.mark.req("PRO-RECIST-3")
def test_recist_response(baseline, nadir, current, new, non_target, expected):
    measurements = [Measurement(nodal=False, mm=None if mm is None else Decimal(mm)) for mm in current]
    target = target_response(Decimal(baseline), Decimal(nadir), measurements)
    assert overall_response(target, non_target_response([NON_TARGET[non_target]]), new) == expected


@pytest.mark.req("PRO-TRT-2")
def test_cycle_window_is_day_21_minus_3_plus_7():
    window = next_cycle_window(date(2025, 1, 1))
    assert (window.planned, window.earliest, window.latest) == (
        date(2025, 1, 22),
        date(2025, 1, 19),
        date(2025, 1, 29),
    )
    assert window.contains(date(2025, 1, 29)) and not window.contains(date(2025, 1, 30))
    assert window.deviation_days(date(2025, 1, 30)) == 1
    assert window.deviation_days(date(2025, 1, 17)) == -2


@pytest.mark.req("PRO-TRT-3")
def test_phases_and_maintenance_end():
    assert [phase(n) for n in (1, 4, 5, 30)] == ["induction", "induction", "maintenance", "maintenance"]
    assert maintenance_end(date(2025, 2, 10)) == date(2027, 2, 10)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


@pytest.mark.req("PRO-TRT-6")
def test_status_follows_the_forms():
    from types import SimpleNamespace

    from crf.status import Facts, patient_status

    confirmed = SimpleNamespace(voided=False, screen_failure_reason="", confirmed_by_id=1)
    eligible = SimpleNamespace(eligible=True)
    assert patient_status(Facts()) == "screening"
    assert patient_status(Facts(eligibility=confirmed, assessment=eligible)) == "eligible"
    failed = SimpleNamespace(voided=False, screen_failure_reason="Platelets low", confirmed_by_id=None)
    assert patient_status(Facts(eligibility=failed, assessment=SimpleNamespace(eligible=False))) == "screen_failure"
    assert patient_status(Facts(randomized=True)) == "randomized"
    assert patient_status(Facts(randomized=True, cycle_given=True)) == "on_treatment"
    assert patient_status(Facts(randomized=True, cycle_given=True, treatment_ended=True)) == "follow_up"
    assert patient_status(Facts(randomized=True, off_study=True)) == "off_study"


def plan(today=date(2025, 6, 1), **facts):
    from crf.schedule import Course, visit_plan

    return visit_plan(Course(**{"randomized_on": date(2025, 1, 1), "arm": "combined", **facts}), today)


def by_kind(visits, kind):
    return [v for v in visits if v.kind == kind]


@pytest.mark.req("PRO-RECIST-9")
def test_imaging_every_6_weeks_in_induction_then_9_then_3_months():
    visits = by_kind(plan(cycle_dates=(date(2025, 1, 3),), today=date(2025, 1, 10)), "assessment")
    assert visits[0].window.planned == date(2025, 2, 12)
    visits = by_kind(plan(cycle_dates=(date(2025, 1, 3),), assessment_dates=(date(2025, 4, 1),)), "assessment")
    assert visits[1].window.planned == date(2025, 6, 3)
    after = plan(cycle_dates=(date(2025, 1, 3),), assessment_dates=(date(2025, 5, 2),), treatment_end=date(2025, 5, 1))
    assert by_kind(after, "assessment")[1].window.planned == date(2025, 8, 2)


@pytest.mark.req("PRO-TRT-7")
def test_later_cycles_are_planned_from_the_actual_late_day1():
    cycles = by_kind(plan(cycle_dates=(date(2025, 1, 3), date(2025, 1, 24), date(2025, 2, 19))), "cycle")
    assert [c.state for c in cycles[:3]] == ["done"] * 3
    assert cycles[3].window.planned == date(2025, 3, 12)  # 21 days after the late cycle 3


@pytest.mark.req("PRO-TRT-7")
def test_no_cycle_after_two_years_or_end_of_treatment_and_nothing_after_death():
    assert not [
        v
        for v in by_kind(plan(cycle_dates=(date(2025, 1, 1),), treatment_end=date(2025, 1, 1)), "cycle")
        if v.state != "done"
    ]
    long = by_kind(plan(cycle_dates=(date(2025, 1, 1),), today=date(2025, 1, 2)), "cycle")
    assert max(v.window.planned for v in long) <= date(2027, 1, 1)
    dead = plan(cycle_dates=(date(2025, 1, 1),), stopped_on=date(2025, 2, 1))
    assert all(v.state == "done" or v.window.planned <= date(2025, 2, 1) for v in dead)


@pytest.mark.req("PRO-TRT-7")
def test_overdue_visit_does_not_pile_up_and_missed_moves_the_plan_on():
    cycles = by_kind(plan(cycle_dates=(date(2025, 1, 1),), today=date(2025, 6, 1)), "cycle")
    assert [c.state for c in cycles[1:3]] == ["overdue", "upcoming"]
    missed = by_kind(
        plan(cycle_dates=(date(2025, 1, 1),), missed={"cycle:2": "Hospitalised"}, today=date(2025, 1, 25)), "cycle"
    )
    assert (missed[1].state, missed[1].missed_reason, missed[2].window.planned) == (
        "missed",
        "Hospitalised",
        date(2025, 2, 12),
    )


@pytest.mark.req("PRO-TRT-5")
def test_local_intervention_expected_for_each_combined_arm_lesion_only():
    lesions = (("L1", date(2025, 3, 1)), ("L2", None))
    visits = by_kind(plan(cycle_dates=(date(2025, 1, 3),), lesions=lesions), "local_intervention")
    assert [(v.what, v.state) for v in visits] == [
        ("Local intervention L1", "done"),
        ("Local intervention L2", "overdue"),
    ]
    assert not by_kind(plan(arm="systemic", lesions=lesions), "local_intervention")


@pytest.mark.req("PRO-RECIST-9")
def test_imaging_stops_at_progression_and_follow_up_runs_24_months():
    visits = plan(
        cycle_dates=(date(2025, 1, 3),),
        assessment_dates=(date(2025, 2, 12), date(2025, 3, 26)),
        progression_on=date(2025, 3, 26),
        treatment_end=date(2025, 3, 26),
        today=date(2025, 4, 1),
    )
    assert [v.state for v in by_kind(visits, "assessment")] == ["done", "done"]
    follow_ups = by_kind(visits, "follow_up")
    assert follow_ups[0].window.planned == date(2025, 6, 26) and follow_ups[-1].window.planned <= date(2027, 3, 26)
