"""Lesion counting for genuine oligometastatic disease (PROTOCOL.md, Eligibility 4 and Lesion counting).

Metastases are distant organ lesions or non-regional lymph nodes (AJCC 8th). Positive regional
lymph nodes, however many, count together as one lesion [default, ESO-Shanghai13].
"""

from collections import Counter
from dataclasses import dataclass

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
    organs = Counter(organ for _, organ, _ in lesions)
    if protocol.REGIONAL_NODES_COUNT_AS_ONE.value and organs[REGIONAL_NODES] > 1:
        organs[REGIONAL_NODES] = 1
    organs = {organ: n for organ, n in organs.items() if n}
    total = sum(organs.values())

    breaches = []
    max_total = protocol.MAX_LESIONS_TOTAL.value
    max_per_organ = protocol.MAX_LESIONS_PER_ORGAN.value
    max_mm = protocol.MAX_LESION_DIAMETER_MM.value
    if total == 0:
        breaches.append("No metastatic lesion is recorded: at least one is required.")
    elif protocol.DISTANT_LESION_REQUIRED.value and set(organs) == {REGIONAL_NODES}:
        breaches.append(
            "Only regional lymph nodes are recorded: that is not metastatic disease (M0). "
            "At least one distant lesion is required [default]."
        )
    if total > max_total:
        breaches.append(f"{total} lesions counted; at most {max_total} are allowed in total.")
    for organ, n in sorted(organs.items()):
        if n > max_per_organ:
            breaches.append(f"{n} lesions in one organ ({organ}); at most {max_per_organ} per organ.")
    for label, _, diameter in lesions:
        if diameter is not None and diameter > max_mm:
            breaches.append(f"Lesion {label} measures {diameter} mm; each lesion must be ≤ {max_mm} mm.")
    return LesionCount(total=total, per_organ=organs, breaches=breaches)
