"""RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247) on hand-worked cases.

Every expected value below is worked out by hand from the published rule, not from the code:
target ≥ 10 mm; nodes by short axis (target ≥ 15 mm, pathological 10-15 mm, normal < 10 mm);
CR = every non-nodal target gone and every nodal target < 10 mm short axis (the sum need not be 0);
PR = ≥ 30 % decrease from the baseline sum; PD = ≥ 20 % and ≥ 5 mm over the nadir (the smallest
sum so far, baseline included); "too small to measure" counts 5 mm; tables 1 and 2 for the overall
response; a new lesion is PD.
"""

from decimal import Decimal

import pytest

from crf.recist import (
    ABSENT,
    CR,
    NE,
    NON_CR_NON_PD,
    NOT_EVALUATED,
    PD,
    PR,
    PRESENT,
    PROGRESSION,
    SD,
    Assessment,
    Measurement,
    non_target_response,
    not_measurable_because,
    overall_response,
    series,
    target_organ,
    target_response,
    target_sum,
)


def lesion(mm, too_small=False):
    """A non-nodal target: longest diameter."""
    return Measurement(nodal=False, mm=None if mm is None else Decimal(mm), too_small=too_small)


def node(short_axis_mm):
    """A nodal target: short axis."""
    return Measurement(nodal=True, mm=None if short_axis_mm is None else Decimal(short_axis_mm))


# --- Which lesions may be targets (RECIST 1.1 section 3.1) ---


@pytest.mark.req("PRO-RECIST-1")
def test_non_nodal_lesion_below_10_mm_is_not_measurable():
    assert not_measurable_because("lung", Decimal("9.9"))
    assert not_measurable_because("liver", 9)


@pytest.mark.req("PRO-RECIST-1")
def test_non_nodal_lesion_of_10_mm_is_measurable():
    assert not_measurable_because("lung", 10) is None
    assert not_measurable_because("liver", 32) is None


@pytest.mark.req("PRO-RECIST-1")
def test_node_of_12_mm_short_axis_is_pathological_but_not_a_target():
    # 10 ≤ 12 < 15 mm short axis: a pathological non-target node, whatever its long axis (25 mm).
    assert not_measurable_because("regional_ln", 25, short_axis_mm=12)
    assert not_measurable_because("non_regional_ln", 25, short_axis_mm=Decimal("14.9"))


@pytest.mark.req("PRO-RECIST-1")
def test_node_of_15_mm_short_axis_is_a_target():
    assert not_measurable_because("regional_ln", 22, short_axis_mm=15) is None
    assert not_measurable_because("non_regional_ln", 30, short_axis_mm=18) is None


@pytest.mark.req("PRO-RECIST-1")
def test_node_without_a_short_axis_is_not_a_target():
    assert not_measurable_because("non_regional_ln", 30, short_axis_mm=None)


@pytest.mark.req("PRO-RECIST-1")
def test_bone_lesion_without_soft_tissue_component_is_not_measurable():
    assert not_measurable_because("bone", 30)  # lytic/blastic bone alone: non-measurable
    assert not_measurable_because("bone", 30, bone_soft_tissue_mm=8)  # soft tissue < 10 mm


@pytest.mark.req("PRO-RECIST-1")
def test_bone_lesion_with_soft_tissue_component_of_10_mm_or_more_is_measurable():
    assert not_measurable_because("bone", 30, bone_soft_tissue_mm=12) is None
    assert not_measurable_because("bone", 30, bone_soft_tissue_mm=10) is None


@pytest.mark.req("PRO-RECIST-1")
def test_previously_irradiated_lesion_not_progressing_is_not_a_target():
    assert not_measurable_because("lung", 20, previously_irradiated=True)
    assert not_measurable_because("lung", 20, previously_irradiated=True, progressed_since_irradiation=False)


@pytest.mark.req("PRO-RECIST-1")
def test_previously_irradiated_lesion_that_progressed_since_may_be_a_target():
    assert not_measurable_because("lung", 20, previously_irradiated=True, progressed_since_irradiation=True) is None


@pytest.mark.req("PRO-RECIST-2")
def test_all_lymph_nodes_are_one_organ_for_target_selection():
    assert target_organ("regional_ln") == target_organ("non_regional_ln")
    assert target_organ("lung") == "lung"
    assert target_organ("lung") != target_organ("liver")
    assert target_organ("lung") != target_organ("regional_ln")


# --- Target lesions (RECIST 1.1 section 4.3.1) ---


@pytest.mark.req("PRO-RECIST-6")
def test_too_small_to_measure_counts_as_5_mm_in_the_sum():
    # 12 + 5 (too small) = 17 mm
    assert target_sum([lesion(12), lesion(None, too_small=True)]) == Decimal(17)
    assert Measurement(nodal=False, mm=None, too_small=True).value == Decimal(5)


@pytest.mark.req("PRO-RECIST-6")
def test_too_small_to_measure_is_present_so_not_a_complete_response():
    # baseline 20 + 10 = 30; now 0 + 5 (too small) = 5: -83 % → PR, not CR (the lesion is still there)
    assert target_response(30, 30, [lesion(0), lesion(None, too_small=True)]) == PR


@pytest.mark.req("PRO-RECIST-6")
def test_too_small_to_measure_is_an_assessed_lesion_not_ne():
    # baseline 30, now 20 + 5 = 25: -17 % → SD (not NE though no mm was entered)
    assert target_response(30, 30, [lesion(20), lesion(None, too_small=True)]) == SD


@pytest.mark.req("PRO-RECIST-4")
def test_all_non_nodal_targets_gone_is_complete_response():
    assert target_response(30, 30, [lesion(0), lesion(0)]) == CR


@pytest.mark.req("PRO-RECIST-4")
def test_nodal_target_below_10_mm_short_axis_allows_complete_response_with_nonzero_sum():
    # baseline lung 20 + node 18 = 38; now lung 0 + node 8 (< 10 mm: normal) = 8 mm, yet CR
    assert target_sum([lesion(0), node(8)]) == Decimal(8)
    assert target_response(38, 38, [lesion(0), node(8)]) == CR


@pytest.mark.req("PRO-RECIST-4")
def test_nodal_target_of_10_mm_short_axis_is_still_pathological_so_no_complete_response():
    # baseline 38; now lung 0 + node 10 = 10: (10 - 38) / 38 = -73.7 % → PR, not CR
    assert target_response(38, 38, [lesion(0), node(10)]) == PR


@pytest.mark.req("PRO-RECIST-3")
def test_partial_response_is_a_30_percent_decrease_from_baseline():
    # baseline 100, now 40 + 30 = 70: exactly -30 % → PR
    assert target_response(100, 100, [lesion(40), lesion(30)]) == PR


@pytest.mark.req("PRO-RECIST-3")
def test_decrease_below_30_percent_is_stable_disease():
    # baseline 100, now 40 + 31 = 71: -29 % → SD
    assert target_response(100, 100, [lesion(40), lesion(31)]) == SD


@pytest.mark.req("PRO-RECIST-3")
def test_partial_response_is_measured_from_baseline_not_from_nadir():
    # baseline 100, nadir 60, now 70: -30 % from baseline → PR; +10 mm but only +16.7 % over the nadir → not PD
    assert target_response(100, 60, [lesion(40), lesion(30)]) == PR


@pytest.mark.req("PRO-RECIST-3")
def test_progression_is_20_percent_and_5_mm_over_the_nadir():
    # baseline 100, nadir 60, now 72: +12 mm and +20 % over the nadir → PD (though -28 % from baseline)
    assert target_response(100, 60, [lesion(42), lesion(30)]) == PD


@pytest.mark.req("PRO-RECIST-3")
def test_progression_is_measured_from_the_nadir_not_from_baseline():
    # baseline 100, nadir 50, now 62: -38 % from baseline but +12 mm / +24 % over the nadir → PD
    assert target_response(100, 50, [lesion(32), lesion(30)]) == PD


@pytest.mark.req("PRO-RECIST-3")
def test_20_percent_increase_under_5_mm_is_not_progression():
    # nadir 20, now 24: +20 % but +4 mm → SD
    assert target_response(20, 20, [lesion(24)]) == SD


@pytest.mark.req("PRO-RECIST-3")
def test_5_mm_increase_under_20_percent_is_not_progression():
    # nadir 50, now 59: +9 mm but +18 % → SD
    assert target_response(50, 50, [lesion(59)]) == SD


@pytest.mark.req("PRO-RECIST-3")
def test_20_percent_and_5_mm_over_a_nadir_that_is_the_baseline_is_progression():
    # baseline = nadir 25, now 30: +5 mm and +20 % → PD
    assert target_response(25, 25, [lesion(30)]) == PD


@pytest.mark.req("PRO-RECIST-3")
def test_nadir_includes_the_baseline_sum():
    # baseline 40 (the smallest sum ever); 44 (+10 %) → SD; then 48: +8 mm, +20 % over 40 → PD
    rows = series(40, [Assessment(measurements=(lesion(44),)), Assessment(measurements=(lesion(48),))])
    assert [row["target"] for row in rows] == [SD, PD]
    assert [row["nadir"] for row in rows] == [40, 40]


@pytest.mark.req("PRO-RECIST-3")
def test_nadir_is_the_smallest_sum_so_far():
    # baseline 50; 40 (-20 % SD); 30 (-40 % PR); 36: -28 % from baseline (PR range) but +6 mm / +20 % over 30 → PD
    rows = series(
        50,
        [
            Assessment(measurements=(lesion(25), lesion(15))),
            Assessment(measurements=(lesion(20), lesion(10))),
            Assessment(measurements=(lesion(24), lesion(12))),
        ],
    )
    assert [row["target"] for row in rows] == [SD, PR, PD]
    assert [row["nadir"] for row in rows] == [50, 40, 30]
    assert [row["sum"] for row in rows] == [40, 30, 36]
    assert rows[2]["from_nadir"] == 20  # (36 - 30) / 30
    assert rows[2]["from_baseline"] == -28  # (36 - 50) / 50


@pytest.mark.req("PRO-RECIST-4")
def test_regrowth_after_complete_response_is_progression():
    # baseline 20; CR (0 mm, nadir 0); the lesion reappears at 4 mm: less than 5 mm, but a reappearance after CR → PD
    rows = series(20, [Assessment(measurements=(lesion(0),)), Assessment(measurements=(lesion(4),))])
    assert [row["target"] for row in rows] == [CR, PD]


@pytest.mark.req("PRO-RECIST-4")
def test_reappearance_of_a_target_over_a_nadir_of_zero_is_progression():
    assert target_response(20, 0, [lesion(4)]) == PD
    assert target_response(30, 0, [lesion(0), lesion(3)]) == PD


@pytest.mark.req("PRO-RECIST-4")
def test_regrowth_after_complete_response_with_a_normal_node_is_progression():
    # baseline lung 20 + node 16 = 36; CR with node 8 (nadir 8); the lung target reappears at 3:
    # sum 11, only +3 mm over the nadir, but a reappearance after CR → PD
    rows = series(
        36,
        [Assessment(measurements=(lesion(0), node(8))), Assessment(measurements=(lesion(3), node(8)))],
    )
    assert [row["target"] for row in rows] == [CR, PD]


@pytest.mark.req("PRO-RECIST-4")
def test_normal_node_staying_below_10_mm_keeps_the_complete_response():
    # baseline 36; CR (node 8); node 9: still < 10 mm, +1 mm → CR
    rows = series(36, [Assessment(measurements=(lesion(0), node(8))), Assessment(measurements=(lesion(0), node(9)))])
    assert [row["target"] for row in rows] == [CR, CR]


@pytest.mark.req("PRO-RECIST-4")
def test_node_back_to_pathological_size_after_complete_response_is_progression_only_by_20_percent_and_5_mm():
    # baseline lung 20 + node 16 = 36; CR (lung 0, node 8: nadir 8).
    # node 12: ≥ 10 mm so no longer CR, +4 mm over the nadir → not PD; (12 - 36) / 36 = -67 % → PR
    cr = Assessment(measurements=(lesion(0), node(8)))
    rows = series(36, [cr, Assessment(measurements=(lesion(0), node(12)))])
    assert [row["target"] for row in rows] == [CR, PR]
    # node 13: +5 mm and +62.5 % over the nadir 8 → PD
    rows = series(36, [cr, Assessment(measurements=(lesion(0), node(13)))])
    assert [row["target"] for row in rows] == [CR, PD]


@pytest.mark.req("PRO-RECIST-5")
def test_assessment_with_a_target_not_measured_is_not_evaluable():
    # baseline 30, nadir 20; lung 12 measured, liver not: 12 < 20, nothing proves PD → NE
    assert target_response(30, 20, [lesion(12), lesion(None)]) == NE


@pytest.mark.req("PRO-RECIST-5")
def test_partial_assessment_already_20_percent_and_5_mm_over_nadir_is_progression_not_ne():
    # baseline 30, nadir 20; lung 26 alone, liver not measured: 26 - 20 = +6 mm, +30 % → PD (the liver can only add)
    assert target_response(30, 20, [lesion(26), lesion(None)]) == PD


@pytest.mark.req("PRO-RECIST-5")
def test_partial_assessment_under_5_mm_over_nadir_is_not_evaluable():
    # nadir 20; lung 24 alone: +20 % but +4 mm → not proven → NE
    assert target_response(30, 20, [lesion(24), lesion(None)]) == NE


@pytest.mark.req("PRO-RECIST-5")
def test_partial_assessment_does_not_lower_the_nadir():
    # baseline 50; lung 10 with liver missing (NE, measured part 10, sum unknown); then 20 + 25 = 45:
    # nadir still 50 → -10 % → SD (a nadir of 10 would have made it PD)
    rows = series(
        50,
        [
            Assessment(measurements=(lesion(10), lesion(None))),
            Assessment(measurements=(lesion(20), lesion(25))),
        ],
    )
    assert [row["target"] for row in rows] == [NE, SD]
    assert rows[0]["sum"] is None
    assert rows[1]["nadir"] == 50


@pytest.mark.req("PRO-RECIST-7")
def test_no_target_lesion_has_no_target_response():
    assert target_response(None, None, []) is None


# --- Non-target lesions (RECIST 1.1 section 4.3.2) ---


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ((ABSENT, ABSENT), CR),  # all disappeared
        ((ABSENT, PRESENT), NON_CR_NON_PD),  # persistence of one
        ((PRESENT,), NON_CR_NON_PD),
        ((PRESENT, PROGRESSION), PD),  # unequivocal progression
        ((NOT_EVALUATED, PROGRESSION), PD),  # PD is known whatever was not evaluated
        ((ABSENT, NOT_EVALUATED), NE),
        ((), None),
    ],
)
@pytest.mark.req("PRO-RECIST-7")
def test_non_target_response(statuses, expected):
    assert non_target_response(statuses) == expected


# --- Overall response: RECIST 1.1 table 1 (targets ± non-targets) and table 2 (non-targets only) ---


@pytest.mark.parametrize(
    "target, non_target, new, expected",
    [
        (CR, CR, False, CR),
        (CR, None, False, CR),  # targets only
        (CR, NON_CR_NON_PD, False, PR),
        (CR, NE, False, PR),
        (PR, NON_CR_NON_PD, False, PR),
        (PR, NE, False, PR),
        (PR, None, False, PR),
        (SD, NON_CR_NON_PD, False, SD),
        (SD, NE, False, SD),
        (NE, NON_CR_NON_PD, False, NE),
        (NE, None, False, NE),
        (PD, CR, False, PD),
        (PD, None, False, PD),
        (CR, PD, False, PD),
        (SD, PD, False, PD),
    ],
)
@pytest.mark.req("PRO-RECIST-7")
def test_overall_response_table_1(target, non_target, new, expected):
    assert overall_response(target, non_target, new) == expected


@pytest.mark.parametrize(
    "non_target, new, expected",
    [
        (CR, False, CR),
        (NON_CR_NON_PD, False, NON_CR_NON_PD),
        (NE, False, NE),
        (PD, False, PD),
        (CR, True, PD),
        (NON_CR_NON_PD, True, PD),
    ],
)
@pytest.mark.req("PRO-RECIST-7")
def test_overall_response_table_2_non_target_only_disease(non_target, new, expected):
    assert overall_response(None, non_target, new) == expected


@pytest.mark.parametrize("target", [CR, PR, SD, NE])
@pytest.mark.req("PRO-RECIST-7")
def test_new_lesion_is_progression_whatever_the_targets(target):
    assert overall_response(target, CR, True) == PD
    assert overall_response(target, None, True) == PD


@pytest.mark.req("PRO-RECIST-7")
def test_series_overall_response_combines_targets_non_targets_and_new_lesions():
    # baseline 40: 20 + 8 = 28 (-30 % PR) with a non-target present → PR; then 0 + 0 with the
    # non-target gone → CR; then 0 + 0 with a new lesion → PD
    rows = series(
        40,
        [
            Assessment(measurements=(lesion(20), lesion(8)), non_target_statuses=(PRESENT,)),
            Assessment(measurements=(lesion(0), lesion(0)), non_target_statuses=(ABSENT,)),
            Assessment(measurements=(lesion(0), lesion(0)), non_target_statuses=(ABSENT,), new_lesions=True),
        ],
    )
    assert [(row["target"], row["non_target"], row["implied"]) for row in rows] == [
        (PR, NON_CR_NON_PD, PR),
        (CR, CR, CR),
        (CR, CR, PD),
    ]
