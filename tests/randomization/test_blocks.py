"""The statistician's properties of the permuted-block list and of minimisation."""

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from randomization.blocks import minimisation_arm, permuted_blocks

seeds = st.text(min_size=1, max_size=20)
lengths = st.integers(min_value=1, max_value=120)


@given(seed=seeds, length=lengths)
@pytest.mark.req("PRO-RAND-1")
def test_every_full_block_is_exactly_two_to_one(seed, length):
    sequence = permuted_blocks(seed, "stratum", length)
    blocks = {}
    for block, size, arm in sequence:
        blocks.setdefault((block, size), []).append(arm)
    for (_, size), arms in blocks.items():
        assert len(arms) == size  # built from whole blocks only
        assert Counter(arms) == {"combined": size * 2 // 3, "systemic": size // 3}


@given(seed=seeds, length=lengths)
@pytest.mark.req("PRO-RAND-1")
def test_block_sizes_are_only_3_or_6(seed, length):
    assert {size for _, size, _ in permuted_blocks(seed, "stratum", length)} <= {3, 6}


@given(seed=seeds, length=lengths)
@pytest.mark.req("PRO-RAND-2")
def test_same_seed_gives_the_same_list(seed, length):
    assert permuted_blocks(seed, "s", length) == permuted_blocks(seed, "s", length)


@given(seed=seeds)
@pytest.mark.req("PRO-RAND-2")
def test_different_seeds_give_different_lists(seed):
    assert permuted_blocks(seed, "s", 60) != permuted_blocks(seed + "x", "s", 60)


@pytest.mark.req("PRO-RAND-2")
def test_strata_have_independent_sequences():
    assert permuted_blocks("s", "a", 60) != permuted_blocks("s", "b", 60)


@pytest.mark.req("PRO-RAND-2")
def test_list_covers_at_least_the_requested_length():
    assert len(permuted_blocks("s", "a", 10)) >= 10


class Fixed(random.Random):
    def __init__(self, value):
        super().__init__(0)
        self.value = value

    def random(self):
        return self.value


@pytest.mark.req("PRO-RAND-6")
def test_minimisation_prefers_the_arm_that_reduces_imbalance():
    counts = {"therapy_line": {"1": {"combined": 2, "systemic": 3}}}
    levels = {"therapy_line": "1"}
    # Scaled by the 2:1 ratio, combined is behind (2/2 = 1 vs 3/1 = 3): it is preferred with p = 0.8.
    assert minimisation_arm(counts, levels, Fixed(0.5)) == "combined"
    assert minimisation_arm(counts, levels, Fixed(0.9)) == "systemic"


@pytest.mark.req("PRO-RAND-6")
def test_minimisation_keeps_two_to_one_over_many_patients():
    rng, counts = random.Random(1), {}
    arms = Counter()
    for n in range(900):
        levels = {"lesion_count": "1" if n % 3 else "2-4", "therapy_line": "1" if n % 2 else "2"}
        arm = minimisation_arm(counts, levels, rng)
        arms[arm] += 1
        for factor, level in levels.items():
            counts.setdefault(factor, {}).setdefault(level, Counter())[arm] += 1
    assert 1.8 < arms["combined"] / arms["systemic"] < 2.2
