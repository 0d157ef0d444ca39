"""Benchmark: the trial-dataset export over a synthetic trial, beside PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/esotrial_bench DEBUG=1 .venv/bin/python bench/export.py \
        [--patients 10000] [--skip-build]

Builds (bulk, with history rows, so the audit trail is realistic) N randomized patients (10,000 by
default) over 10 sites: 2-3 lesions, ~30 cycles (~1.04 M rows at 35,400), ~5 AEs, assessments, a
local intervention per lesion in the combined arm, follow-up; then voids one cycle and one AE in
500 through audit.services.void, so the voided_on/_by/_reason columns hold values. The build takes
~6 s at 354 patients, ~15 min at 35,400 (it flushes the database first). Then, each in a child
process under `/usr/bin/time -v` (so a peak memory is that step's alone, Django included):
  1. the whole ZIP as a trial-wide data manager builds it (all datasets in 4 formats, audit
     trail, dictionary, manifest): wall time, rows written and rows/s, and its peak RSS;
  2. cycles.csv alone through the export's own code path, and PostgreSQL's
     `COPY (<the cycles dataset's own query: its joins, scope and order>) TO STDOUT WITH CSV`: the
     ceiling for streaming that dataset out (its derived `_label` columns are not in the SQL).
`--skip-build` reuses the database of a previous run, of whatever size it was built.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esotrial.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

SITES, BATCH = 10, 500
USERNAME = "bench.datamanager"


def build(patients_wanted):
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
    for start in range(0, patients_wanted, BATCH):
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
                for n in range(start, min(start + BATCH, patients_wanted))
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
                onset = randomized + timedelta(days=rng.randint(5, 400))
                serious = grade == 3 and rng.random() < 0.3
                events.append(
                    AdverseEvent(
                        patient=patient,
                        term=rng.choice(terms),
                        onset_date=onset,
                        ongoing=True,
                        grade=grade,
                        serious=serious,
                        site_aware_at=datetime.combine(onset, dt_time(9), UTC) if serious else None,
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
    counts["voided"] = void_some()
    return counts


def void_some():
    """Void one cycle and one AE in 500 (entered twice): real exports have a few voided_on/_by/_reason."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models.functions import Mod

    from audit.services import void
    from crf.models import TreatmentCycle
    from safety.models import AdverseEvent

    user = get_user_model().objects.get(username=USERNAME)
    voided = 0
    with transaction.atomic():
        for model in (TreatmentCycle, AdverseEvent):
            for row in model.objects.alias(every=Mod("id", 500)).filter(every=7, voided=False).iterator():
                void(row, "Entered twice", by=user)
                voided += 1
    return voided


def export_zip():
    """Run in a child process: the whole ZIP."""
    from django.contrib.auth import get_user_model

    from exports.models import ExportRun
    from exports.services import build_trial_export, patients_for

    user = get_user_model().objects.get(username=USERNAME)
    run = ExportRun.objects.create(kind="trial", requested_by=user, dataset="Trial dataset (bench)")
    start = time.perf_counter()
    build_trial_export(run, patients_for(run))
    elapsed = time.perf_counter() - start
    rows = sum(run.row_counts.values())
    print(f"export: {elapsed:.1f} s, {rows:,} rows in {len(run.row_counts)} CSV files, {rows / elapsed:,.0f} rows/s")
    print(f"export: ZIP {run.file_bytes / 1e6:.1f} MB; counts {run.row_counts}")


def export_cycles():
    """Run in a child process: cycles.csv through the export's code, then COPY of the same query."""
    from django.contrib.auth import get_user_model

    from exports.datasets import form_datasets, model_rows
    from exports.models import ExportRun
    from exports.services import patients_for, write_csv

    run = ExportRun(requested_by=get_user_model().objects.get(username=USERNAME))
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

        # str(queryset.query) does not quote its parameters: psycopg binds them (compose_sql: mogrify).
        query = connection.ops.compose_sql(*model_rows(cycles, patients_for(run)).query.sql_with_params())
        start = time.perf_counter()
        with connection.cursor() as cursor, open(Path(tmp) / "copy.csv", "wb") as out:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f"COPY ({query}) TO STDOUT WITH CSV HEADER") as copy:
                for block in copy:
                    out.write(block)
        elapsed = time.perf_counter() - start
        print(f"PostgreSQL COPY (the cycles query): {n:,} rows in {elapsed:.2f} s = {n / elapsed:,.0f} rows/s")


def child(step):
    """Run `step` in a fresh process under /usr/bin/time -v; print its output and return its peak RSS in MB."""
    with tempfile.TemporaryDirectory(prefix="bench-export-") as export_root:
        result = subprocess.run(
            ["/usr/bin/time", "-v", sys.executable, __file__, "--child", step],
            capture_output=True,
            text=True,
            env={**os.environ, "EXPORT_ROOT": export_root},
            check=False,
        )
    print(result.stdout, end="")
    if result.returncode:
        sys.exit(result.stderr)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000, help="patients to build (default 10,000)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the database of a previous run")
    parser.add_argument("--child", choices=["zip", "cycles"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    if args.child:
        {"zip": export_zip, "cycles": export_cycles}[args.child]()
        return
    if not args.skip_build:
        call_command("migrate", verbosity=0)
        call_command("flush", "--noinput", verbosity=0)
        start = time.perf_counter()
        counts = build(args.patients)
        print(f"built {args.patients:,} patients {counts} in {time.perf_counter() - start:.0f} s")
    from crf.models import Patient

    patients = Patient.objects.count()
    print(f"peak RSS of the ZIP build at {patients:,} patients (/usr/bin/time -v): {child('zip'):.0f} MB")
    print(f"peak RSS of cycles.csv and COPY: {child('cycles'):.0f} MB")


if __name__ == "__main__":
    main()
