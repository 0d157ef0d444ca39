"""Benchmark: page speed at any trial size (issue 16), as a trial-wide investigator (the worst case).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/esotrial_bench REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/pages.py --patients 354 10000 [--load] [--skip-build]

For each size, builds a synthetic trial with bench/export.py's bulk builder (patients over 10
sites with lesions, ~30 cycles, ~5 AEs, assessments and follow-up each), refreshes every patient's
derived state (the bulk builder skips the save signals), then:
  scale: each page read in-process 5 times: median time and the number of queries (data
         statements; transaction control left out, as in tests/test_query_counts.py);
  load (--load): gunicorn with 2 workers, DEBUG=0, and `wrk` with 16 connections for 10 s per
         page, each page's requests/s divided by that of a bare logged-in HttpResponse view in the
         same run (bench/settings.py adds it at /bench/bare/).
Figures go to the closing note and bench/README, never into tests.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "bench-" * 8)  # the same in-process and in gunicorn: sessions carry over

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

USERNAME = "bench.investigator"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
PORT = 8765


def prepare(patients, skip_build):
    from django.contrib.auth import get_user_model

    from accounts import roles
    from accounts.models import TrialSite
    from crf import derived
    from crf.models import Patient
    from tests.factories import UserFactory

    if not skip_build:
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
        from bench import export

        started = time.perf_counter()
        export.build(patients)
        ids = list(Patient.objects.values_list("pk", flat=True))
        derived.refresh(ids)
        print(f"built {len(ids):,} patients in {time.perf_counter() - started:.0f} s")
    existing = get_user_model().objects.filter(username=USERNAME).first()
    if existing:
        return existing
    # Staff too, so that the admin's patient list (with its status filter) is measured as well.
    user = UserFactory(username=USERNAME, role=roles.INVESTIGATOR, sites=list(TrialSite.objects.all()), is_staff=True)
    return user


def urls():
    from django.urls import reverse

    from crf.models import Patient
    from safety.models import AdverseEvent

    ae = AdverseEvent.objects.filter(voided=False).order_by("pk").first()
    patient = ae.patient
    return {
        "bare view": "/bench/bare/",
        "patient list": reverse("crf:patient_list"),
        "patient list ?status=": reverse("crf:patient_list") + "?status=on_treatment",
        "patient page": reverse("crf:patient_detail", args=[patient.screening_number]),
        "due visits": reverse("visits:due_visits"),
        "AEs to sign": reverse("safety:ae_to_sign"),
        "safety summary": reverse("safety:summary"),
        "AE page": reverse("safety:ae_detail", args=[patient.screening_number, ae.pk]),
        "admin patients ?status=": "/admin/crf/patient/?status=on_treatment",
        "_n": Patient.objects.count(),
    }


def scale(user):
    client = Client()
    client.force_login(user)
    pages = urls()
    count = pages.pop("_n")
    print(f"\n{count:,} patients — in-process, median of 5")
    for name, url in pages.items():
        times = []
        for _ in range(5):
            connection.queries_log.clear()  # the build's queries would fill the log and hide these
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
        statements = [q for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]
        median = statistics.median(times) * 1000
        print(f"  {name:28} {median:8.1f} ms  {len(statements):3d} queries  {response.status_code}")


def load(user):
    from django.conf import settings

    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    pages = urls()
    pages.pop("_n")
    # Production settings, but plain HTTP on the loopback (no TLS proxy in front of this benchmark).
    env = {**os.environ, "DEBUG": "0", "SECURE_SSL_REDIRECT": "0"}
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["STATIC_ROOT"] = "/tmp/bench-static"  # whitenoise's manifest, as `collectstatic` makes it at deploy
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{PORT}", "esotrial.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open("/tmp/bench-gunicorn.log", "w"),  # noqa: SIM115 - lives as long as the server
    )
    try:
        time.sleep(3)
        for name, url in pages.items():  # every page answers 200 to this session, not a redirect
            check = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Cookie: {cookie}"]
            code = subprocess.run([*check, f"http://127.0.0.1:{PORT}{url}"], capture_output=True, text=True).stdout
            assert code == "200", (name, code)
        rates = {}
        for name, url in pages.items():
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c16",
                    "-d10s",
                    "-H",
                    f"Cookie: {cookie}",
                    "-H",
                    "X-Forwarded-Proto: https",
                    f"http://127.0.0.1:{PORT}{url}",
                ],
                capture_output=True,
                text=True,
            ).stdout
            rates[name] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            flag = f"  ({non_2xx.group(1)} non-2xx!)" if non_2xx else ""
            print(f"  {name:28} {rates[name]:8.1f} req/s  ÷ bare {rates[name] / rates['bare view']:.2f}{flag}")
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[354, 10_000])
    parser.add_argument("--load", action="store_true", help="also the gunicorn + wrk load run")
    parser.add_argument("--skip-build", action="store_true", help="reuse the database of a previous run (one size)")
    args = parser.parse_args()
    for patients in args.patients:
        user = prepare(patients, args.skip_build)
        scale(user)
        if args.load:
            load(user)


if __name__ == "__main__":
    main()
