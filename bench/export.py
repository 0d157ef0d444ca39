"""Benchmark: the trial-dataset export over a synthetic trial of 10,000 patients, beside PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/esotrial_bench DEBUG=1 .venv/bin/python bench/export.py

Builds (bulk, with history rows, so the audit trail is realistic) 10,000 randomized patients over
10 sites: 2-3 lesions, ~30 cycles (~300,000 rows), ~5 AEs (~50,000), assessments, a local
intervention per lesion in the combined arm, follow-up. Then, in a child process under
`/usr/bin/time -v` (so the peak memory is the export's alone):
  1. the whole ZIP as a trial-wide data manager builds it (all datasets in 4 formats, audit
     trail, dictionary, manifest): wall time, peak RSS, rows written and rows/s;
  2. cycles.csv alone through the export's own code path;
  3. PostgreSQL's `COPY (SELECT … FROM crf_treatmentcycle) TO STDOUT WITH CSV` of the same
     rows: the ceiling for streaming one table out.
`--skip-build` reuses the database of a previous run.
"""

import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esotrial.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

PATIENTS, SITES, BATCH = 10_000, 10, 500
USERNAME = "bench.datamanager"


def build():
    from simple_history.utils import bulk_create_with_history

    from accounts import roles
    from accounts.models import TrialSite
    from crf.models import FollowUp, LocalIntervention, MetastaticLesion, Patient, TreatmentCycle, TumourAssessment
    from randomization.models import Allocation
    from safety import ctcae
    from safety.models import AdverseEvent, CtcaeTerm
    from tests.factories import UserFactory

    ctcae.load(CtcaeTerm)
    terms = list(CtcaeTerm.objects.filter(grade_3__gt="", grade_2__gt="")[:40])
    rng = random.Random(7)
    sites = TrialSite.objects.bulk_create(
        TrialSite(code=f"BM{n:02d}", name=f"Bench {n}", city="Shanghai", principal_investigator="PI")
        for n in range(SITES)
    )
    UserFactory(username=USERNAME, role=roles.DATA_MANAGER, sites=sites, is_staff=True)
    today = date(2026, 11, 1)
    counts = dict.fromkeys(["cycles", "adverse_events", "assessments", "lesions"], 0)
    for start in range(0, PATIENTS, BATCH):
        patients = bulk_create_with_history(
            [
                Patient(
                    site=sites[n % SITES],
                    site_serial=n // SITES + 1,
                    screening_number=f"{sites[n % SITES].code}-{n // SITES + 1:04d}",
                    initials="AB",
                    sex=rng.choice("MF"),
                    year_of_birth=rng.randint(1940, 1980),
                    consent_date=date(2024, 1, 15),
                )
                for n in range(start, min(start + BATCH, PATIENTS))
            ],
            Patient,
        )
        allocations, lesions, cycles, assessments, events, follow_ups = [], [], [], [], [], []
        for patient in patients:
            randomized = date(2023, 9, 1) + timedelta(days=rng.randint(0, 900))
            arm = "combined" if rng.random() < 2 / 3 else "systemic"
            allocations.append(
                Allocation(
                    patient=patient,
                    number=f"B{patient.pk:06d}",
                    arm=arm,
                    randomized_on=randomized,
                    stratum="lesion_count=2-4|therapy_line=1|metastasis_type=visceral",
                )
            )
            for k in range(rng.randint(2, 3)):
                lesions.append(
                    MetastaticLesion(
                        patient=patient,
                        label=f"L{k + 1}",
                        organ=rng.choice(["lung", "liver", "bone", "non_regional_ln"]),
                        location="x",
                        longest_diameter_mm=rng.randint(8, 45),
                        imaging_method="ct",
                        imaging_date=randomized - timedelta(days=10),
                        target_lesion=True,
                    )
                )
            day = randomized + timedelta(days=2)
            for number in range(1, rng.randint(22, 56)):
                if day > today:
                    break
                cycles.append(
                    TreatmentCycle(
                        patient=patient,
                        cycle_number=number,
                        day1_date=day,
                        anti_pd1_agent="camrelizumab",
                        anti_pd1_dose_mg=200,
                        chemotherapy_given=number <= 4,
                        chemo_agent_1="paclitaxel" if number <= 4 else "",
                        chemo_dose_1=175 if number <= 4 else None,
                    )
                )
                day += timedelta(days=21)
            progression = rng.random() < 0.6
            for k in range(1, rng.randint(2, 9)):
                when = randomized + timedelta(weeks=6 * k)
                if when > today:
                    break
                last = progression and k >= 4
                assessments.append(
                    TumourAssessment(
                        patient=patient,
                        assessment_date=when,
                        imaging_method="ct",
                        non_target_status="pd" if last else "non_cr_non_pd",
                        overall_response="PD" if last else rng.choice(["PR", "SD"]),
                    )
                )
                if last:
                    break
            for _ in range(rng.choice([2, 4, 5, 6, 8])):
                grade = rng.choice([1, 1, 2, 2, 3])
                events.append(
                    AdverseEvent(
                        patient=patient,
                        term=rng.choice(terms),
                        onset_date=randomized + timedelta(days=rng.randint(5, 400)),
                        ongoing=True,
                        grade=grade,
                        serious=grade == 3 and rng.random() < 0.3,
                        sae_hospitalization=grade == 3,
                        relationship_to_anti_pd1=rng.choice(["possible", "unlikely"]),
                        relationship_to_chemotherapy="unlikely",
                        immune_related=rng.random() < 0.2,
                        action_anti_pd1="none",
                        action_chemotherapy="na",
                        treatment_given="none",
                        outcome="recovering",
                    )
                )
            if rng.random() < 0.3:
                death = randomized + timedelta(days=rng.randint(200, 600))
                follow_ups.append(
                    FollowUp(
                        patient=patient,
                        contact_date=death,
                        vital_status="dead",
                        death_date=death,
                        death_cause="progression",
                    )
                )
        Allocation.objects.bulk_create(allocations)
        arms = {allocation.patient_id: allocation.arm for allocation in allocations}
        lesions = bulk_create_with_history(lesions, MetastaticLesion)
        bulk_create_with_history(
            [
                LocalIntervention(
                    lesion=lesion,
                    modality="radiotherapy",
                    intent="protocol",
                    start_date=lesion.imaging_date + timedelta(days=60),
                    rt_technique="sbrt",
                    total_dose_gy=40,
                    fractions=5,
                )
                for lesion in lesions
                if arms[lesion.patient_id] == "combined"
            ],
            LocalIntervention,
        )
        bulk_create_with_history(cycles, TreatmentCycle, batch_size=5000)
        bulk_create_with_history(assessments, TumourAssessment, batch_size=5000)
        bulk_create_with_history(events, AdverseEvent, batch_size=5000)
        bulk_create_with_history(follow_ups, FollowUp)
        for key, rows in (
            ("cycles", cycles),
            ("adverse_events", events),
            ("assessments", assessments),
            ("lesions", lesions),
        ):
            counts[key] += len(rows)
    return counts


def export_only():
    """Run in the child process: the whole export, then cycles.csv alone, then COPY."""
    from django.contrib.auth import get_user_model

    from exports.datasets import form_datasets
    from exports.models import ExportRun
    from exports.services import build_trial_export, patients_for, write_csv

    user = get_user_model().objects.get(username=USERNAME)
    run = ExportRun.objects.create(kind="trial", requested_by=user, dataset="Trial dataset (bench)")
    start = time.perf_counter()
    build_trial_export(run, patients_for(run))
    elapsed = time.perf_counter() - start
    rows = sum(run.row_counts.values())
    print(f"export: {elapsed:.1f} s, {rows:,} rows in {len(run.row_counts)} CSV files, {rows / elapsed:,.0f} rows/s")
    print(f"export: ZIP {run.file_bytes / 1e6:.1f} MB; counts {run.row_counts}")

    cycles = next(dataset for dataset in form_datasets() if dataset.name == "cycles")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        n = write_csv(
            Path(tmp) / "cycles.csv",
            [v.name for v in cycles.variables],
            cycles.read(cycles, patients_for(run)),
            types=[v.type for v in cycles.variables],
        )
        elapsed = time.perf_counter() - start
        print(f"cycles.csv (export code): {n:,} rows in {elapsed:.2f} s = {n / elapsed:,.0f} rows/s")

        start = time.perf_counter()
        with connection.cursor() as cursor, open(Path(tmp) / "copy.csv", "wb") as out:
            raw = cursor.cursor  # psycopg 3
            with raw.copy("COPY (SELECT * FROM crf_treatmentcycle) TO STDOUT WITH CSV HEADER") as copy:
                for block in copy:
                    out.write(block)
        elapsed = time.perf_counter() - start
        print(f"PostgreSQL COPY crf_treatmentcycle: {n:,} rows in {elapsed:.2f} s = {n / elapsed:,.0f} rows/s")


def main():
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    if "--export-only" in sys.argv:
        export_only()
        return
    if "--skip-build" not in sys.argv:
        call_command("migrate", verbosity=0)
        call_command("flush", "--noinput", verbosity=0)
        start = time.perf_counter()
        counts = build()
        print(f"built {PATIENTS:,} patients {counts} in {time.perf_counter() - start:.0f} s")
    result = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, __file__, "--export-only"],
        capture_output=True,
        text=True,
        env={**os.environ, "EXPORT_ROOT": tempfile.mkdtemp(prefix="bench-export-")},
        check=True,
    )
    print(result.stdout, end="")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    print(f"peak RSS of the export process (/usr/bin/time -v): {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
