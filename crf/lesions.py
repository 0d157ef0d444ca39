"""Lesion counting for genuine oligometastatic disease (PROTOCOL.md, Eligibility 4 and Lesion counting).

Metastases are distant organ lesions or non-regional lymph nodes (AJCC 8th). Positive regional
lymph nodes, however many, count together as one lesion [default, ESO-Shanghai13].
"""

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from esotrial import protocol

REGIONAL_NODES = "regional_ln"


@dataclass(frozen=True)
class LesionCount:
    total: int
    per_organ: dict
    breaches: list  # human-readable rule failures; empty when the lesions are eligible


def count_lesions(lesions):
    """`lesions`: iterable of (label, organ, longest_diameter_mm). Returns counts and breaches."""
    lesions = list(lesions)
    organs = Counter(organ for _label, organ, _diameter in lesions)
    if protocol.REGIONAL_NODES_COUNT_AS_ONE.value and organs[REGIONAL_NODES] > 1:
        organs[REGIONAL_NODES] = 1
    organs = {organ: n for organ, n in organs.items() if n}
    total = sum(organs.values())

    breaches = []
    max_total = protocol.MAX_LESIONS_TOTAL.value
    max_per_organ = protocol.MAX_LESIONS_PER_ORGAN.value
    max_mm = protocol.MAX_LESION_DIAMETER_MM.value
    if total == 0:
        breaches.append(_("No metastatic lesion is recorded: at least one is required."))
    elif protocol.DISTANT_LESION_REQUIRED.value and set(organs) == {REGIONAL_NODES}:
        breaches.append(
            _(
                "Only regional lymph nodes are recorded: that is not metastatic disease (M0). "
                "At least one distant lesion is required [default]."
            )
        )
    if total > max_total:
        breaches.append(
            _("%(total)s lesions counted; at most %(max)s are allowed in total.") % {"total": total, "max": max_total}
        )
    for organ, n in sorted(organs.items()):
        if n > max_per_organ:
            breaches.append(
                _("%(count)s lesions in one organ (%(organ)s); at most %(max)s per organ.")
                % {"count": n, "organ": organ, "max": max_per_organ}
            )
    for label, _organ, diameter in lesions:
        if diameter is not None and diameter > max_mm:
            breaches.append(
                _("Lesion %(label)s measures %(diameter)s mm; each lesion must be ≤ %(max)s mm.")
                % {"label": label, "diameter": diameter, "max": max_mm}
            )
    return LesionCount(total=total, per_organ=organs, breaches=breaches)
