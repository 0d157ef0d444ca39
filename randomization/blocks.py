"""Stratified permuted-block allocation lists (PROTOCOL.md, Design) and minimisation.

Pure functions over plain values, so the statistician's properties can be tested directly:
every full block holds exactly ALLOCATION_RATIO, block sizes come only from BLOCK_SIZES, and
the same seed gives the same list.
"""

import random

from esotrial import protocol

ARMS = ("combined", "systemic")  # in the order of ALLOCATION_RATIO (2 : 1)


def permuted_blocks(seed, stratum, length, block_sizes=None, ratio=None):
    """A list of at least `length` (block_number, block_size, arm), built from whole blocks.

    The generator is seeded with the list seed *and* the stratum, so a stratum's sequence
    does not depend on which other strata exist.
    """
    block_sizes = block_sizes or protocol.BLOCK_SIZES.value
    ratio = ratio or protocol.ALLOCATION_RATIO.value
    unit = sum(ratio)
    if any(size % unit for size in block_sizes):
        raise ValueError(f"Block sizes {block_sizes} are not multiples of the ratio {ratio}.")
    rng = random.Random(f"{seed}:{stratum}")
    sequence, block_number = [], 0
    while len(sequence) < length:
        block_number += 1
        size = rng.choice(block_sizes)
        block = [arm for arm, share in zip(ARMS, ratio, strict=True) for _ in range(size // unit * share)]
        rng.shuffle(block)
        sequence += [(block_number, size, arm) for arm in block]
    return sequence


def minimisation_arm(counts, levels, rng, p=None, ratio=None):
    """Pocock-Simon minimisation with a random element, weighted for an unequal ratio.

    `counts[factor][level][arm]`: patients already allocated. For each arm, the imbalance that
    adding this patient would cause is the sum over factors of the range of the arm totals
    divided by their ratio share; the arm with the smaller imbalance is preferred and chosen
    with probability p. A tie is broken at random in the allocation ratio.
    """
    p = p if p is not None else protocol.MINIMISATION_PREFERRED_ARM_PROBABILITY.value
    ratio = ratio or protocol.ALLOCATION_RATIO.value
    share = dict(zip(ARMS, ratio, strict=True))

    def imbalance(candidate):
        total = 0
        for factor, level in levels.items():
            n = {arm: counts.get(factor, {}).get(level, {}).get(arm, 0) + (arm == candidate) for arm in ARMS}
            scaled = [n[arm] / share[arm] for arm in ARMS]
            total += max(scaled) - min(scaled)
        return total

    scores = {arm: imbalance(arm) for arm in ARMS}
    if scores["combined"] == scores["systemic"]:
        return rng.choices(ARMS, weights=ratio)[0]
    preferred = min(ARMS, key=scores.get)
    other = next(arm for arm in ARMS if arm != preferred)
    return preferred if rng.random() < p else other
