"""50 randomizations at once on PostgreSQL: distinct slots, no gaps, 2:1 per completed block."""

import threading
from collections import Counter, defaultdict

import pytest
from django.db import connection

from crf.status import Status
from randomization.models import Allocation, AllocationSlot
from randomization.services import allocate, generate_list
from tests.factories import make_eligible_patient

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(calls):
    barrier, errors = threading.Barrier(len(calls)), []

    def worker(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.req("PRO-RAND-4")
def test_fifty_parallel_randomizations(site, investigator):
    assert connection.vendor == "postgresql"
    generate_list("concurrency", 30, "test")
    shapes = [("lung",), ("lung", "liver"), ("non_regional_ln",), ("bone",)]
    patients = [make_eligible_patient(site, investigator, organs=shapes[n % 4], line=1 + n % 2) for n in range(50)]
    errors = run_in_threads([lambda p=p: allocate(p, investigator, status=Status.ELIGIBLE) for p in patients])
    assert errors == []
    allocations = list(Allocation.objects.select_related("slot"))
    assert len(allocations) == 50
    assert len({a.slot_id for a in allocations}) == 50
    assert len({a.number for a in allocations}) == 50
    by_stratum = defaultdict(list)
    for allocation in allocations:
        by_stratum[allocation.stratum].append(allocation.slot.sequence)
    for sequences in by_stratum.values():
        assert sorted(sequences) == list(range(1, len(sequences) + 1))  # no slot skipped
    for stratum, sequences in by_stratum.items():
        used = AllocationSlot.objects.filter(stratum=stratum, sequence__lte=max(sequences))
        blocks = defaultdict(list)
        for slot in used:
            blocks[(slot.block_number, slot.block_size)].append(slot.arm)
        for (_, size), arms in blocks.items():
            if len(arms) == size:  # completed blocks hold exactly 2:1
                assert Counter(arms) == {"combined": size * 2 // 3, "systemic": size // 3}


@pytest.mark.req("PRO-RAND-4")
def test_double_click_gives_one_allocation(site, investigator):
    generate_list("double-click", 12, "test")
    patient = make_eligible_patient(site, investigator)
    results = []
    errors = run_in_threads(
        [lambda: results.append(allocate(patient, investigator, status=Status.ELIGIBLE)) for _ in range(5)]
    )
    assert errors == []
    assert Allocation.objects.count() == 1
    assert {allocation.pk for allocation in results} == {Allocation.objects.get().pk}
