"""Allocation concealment (ICH E9; 21 CFR Part 11 issue): the list cannot be predicted from the
allocations already made. An attacker who has seen the first 12 allocations of a stratum searches
the seed space; a short numeric seed falls, a 128-bit seed from `secrets` does not."""

import pytest

from randomization import blocks
from randomization.models import RandomizationList
from randomization.services import generate_list

STRATUM = "lesion_count=1|therapy_line=1|metastasis_type=node_only"
SEEN, NEXT = 12, 99
SEARCHED = range(20_000)  # the first 20,000 numeric seeds: about 1 s


def arms(seed, count):
    return [arm for _, _, arm in blocks.permuted_blocks(seed, STRATUM, count)][:count]


def predictions_from(seen):
    """Every seed of the searched space that reproduces the allocations seen, and what it predicts next."""
    return {tuple(arms(str(seed), SEEN + NEXT)[SEEN:]) for seed in SEARCHED if arms(str(seed), SEEN) == seen}


@pytest.mark.req("PRO-RAND-8")
def test_the_search_recovers_a_short_numeric_seed():
    # The attack of the audit, on a seed inside the searched space: it predicts the next 99.
    truth = arms("4711", SEEN + NEXT)
    assert tuple(truth[SEEN:]) in predictions_from(truth[:SEEN])


@pytest.mark.django_db
@pytest.mark.req("PRO-RAND-8")
def test_a_generated_list_has_a_128_bit_secret_seed_and_the_search_fails_to_predict_it():
    randomization_list, _ = generate_list(None, 30, "test")
    seed = randomization_list.seed
    assert len(seed) == 32 and int(seed, 16) >= 0  # 128 bits, hexadecimal, from secrets.token_hex
    assert seed not in str(randomization_list)
    truth = arms(seed, SEEN + NEXT)
    assert tuple(truth[SEEN:]) not in predictions_from(truth[:SEEN])
    other, _ = generate_list(None, 30, "test", replace=True)
    assert other.seed != seed
    assert RandomizationList.objects.get().seed == other.seed  # stored, for reproducibility
