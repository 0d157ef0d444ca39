"""Radiotherapy dose arithmetic for local intervention (PROTOCOL.md, Treatment)."""

from decimal import ROUND_HALF_UP, Decimal

from esotrial import protocol


def dose_per_fraction(total_dose_gy, fractions):
    return Decimal(total_dose_gy) / Decimal(fractions)


def bed(total_dose_gy, fractions, alpha_beta=None):
    """Biologically effective dose, linear-quadratic model: BED = nd (1 + d / (α/β)).

    With the protocol's α/β = 10 Gy this is BED₁₀; e.g. 50 Gy in 5 fractions gives 100 Gy.
    Rounded to 0.1 Gy as reported.
    """
    alpha_beta = Decimal(alpha_beta if alpha_beta is not None else protocol.BED_ALPHA_BETA_GY.value)
    total = Decimal(total_dose_gy)
    d = dose_per_fraction(total, fractions)
    return (total * (1 + d / alpha_beta)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def is_stereotactic_schedule(total_dose_gy, fractions):
    """SBRT per protocol: at most 5 fractions of at least 7 Gy [default, ESO-Shanghai13]."""
    return fractions <= protocol.SBRT_MAX_FRACTIONS.value and dose_per_fraction(total_dose_gy, fractions) >= Decimal(
        protocol.SBRT_MIN_DOSE_PER_FRACTION_GY.value
    )


def course_doses(total_dose_gy, fractions):
    """(dose per fraction to 0.01 Gy, BED₁₀) of a radiotherapy course; (None, None) while dose or
    fractions are not entered. The eCRF pages and the exports both show these."""
    if not total_dose_gy or not fractions:
        return None, None
    return dose_per_fraction(total_dose_gy, fractions).quantize(Decimal("0.01")), bed(total_dose_gy, fractions)
