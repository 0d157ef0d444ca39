"""The export costs the same number of queries for 3 patients as for 9 with more cycles and AEs."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports.models import ExportRun
from exports.services import build_trial_export, patients_for

from .conftest import build_course


def export_queries(user):
    run = ExportRun.objects.create(kind="trial", requested_by=user, dataset="Trial dataset")
    with CaptureQueriesContext(connection) as queries:
        build_trial_export(run, patients_for(run))
    return len(queries.captured_queries)


def test_export_queries_do_not_grow_with_patients_cycles_or_aes(
    trial, trial_data_manager, site, other_site, investigator
):
    small = export_queries(trial_data_manager)
    for n in range(6):
        build_course(site if n % 2 else other_site, investigator, cycles=8, aes=3)
    # one query per dataset and per audited table, and the progress updates: none per row
    assert export_queries(trial_data_manager) == small <= 75
