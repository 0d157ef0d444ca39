"""Benchmark: 200 randomizations from 8 concurrent clients on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/esotrial_bench DEBUG=1 .venv/bin/python bench/randomize.py

Builds a fresh database (migrate), a list and 200 eligible patients, then lets 8 threads each
randomize 25 patients through randomization.services.allocate(), the service behind the
Randomize button. Reports median and p95 latency per allocation and checks for duplicates.
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esotrial.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

CLIENTS, PER_CLIENT = 8, 25


def main():
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    call_command("migrate", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    from accounts import roles
    from crf.status import Status
    from esotrial.celery import app
    from randomization.models import Allocation
    from randomization.services import allocate, generate_list
    from tests.factories import TrialSiteFactory, UserFactory, make_eligible_patient

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"  # notifications are not what is measured
    site = TrialSiteFactory(code="BM01")
    investigator = UserFactory(username="bench-investigator", role=roles.INVESTIGATOR, sites=[site])
    generate_list("bench", 120, "bench")  # room for every patient: no refusal for an exhausted stratum
    shapes = [("lung",), ("lung", "liver"), ("non_regional_ln",), ("bone", "adrenal")]
    patients = [make_eligible_patient(site, investigator, organs=shapes[n % 4], line=1 + n % 2) for n in range(200)]

    latencies, errors, barrier = [], [], threading.Barrier(CLIENTS)

    def client(batch):
        barrier.wait()
        for patient in batch:
            start = time.perf_counter()
            try:
                allocate(patient, investigator, status=Status.ELIGIBLE)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            latencies.append(time.perf_counter() - start)
        connection.close()

    threads = [threading.Thread(target=client, args=(patients[i::CLIENTS],)) for i in range(CLIENTS)]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall

    allocations = list(Allocation.objects.values_list("slot_id", "number"))
    latencies.sort()
    print(f"allocations: {len(allocations)} in {wall:.2f} s from {CLIENTS} clients ({len(allocations) / wall:.0f}/s)")
    median, p95 = statistics.median(latencies), latencies[int(0.95 * len(latencies))]
    print(f"latency median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(
        f"errors: {len(errors)}; duplicate slots: {len(allocations) - len({s for s, _ in allocations})}; "
        f"duplicate numbers: {len(allocations) - len({n for _, n in allocations})}"
    )


if __name__ == "__main__":
    main()
