"""The protocol's rules as plain functions: lesion counting, BED, RECIST, cycle windows."""

from datetime import date
from decimal import Decimal

import pytest

from crf.lesions import count_lesions
from crf.radiotherapy import bed, is_stereotactic_schedule
from crf.recist import recist_response
from crf.schedule import add_months, maintenance_end, next_cycle_window, phase


def lesions(*organs_mm):
    return [(f"L{i}", organ, mm) for i, (organ, mm) in enumerate(organs_mm, start=1)]


def test_four_lesions_in_three_organs_are_eligible():
    result = count_lesions(lesions(("lung", 12), ("lung", 8), ("liver", 20), ("bone", 30)))
    assert result.total == 4 and result.breaches == []


def test_fifth_lesion_makes_patient_ineligible():
    result = count_lesions(lesions(("lung", 12), ("liver", 8), ("liver", 20), ("bone", 30), ("adrenal", 15)))
    assert result.breaches == ["5 lesions counted; at most 4 are allowed in total."]


def test_four_lesions_in_one_organ_breach_the_per_organ_limit():
    result = count_lesions(lesions(("lung", 10), ("lung", 10), ("lung", 10), ("lung", 10)))
    assert result.breaches == ["4 lesions in one organ (lung); at most 3 per organ."]


def test_lesion_over_50_mm_is_named():
    assert count_lesions(lesions(("liver", 51))).breaches == ["Lesion L1 measures 51 mm; each lesion must be ≤ 50 mm."]
    assert count_lesions(lesions(("liver", 50))).breaches == []


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


def test_no_lesion_is_a_breach():
    assert count_lesions([]).breaches


@pytest.mark.parametrize(
    "dose, fractions, expected",
    [(50, 5, "100.0"), (60, 30, "72.0"), (24, 3, "43.2"), (30, 10, "39.0"), (8, 1, "14.4")],
)
def test_bed10(dose, fractions, expected):
    assert bed(dose, fractions) == Decimal(expected)


def test_bed_with_other_alpha_beta():
    assert bed(50, 5, alpha_beta=3) == Decimal("216.7")


def test_sbrt_schedule():
    assert is_stereotactic_schedule(40, 5)  # 8 Gy x 5
    assert not is_stereotactic_schedule(30, 5)  # 6 Gy x 5
    assert not is_stereotactic_schedule(60, 8)


@pytest.mark.parametrize(
    "baseline, nadir, current, new, non_target, expected",
    [
        (100, 100, 0, False, "absent", "CR"),
        (100, 100, 0, False, "non_cr_non_pd", "PR"),
        (100, 100, 70, False, "non_cr_non_pd", "PR"),  # exactly -30 %
        (100, 100, 71, False, "non_cr_non_pd", "SD"),
        (100, 60, 72, False, "non_cr_non_pd", "PD"),  # +20 % and +12 mm from nadir
        (20, 20, 24, False, "non_cr_non_pd", "SD"),  # +20 % but only +4 mm
        (20, 20, 25, False, "non_cr_non_pd", "PD"),  # +25 % and +5 mm
        (100, 50, 40, True, "non_cr_non_pd", "PD"),  # a new lesion is PD whatever the sum
        (100, 50, 40, False, "pd", "PD"),
        (100, 100, None, False, "non_cr_non_pd", "NE"),
        (100, 100, 60, False, "ne", "PR"),
    ],
)
def test_recist_response(baseline, nadir, current, new, non_target, expected):
    assert recist_response(baseline, nadir, current, new, non_target) == expected


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


def test_phases_and_maintenance_end():
    assert [phase(n) for n in (1, 4, 5, 30)] == ["induction", "induction", "maintenance", "maintenance"]
    assert maintenance_end(date(2025, 2, 10)) == date(2027, 2, 10)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


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


def test_imaging_every_6_weeks_in_induction_then_9_then_3_months():
    from crf.schedule import next_imaging_due

    randomized = date(2025, 1, 1)
    assert next_imaging_due(randomized, date(2025, 1, 3), [], None).window.planned == date(2025, 2, 12)
    assert next_imaging_due(randomized, date(2025, 1, 3), [date(2025, 4, 1)], None).window.planned == date(2025, 6, 3)
    assert next_imaging_due(randomized, date(2025, 1, 3), [date(2025, 4, 1)], date(2025, 5, 1)).window.planned == date(
        2025, 8, 1
    )


def test_no_cycle_due_after_two_years_or_end_of_treatment():
    from crf.schedule import next_cycle_due

    assert next_cycle_due([date(2025, 1, 1)], treatment_ended=False).window.planned == date(2025, 1, 22)
    assert next_cycle_due([date(2025, 1, 1)], treatment_ended=True) is None
    assert next_cycle_due([date(2025, 1, 1), date(2026, 12, 20)], treatment_ended=False) is None
