"""Benchmark: the admin's per-form export, the "Export selected" action beside the changelist's Export button.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/esotrial_adminexp DEBUG=1 \
        .venv/bin/python bench/admin_export.py [--selected 924] [--skip-build]

Builds 400 patients with 25 treatment cycles each (10,000 cycles) at the data manager's site, and
1,000 cycles at a site she cannot see. Then, through Django's test client (the whole request:
middleware, DATA_UPLOAD_MAX_NUMBER_FIELDS, the admin and django-import-export), as a browser does
it (the export page's own inputs posted back to its own URL), times on the treatment-cycle changelist:
  1. the Export button (every row of the changelist, CSV);
  2. the "Export selected" action on `--selected` ticked rows;
  3. the action after "Select all 10,000" (across pages), and the same with a search applied.
Each line: HTTP status of the last request, rows in the CSV, seconds, rows/s, SQL queries.
`--skip-build` reuses the database of a previous run.
"""

import argparse
import csv
import io
import os
import sys
import time
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esotrial.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

PATIENTS, CYCLES, OTHER_PATIENTS = 400, 25, 40
USERNAME = "bench.admin.datamanager"


def build():
    from accounts import roles
    from accounts.models import TrialSite
    from crf.models import Patient, TreatmentCycle
    from tests.factories import UserFactory

    own, other = TrialSite.objects.bulk_create(
        TrialSite(code=code, name=f"Bench {code}", city="Shanghai", principal_investigator="PI")
        for code in ("BM00", "BM01")
    )
    UserFactory(username=USERNAME, role=roles.DATA_MANAGER, sites=[own], is_staff=True)
    for site, count in ((own, PATIENTS), (other, OTHER_PATIENTS)):
        patients = Patient.objects.bulk_create(
            Patient(
                site=site,
                site_serial=n,
                screening_number=f"{site.code}-{n:04d}",
                initials="AB",
                sex="MF"[n % 2],
                year_of_birth=1960,
                consent_date=date(2024, 1, 15),
            )
            for n in range(1, count + 1)
        )
        TreatmentCycle.objects.bulk_create(
            (
                TreatmentCycle(
                    patient=patient,
                    cycle_number=number,
                    day1_date=date(2024, 2, 1) + timedelta(days=21 * number),
                    anti_pd1_agent="camrelizumab",
                    anti_pd1_dose_mg=200,
                )
                for patient in patients
                for number in range(1, CYCLES + 1)
            ),
            batch_size=5000,
        )


class ExportForm(HTMLParser):
    """What a browser posts from the export page's form: its hidden inputs, ticked boxes and selects (CSV chosen)."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._options = [], None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "data": []})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name"):
            if attrs.get("type") == "hidden" or (attrs.get("type") == "checkbox" and "checked" in attrs):
                self.forms[-1]["data"].append((attrs["name"], attrs.get("value", "on")))
        elif tag == "select":
            self._select, self._options = attrs["name"], []
        elif tag == "option" and self._select:
            self._options.append([attrs.get("value", ""), "selected" in attrs, ""])

    def handle_data(self, data):
        if self._select and self._options:
            self._options[-1][2] += data.strip()

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if self._select == "format":
                value = next(value for value, _, label in self._options if label.lower() == "csv")
            else:
                value = next((value for value, chosen, _ in self._options if chosen), self._options[0][0])
            self.forms[-1]["data"].append((self._select, value))
            self._select = None


def submit(client, response):
    """Choose CSV on the export page and submit its form as a browser would (no action: the page's own URL)."""
    page = ExportForm()
    page.feed(response.content.decode())
    form = next(form for form in page.forms if any(name == "format" for name, _ in form["data"]))
    data = {}
    for name, value in form["data"]:
        data.setdefault(name, []).append(value)
    query = response.wsgi_request.META.get("QUERY_STRING")
    return client.post(form["action"] or response.wsgi_request.path + (f"?{query}" if query else ""), data)


def measure(label, steps):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = steps()
        elapsed = time.perf_counter() - start
    rows = 0
    if response.status_code == 200 and response["Content-Type"].startswith("text/csv"):
        rows = len(list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))))
    print(
        f"{label:<48} HTTP {response.status_code}  {rows:>6,} rows  {elapsed:6.2f} s  "
        f"{rows / elapsed:>7,.0f} rows/s  {len(queries):>5} queries"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--selected", type=int, default=924, help="rows ticked for the action (default 924)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the database of a previous run")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    if not args.skip_build:
        call_command("migrate", verbosity=0)
        call_command("flush", "--noinput", verbosity=0)
        build()
    setup_test_environment()  # the test client's host, "testserver", is allowed

    from django.contrib.auth import get_user_model

    from crf.models import TreatmentCycle

    client = Client()
    client.force_login(get_user_model().objects.get(username=USERNAME))
    changelist, export_url = "/admin/crf/treatmentcycle/", "/admin/crf/treatmentcycle/export/"
    own = list(TreatmentCycle.objects.filter(patient__site__code="BM00").order_by("-pk").values_list("pk", flat=True))

    def action(query="", **data):
        return submit(client, client.post(changelist + query, {"action": "export_admin_action", "index": 0, **data}))

    measure("Export button (all rows)", lambda: submit(client, client.get(export_url)))
    measure(
        f"action, {args.selected:,} ticked rows",
        lambda: action(_selected_action=[str(pk) for pk in own[: args.selected]]),
    )
    first_page = [str(pk) for pk in own[:100]]
    measure("action, select all across pages", lambda: action(select_across=1, _selected_action=first_page))
    measure(
        "action, select all across, search BM00-01",
        lambda: action("?q=BM00-01", select_across=1, _selected_action=first_page),
    )


if __name__ == "__main__":
    main()
