"""RECIST 1.1 overall response from the numbers a nurse enters (Eisenhauer et al., EJC 2009)."""

from decimal import Decimal

from esotrial import protocol

CR, PR, SD, PD, NE = "CR", "PR", "SD", "PD", "NE"


def percent_change(reference, current):
    if reference in (None, 0) or current is None:
        return None
    return (Decimal(current) - Decimal(reference)) * 100 / Decimal(reference)


def recist_response(baseline_sum, nadir_sum, current_sum, new_lesions, non_target="non_cr_non_pd"):
    """The overall response the measurements imply.

    baseline_sum, nadir_sum, current_sum: sums of target-lesion diameters in mm (nadir is the
    smallest sum so far, baseline included); current_sum None when a target was not assessed.
    non_target: "cr", "non_cr_non_pd", "pd", "ne" or "absent".
    """
    if new_lesions or non_target == "pd":
        return PD
    if current_sum is None:
        return NE
    reference = nadir_sum if nadir_sum is not None else baseline_sum
    increase = Decimal(current_sum) - Decimal(reference)
    if (
        reference
        and increase * 100 >= Decimal(protocol.RECIST_PD_INCREASE_PERCENT.value) * Decimal(reference)
        and increase >= protocol.RECIST_PD_INCREASE_MM.value
    ):
        return PD
    # RECIST 1.1 table 1: a non-target lesion not evaluated does not downgrade PR or SD.
    if current_sum == 0:
        return CR if non_target in ("cr", "absent") else PR  # CR needs the non-targets gone too
    decrease = percent_change(baseline_sum, current_sum)
    if decrease is not None and decrease <= -protocol.RECIST_PR_DECREASE_PERCENT.value:
        return PR
    return SD


def series(baseline_sum, points):
    """RECIST numbers for a patient's assessments in date order.

    `points`: (current_sum or None, new_lesions, non_target) per assessment. Returns, for each,
    the sum, % change from baseline and from the nadir before it, and the implied response.
    """
    rows, nadir = [], baseline_sum
    for current, new_lesions, non_target in points:
        rows.append(
            {
                "sum": current,
                "from_baseline": percent_change(baseline_sum, current),
                "from_nadir": percent_change(nadir, current),
                "nadir": nadir,
                "implied": recist_response(baseline_sum, nadir, current, new_lesions, non_target),
            }
        )
        if current is not None:
            nadir = min(nadir, current)
    return rows
