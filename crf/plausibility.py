"""Plausible values (esotrial.protocol ranges): impossible values are refused, unusual ones confirmed.

`problem(value, limits)` says which limit a value breaks; forms turn a hard problem into an error
and a soft one into a question the nurse answers with the "confirm unusual values" tick, which is
stored on the record and exported. The hard limits are also database constraints
(`hard_limit_constraint`), so no path saves an impossible value.
"""

from django.db import models
from django.utils.translation import gettext as _

from esotrial import protocol

HARD, SOFT = "hard", "soft"


def problem(value, limits, unit=""):
    """(HARD or SOFT, message) if `value` lies outside `limits` (a protocol.Range), else None."""
    if value is None:
        return None
    unit = f" {unit}" if unit else ""
    if not limits.hard_min <= value <= limits.hard_max:
        return HARD, _("%(value)s is not possible here (%(min)s–%(max)s).") % {
            "value": f"{value:g}{unit}",
            "min": f"{limits.hard_min:g}",
            "max": f"{limits.hard_max:g}{unit}",
        }
    if not limits.soft_min <= value <= limits.soft_max:
        return SOFT, _(
            "%(value)s is outside the usual %(min)s–%(max)s: check it, then tick “confirm unusual values”."
        ) % {
            "value": f"{value:g}{unit}",
            "min": f"{limits.soft_min:g}",
            "max": f"{limits.soft_max:g}{unit}",
        }
    return None


def chemotherapy_dose_limits(agent):
    return protocol.CHEMOTHERAPY_DOSE_RANGES.value.get(agent)


def hard_limit_constraint(field, limits, name):
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__isnull": True})
        | models.Q(**{f"{field}__gte": limits.hard_min, f"{field}__lte": limits.hard_max}),
        name=name,
    )


def chemotherapy_dose_constraint(agent_field, dose_field, name):
    """Each agent's dose within its hard limits (the unit differs by agent: mg/m² or AUC)."""
    condition = models.Q(**{f"{dose_field}__isnull": True})
    for agent, limits in protocol.CHEMOTHERAPY_DOSE_RANGES.value.items():
        condition |= models.Q(
            **{agent_field: agent, f"{dose_field}__gte": limits.hard_min, f"{dose_field}__lte": limits.hard_max}
        )
    return models.CheckConstraint(condition=condition, name=name)
