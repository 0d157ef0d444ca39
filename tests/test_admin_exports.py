"""Data managers export each form from the admin as CSV or XLSX, scoped to their sites."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.services import void
from crf.models import Eligibility, TargetMeasurement, TreatmentCycle, TumourAssessment
from exports.models import ExportRun
from tests.factories import CycleFactory, EligibilityFactory, LesionFactory, PatientFactory


def export(client, model, file_format, pks=(), select_across=False, search=""):
    """What a data manager does: tick rows (or "Select all"), choose "Export", pick the format, keep every column."""
    changelist = reverse(admin_urlname(model._meta, "changelist")) + (f"?q={search}" if search else "")
    response = client.post(
        changelist,
        {
            "action": "export_admin_action",
            "index": 0,
            "select_across": int(select_across),
            "_selected_action": [str(pk) for pk in pks],
        },
    )
    assert response.status_code == 200, response.content[:500]
    form = response.context["form"]
    # The page's hidden inputs name the ticked rows.
    return client.post(response.context["export_url"], form_data(form, file_format, form.initial.get("export_items")))


def post_export(client, model, export_items, query=""):
    """The export form's POST, naming whatever rows (and changelist filters) its sender chose."""
    url = reverse(admin_urlname(model._meta, "export")) + query
    return client.post(url, form_data(client.get(url).context["form"], "csv", export_items))


def form_data(form, file_format, export_items):
    return {
        "format": next(value for value, label in form.fields["format"].choices if label == file_format),
        "resource": form.initial["resource"],
        "export_items": [str(pk) for pk in export_items or []],
        **{name: "on" for name in form.fields if name not in ("format", "resource", "export_items")},
    }


def csv_rows(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv"), response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def cycles_at(site, count, per_patient=25):
    """`count` treatment cycles at `site`, 25 a patient (saved in bulk: the export is under test, not data entry)."""
    cycles = []
    while len(cycles) < count:
        patient = PatientFactory(site=site)
        cycles += [CycleFactory.build(patient=patient, cycle_number=n) for n in range(1, per_patient + 1)]
    return TreatmentCycle.objects.bulk_create(cycles[:count])


@pytest.mark.req("DAT-7")
def test_cycle_export_has_patient_site_codes_labels_and_iso_dates(client, data_manager, site, nurse):
    patient = PatientFactory(site=site)
    cycle = CycleFactory(patient=patient, day1_date="2025-03-12")
    client.force_login(data_manager)
    rows = csv_rows(export(client, TreatmentCycle, "csv", [cycle.pk]))
    assert len(rows) == 1
    row = rows[0]
    assert (row["screening_number"], row["site_code"], row["day1_date"]) == ("SH01-0001", "SH01", "2025-03-12")
    assert (row["anti_pd1_agent"], row["anti_pd1_agent_label"]) == ("camrelizumab", "Camrelizumab")


@pytest.mark.req("DAT-7")
def test_xlsx_export_and_voided_rows_are_flagged(client, data_manager, site, nurse):
    patient = PatientFactory(site=site)
    eligibility = EligibilityFactory(patient=patient)
    void(eligibility, "Entered for the wrong patient", by=nurse)
    client.force_login(data_manager)
    response = export(client, Eligibility, "xlsx", [eligibility.pk])
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert values["screening_number"] == "SH01-0001" and values["voided"] in (1, True, "1")


@pytest.mark.req("I18N-3")
def test_an_export_from_the_admin_in_chinese_has_codes_and_english_labels(client, data_manager, site):
    cycles = cycles_at(site, 30)
    client.force_login(data_manager)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    rows = csv_rows(export(client, TreatmentCycle, "csv", [cycles[0].pk], select_across=True))
    assert len(rows) == 30
    assert {(row["anti_pd1_agent"], row["anti_pd1_agent_label"], row["given_label"]) for row in rows} == {
        ("camrelizumab", "Camrelizumab", "Yes")
    }


@pytest.mark.req("DAT-7", "PERF-6")
def test_select_all_exports_every_row_of_every_page(client, data_manager, site, other_site):
    cycles = cycles_at(site, 2000)
    hidden = cycles_at(other_site, 50)
    client.force_login(data_manager)
    first_page = sorted((cycle.pk for cycle in cycles), reverse=True)[:100]
    rows = csv_rows(export(client, TreatmentCycle, "csv", first_page, select_across=True))
    assert len(rows) == 2000
    assert {row["id"] for row in rows} == {str(cycle.pk) for cycle in cycles}
    assert {row["screening_number"] for row in rows} == {cycle.patient.screening_number for cycle in cycles}
    assert {row["site_code"] for row in rows} == {"SH01"}
    assert not {row["screening_number"] for row in rows} & {cycle.patient.screening_number for cycle in hidden}


@pytest.mark.req("DAT-7")
def test_select_all_after_a_search_exports_the_rows_found(client, data_manager, site):
    found = [cycle.pk for cycle in cycles_at(site, 60) if cycle.patient.screening_number == "SH01-0002"]
    client.force_login(data_manager)
    rows = csv_rows(export(client, TreatmentCycle, "csv", found[:10], select_across=True, search="SH01-0002"))
    assert sorted(int(row["id"]) for row in rows) == sorted(found)
    assert {row["screening_number"] for row in rows} == {"SH01-0002"}
    logged = ExportRun.objects.get()
    assert (logged.filters["changelist_filters"], logged.row_counts) == ("q=SH01-0002", {"crf.TreatmentCycle": 25})


@pytest.mark.req("DAT-7", "PERF-6")
def test_export_of_2000_ticked_rows(client, data_manager, site, settings):
    cycles = cycles_at(site, 2000)
    # A changelist page shows at most 200 rows; the limit is raised only to tick 2,000 of them at once.
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2500
    client.force_login(data_manager)
    rows = csv_rows(export(client, TreatmentCycle, "csv", [cycle.pk for cycle in cycles]))
    assert len(rows) == 2000
    assert {row["screening_number"] for row in rows} == {cycle.patient.screening_number for cycle in cycles}


@pytest.mark.req("SEC-3")
def test_export_cannot_reach_another_site(client, data_manager, other_site):
    other = CycleFactory(patient=PatientFactory(site=other_site))
    client.force_login(data_manager)
    response = post_export(client, TreatmentCycle, [other.pk])
    # Another site's row is not a valid choice: the export form comes back, and no file.
    assert response["Content-Type"].startswith("text/html")
    assert "Select a valid choice" in response.content.decode()
    assert other.patient.screening_number not in response.content.decode()


@pytest.mark.req("SEC-3")
def test_another_site_row_posted_among_own_rows_is_never_exported(client, data_manager, site, other_site):
    own = cycles_at(site, 30)
    other = CycleFactory(patient=PatientFactory(site=other_site))
    client.force_login(data_manager)
    response = post_export(client, TreatmentCycle, [*(cycle.pk for cycle in own), other.pk, "x"])
    assert response["Content-Type"].startswith("text/html")
    assert other.patient.screening_number not in response.content.decode()
    assert not ExportRun.objects.exists()


@pytest.mark.req("SEC-3", "PERF-6")
def test_select_all_filtered_on_another_site_exports_no_row(client, data_manager, site, other_site):
    cycles_at(other_site, 30)
    client.force_login(data_manager)
    response = post_export(client, TreatmentCycle, [], query=f"?patient__site__id__exact={other_site.pk}")
    assert csv_rows(response) == []


def cycles_of(patient):
    return [CycleFactory.build(patient=patient, cycle_number=n) for n in range(1, 11)]


def measurements_of(patient):
    lesion = LesionFactory(patient=patient)
    assessments = TumourAssessment.objects.bulk_create(
        TumourAssessment(
            patient=patient,
            assessment_date=date(2025, 4, 1) + timedelta(weeks=6 * n),
            imaging_method="ct",
            non_target_status="non_cr_non_pd",
            overall_response="SD",
        )
        for n in range(10)
    )
    return [TargetMeasurement(assessment=assessment, lesion=lesion, diameter_mm=18) for assessment in assessments]


@pytest.mark.req("PERF-4", "PERF-6")
@pytest.mark.parametrize(("model", "rows_of"), [(TreatmentCycle, cycles_of), (TargetMeasurement, measurements_of)])
def test_export_queries_do_not_grow_with_rows(client, data_manager, site, model, rows_of):
    client.force_login(data_manager)
    queries = {}
    for count in (20, 200):
        patients = [PatientFactory(site=site) for _ in range(count // 10)]
        rows = model.objects.bulk_create([row for patient in patients for row in rows_of(patient)])
        with CaptureQueriesContext(connection) as captured:
            assert len(csv_rows(export(client, model, "csv", [row.pk for row in rows]))) == count
        queries[count] = len(captured)
    assert queries[200] == queries[20]
