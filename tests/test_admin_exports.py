"""Data managers export each form from the admin as CSV or XLSX, scoped to their sites."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from audit.services import void
from tests.factories import CycleFactory, EligibilityFactory, PatientFactory


def export(client, model, pks, file_format):
    """What a data manager does: select rows, choose "Export", pick the format, keep every column."""
    url = reverse(f"admin:crf_{model}_changelist")
    response = client.post(url, {"action": "export_admin_action", "_selected_action": [str(pk) for pk in pks]})
    form = response.context["form"]
    data = {
        "format": next(value for value, label in form.fields["format"].choices if label == file_format),
        "resource": form.initial["resource"],
        "export_items": [str(pk) for pk in pks],
        **{name: "on" for name in form.fields if name not in ("format", "resource", "export_items")},
    }
    return client.post(reverse(f"admin:crf_{model}_export"), data)


@pytest.mark.req("DAT-7")
def test_cycle_export_has_patient_site_codes_labels_and_iso_dates(client, data_manager, site, nurse):
    patient = PatientFactory(site=site)
    cycle = CycleFactory(patient=patient, day1_date="2025-03-12")
    client.force_login(data_manager)
    response = export(client, "treatmentcycle", [cycle.pk], "csv")
    assert response.status_code == 200, response.content[:500]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
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
    response = export(client, "eligibility", [eligibility.pk], "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert values["screening_number"] == "SH01-0001" and values["voided"] in (1, True, "1")


@pytest.mark.req("SEC-3")
def test_export_cannot_reach_another_site(client, data_manager, other_site):
    other = CycleFactory(patient=PatientFactory(site=other_site))
    client.force_login(data_manager)
    response = export(client, "treatmentcycle", [other.pk], "csv")
    # Another site's row is not a valid choice: the export form comes back, and no file.
    assert response["Content-Type"].startswith("text/html")
    assert "Select a valid choice" in response.content.decode()
    assert other.patient.screening_number not in response.content.decode()
