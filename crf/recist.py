"""RECIST 1.1 from the numbers a nurse enters (Eisenhauer et al., Eur J Cancer 2009;45:228-247,
and the RECIST working group's clarifications, Schwartz et al., Eur J Cancer 2016;62:132-137).

Plain functions over plain values, called by the assessment form, the patient page, the demo
builder and the exports alike:

- which lesions may be targets (`not_measurable_because`, `target_organ`);
- the target response from the measurements (nodes by short axis, "too small" as 5 mm, nadir,
  regrowth after a complete response, a partial assessment that already proves progression);
- the non-target response from each non-target lesion's status;
- the overall response from the two and new lesions (RECIST 1.1 tables 1 and 2).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from esotrial import protocol

CR, PR, SD, PD, NE = "CR", "PR", "SD", "PD", "NE"
NON_CR_NON_PD = "NON-CR/NON-PD"  # RECIST 1.1 table 2; the CDISC RS value spelled the same way

# One non-target lesion at one assessment.
PRESENT, ABSENT, PROGRESSION, NOT_EVALUATED = "present", "absent", "progression", "not_evaluated"

NODAL_ORGANS = ("regional_ln", "non_regional_ln")
LYMPH_NODES = "lymph nodes"  # every node together is one organ for target selection


def is_nodal(organ):
    return organ in NODAL_ORGANS


def target_organ(organ_key):
    """The organ as "at most 2 targets per organ" counts it: all lymph nodes are one organ."""
    return LYMPH_NODES if is_nodal(organ_key) else organ_key


def not_measurable_because(
    organ,
    longest_mm,
    short_axis_mm=None,
    bone_soft_tissue_mm=None,
    previously_irradiated=False,
    progressed_since_irradiation=False,
):
    """Why a lesion cannot be a target (a sentence), or None when it is measurable.

    RECIST 1.1 section 3.1: ≥ 10 mm longest diameter by CT; a node ≥ 15 mm in short axis; a
    lytic bone lesion only through a soft-tissue component that is itself ≥ 10 mm; a previously
    irradiated lesion only once it has progressed since.
    """
    minimum = protocol.RECIST_MIN_MEASURABLE_MM.value
    if is_nodal(organ):
        node_minimum = protocol.RECIST_NODE_TARGET_MIN_SHORT_AXIS_MM.value
        if short_axis_mm is None or short_axis_mm < node_minimum:
            return _("a lymph node is a target only with a short axis ≥ %(minimum)s mm") % {"minimum": node_minimum}
    elif organ == "bone":
        if bone_soft_tissue_mm is None or bone_soft_tissue_mm < minimum:
            return _("a bone lesion is a target only through a soft-tissue component ≥ %(minimum)s mm") % {
                "minimum": minimum
            }
    elif longest_mm is None or longest_mm < minimum:
        return _("a target measures ≥ %(minimum)s mm in longest diameter") % {"minimum": minimum}
    if previously_irradiated and not progressed_since_irradiation:
        return _("a previously irradiated lesion is a target only when it has progressed since")
    return None


@dataclass(frozen=True)
class Measurement:
    """One target lesion at one assessment: longest diameter, or short axis for a node."""

    nodal: bool
    mm: Decimal | None  # None when the lesion was not assessed
    too_small: bool = False  # "too small to measure": counts as 5 mm [RECIST 1.1]

    @property
    def value(self):
        if self.too_small:
            return Decimal(protocol.RECIST_TOO_SMALL_MM.value)
        return None if self.mm is None else Decimal(self.mm)

    @property
    def gone(self):
        """Disappeared (non-nodal, 0 mm) or back to normal size (node < 10 mm short axis)."""
        if self.value is None:
            return False
        if self.nodal:
            return self.value < protocol.RECIST_NODE_PATHOLOGICAL_MIN_SHORT_AXIS_MM.value
        return self.value == 0


def target_sum(measurements):
    """The sum of diameters, or None when a target was not assessed."""
    values = [m.value for m in measurements]
    return None if any(v is None for v in values) else sum(values, Decimal(0))


def percent_change(reference, current):
    if reference in (None, 0) or current is None:
        return None
    return (Decimal(current) - Decimal(reference)) * 100 / Decimal(reference)


def is_progression(nadir, current):
    """≥ 20 % and ≥ 5 mm above the nadir. From a nadir of 0 the 20 % is met by any growth, so
    the 5 mm alone decides; a reappearance after a complete response is handled by the caller."""
    if nadir is None or current is None:
        return False
    increase = Decimal(current) - Decimal(nadir)
    return increase >= protocol.RECIST_PD_INCREASE_MM.value and increase * 100 >= Decimal(
        protocol.RECIST_PD_INCREASE_PERCENT.value
    ) * Decimal(nadir)


def target_response(baseline_sum, nadir_sum, measurements, after_complete_response=False):
    """CR, PR, SD, PD or NE for the target lesions; None when the patient has no target.

    `nadir_sum`: the smallest complete sum so far, baseline included. `after_complete_response`:
    an earlier assessment of this patient was a target CR.
    """
    measurements = list(measurements)
    if not measurements:
        return None
    measured = [m for m in measurements if m.value is not None]
    measured_sum = sum((m.value for m in measured), Decimal(0))
    reference = baseline_sum if nadir_sum is None else nadir_sum
    # Progression is known even from a partial assessment: the missing lesions can only add.
    if is_progression(reference, measured_sum):
        return PD
    reappeared = any(not m.nodal and m.value > 0 for m in measured)
    if reappeared and (after_complete_response or reference == 0):
        return PD  # regrowth after a complete response
    if len(measured) < len(measurements):
        return NE
    if all(m.gone for m in measurements):
        return CR  # nodes < 10 mm may leave a sum above 0
    change = percent_change(baseline_sum, measured_sum)
    if change is not None and change <= -protocol.RECIST_PR_DECREASE_PERCENT.value:
        return PR
    return SD


def non_target_response(statuses):
    """CR, NON-CR/NON-PD, PD or NE from each non-target lesion's status; None when there is none."""
    statuses = list(statuses)
    if not statuses:
        return None
    if PROGRESSION in statuses:
        return PD
    if NOT_EVALUATED in statuses:
        return NE
    if all(status == ABSENT for status in statuses):
        return CR
    return NON_CR_NON_PD


def overall_response(target, non_target, new_lesions):
    """RECIST 1.1 table 1 (target lesions, with or without non-targets) and table 2 (non-target only)."""
    if new_lesions or PD in (target, non_target):
        return PD
    if target is None:
        return non_target or NE  # table 2: CR, NON-CR/NON-PD or NE
    if target == CR:
        return CR if non_target in (None, CR) else PR
    return target  # PR, SD or NE: a non-target not evaluated does not downgrade them


@dataclass(frozen=True)
class Assessment:
    """What one assessment recorded, as plain values."""

    measurements: tuple = ()  # Measurement per target lesion, in lesion order
    non_target_statuses: tuple = ()  # status per non-target lesion
    new_lesions: bool = False


def series(baseline_sum, assessments):
    """RECIST numbers for a patient's assessments in date order: for each, the target sum, % change
    from baseline and from the nadir before it, the target, non-target and overall responses."""
    rows, nadir, complete_response_seen = [], baseline_sum, False
    for assessment in assessments:
        current = target_sum(assessment.measurements)
        target = target_response(baseline_sum, nadir, assessment.measurements, complete_response_seen)
        non_target = non_target_response(assessment.non_target_statuses)
        rows.append(
            {
                "sum": current,
                "from_baseline": percent_change(baseline_sum, current),
                "from_nadir": percent_change(nadir, current),
                "nadir": nadir,
                "target": target,
                "non_target": non_target,
                "implied": overall_response(target, non_target, assessment.new_lesions),
            }
        )
        if current is not None and (nadir is None or current < nadir):
            nadir = current
        complete_response_seen = complete_response_seen or target == CR
    return rows


def implied_response(baseline_sum, earlier, current):
    """The overall response `current` implies after the `earlier` assessments (date order)."""
    return series(baseline_sum, [*earlier, current])[-1]
