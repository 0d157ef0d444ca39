"""Benchmark: the daily reminder scan over 10,000 patients with schedules (a 28x trial).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/esotrial_bench DEBUG=1 .venv/bin/python bench/reminders.py

Builds (bulk) 10,000 randomized patients over 10 sites with two lesions, 1-30 cycles, a few
assessments, a research nurse per site, then times visits.reminders.collect() - the scan behind
the daily digest - and counts its queries.
"""

import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esotrial.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

PATIENTS, SITES = 10_000, 10


def build():
    from accounts import roles
    from accounts.models import TrialSite
    from crf.models import MetastaticLesion, Patient, TreatmentCycle, TumourAssessment
    from randomization.models import Allocation
    from tests.factories import UserFactory

    rng = random.Random(1)
    sites = TrialSite.objects.bulk_create(
        TrialSite(code=f"BM{n:02d}", name=f"Bench {n}", city="Shanghai", principal_investigator="PI")
        for n in range(SITES)
    )
    for site in sites:
        UserFactory(username=f"nurse.{site.code}", role=roles.RESEARCH_NURSE, sites=[site], email=f"{site.code}@x.org")
    patients = Patient.objects.bulk_create(
        Patient(
            site=sites[n % SITES],
            site_serial=n // SITES + 1,
            screening_number=f"{sites[n % SITES].code}-{n // SITES + 1:04d}",
            initials="AB",
            sex="M",
            year_of_birth=1960,
            consent_date=date(2025, 1, 1),
        )
        for n in range(PATIENTS)
    )
    today = date.today()
    allocations, lesions, cycles, assessments = [], [], [], []
    for n, patient in enumerate(patients):
        randomized = today - timedelta(days=rng.randint(10, 700))
        allocations.append(
            Allocation(
                patient=patient, number=f"B{n:05d}", arm=rng.choice(["combined", "systemic"]), randomized_on=randomized
            )
        )
        for label in ("L1", "L2"):
            lesions.append(
                MetastaticLesion(
                    patient=patient,
                    label=label,
                    organ="lung",
                    location="x",
                    longest_diameter_mm=20,
                    imaging_method="ct",
                    imaging_date=date(2025, 1, 1),
                )
            )
        day = randomized + timedelta(days=2)
        for number in range(1, rng.randint(1, 30)):
            if day > today:
                break
            cycles.append(
                TreatmentCycle(
                    patient=patient,
                    cycle_number=number,
                    day1_date=day,
                    anti_pd1_agent="camrelizumab",
                    anti_pd1_dose_mg=200,
                )
            )
            day += timedelta(days=21)
        for k in range(1, rng.randint(1, 5)):
            when = randomized + timedelta(weeks=6 * k)
            if when <= today:
                assessments.append(
                    TumourAssessment(
                        patient=patient,
                        assessment_date=when,
                        imaging_method="ct",
                        non_target_status="non_cr_non_pd",
                        overall_response="SD",
                    )
                )
    Allocation.objects.bulk_create(allocations)
    MetastaticLesion.objects.bulk_create(lesions, batch_size=5000)
    TreatmentCycle.objects.bulk_create(cycles, batch_size=5000)
    TumourAssessment.objects.bulk_create(assessments, batch_size=5000)
    return len(cycles)


def main():
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    call_command("migrate", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    start = time.perf_counter()
    cycles = build()
    print(f"built {PATIENTS} patients, {cycles} cycles in {time.perf_counter() - start:.1f} s")
    from django.utils import timezone

    from visits.reminders import collect

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        digests = collect(timezone.localdate())
        elapsed = time.perf_counter() - start
    items = sum(len(v) for v in digests.values())
    print(
        f"daily scan: {elapsed:.2f} s, {len(queries.captured_queries)} queries, {len(digests)} digests, {items} items"
    )


if __name__ == "__main__":
    main()
