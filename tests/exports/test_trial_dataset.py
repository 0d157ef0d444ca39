"""A data manager downloads the trial ZIP and reads it back: every format equals the database."""

import hashlib
import json
import math
from datetime import date, datetime

import pandas as pd
import pyreadstat
import pytest
from django.urls import reverse

from audit.services import void
from crf.models import Patient, TreatmentCycle
from exports.datasets import form_datasets
from exports.models import ExportRun
from randomization.models import Allocation

from .conftest import TrialZip, export_zip

DATASETS = [dataset.name for dataset in form_datasets()]


@pytest.fixture
def exported(client, trial, trial_data_manager):
    client.force_login(trial_data_manager)
    return export_zip(client)


def test_zip_holds_every_form_in_every_format_with_dictionary_audit_trail_and_manifest(exported):
    names = exported.names()
    for dataset in DATASETS:
        assert f"{dataset}.csv" in names
        for path in (f"sas/{dataset}.xpt", f"spss/{dataset}.sav", f"stata/{dataset}.dta"):
            assert path in names
    for path in ("data_dictionary.csv", "audit_trail.csv", "manifest.json", "sas/formats.sas"):
        assert path in names


def test_csv_rows_equal_the_database(exported, trial):
    cycles = exported.csv("cycles.csv")
    expected = [
        (
            c.patient.screening_number,
            str(c.cycle_number),
            c.day1_date.isoformat(),
            str(c.anti_pd1_dose_mg),
            str(int(c.voided)),
        )
        for c in TreatmentCycle.objects.select_related("patient").order_by("patient__screening_number", "cycle_number")
    ]
    actual = sorted(
        zip(
            cycles.screening_number,
            cycles.cycle_number,
            cycles.day1_date,
            cycles.anti_pd1_dose_mg,
            cycles.voided,
            strict=True,
        )
    )
    assert actual == sorted(expected)
    assert set(cycles.anti_pd1_agent_label) == {"Camrelizumab"}
    assert list(exported.csv("patients.csv").screening_number) == list(
        Patient.objects.order_by("site__code", "site_serial").values_list("screening_number", flat=True)
    )
    ae = exported.csv("adverse_events.csv")
    assert set(ae.ctcae_term) == {"Pneumonitis"} and set(ae.grade) == {"3", "2"}


def test_voided_rows_are_exported_and_flagged(exported, trial):
    cycles = exported.csv("cycles.csv")
    voided = cycles[cycles.voided == "1"]
    assert list(voided.cycle_number) == ["3"] and list(voided.void_reason) == ["Entered twice"]
    assert list(voided.voided_by) == ["nurse.sh01"]


def normalise(value):
    """One comparable form for a value read from CSV, XPT, SAV or DTA."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT or value == "":
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return round(float(value), 6)
    try:
        return round(float(value), 6)
    except ValueError:
        return str(value).removesuffix("Z")


def frame_values(frame, columns):
    return [[normalise(value) for value in row] for row in frame[columns].itertuples(index=False)]


def test_sas_spss_and_stata_files_equal_the_csv(exported, tmp_path):
    dictionary = exported.csv("data_dictionary.csv")
    for dataset in DATASETS:
        variables = dictionary[dictionary.dataset == dataset]
        expected = frame_values(exported.csv(f"{dataset}.csv"), list(variables.variable))
        sav, _ = pyreadstat.read_sav(exported.extract(f"spss/{dataset}.sav", tmp_path))
        dta, _ = pyreadstat.read_dta(exported.extract(f"stata/{dataset}.dta", tmp_path))
        xpt, _ = pyreadstat.read_xport(exported.extract(f"sas/{dataset}.xpt", tmp_path))
        assert frame_values(sav, list(variables.variable)) == expected, dataset
        assert frame_values(dta, list(variables.stata_name)) == expected, dataset
        assert frame_values(xpt, list(variables.sas_name)) == expected, dataset
        assert len(expected) > 0, dataset  # every form has rows in this trial: nothing compared empty


def test_pandas_reads_every_format(exported, tmp_path):
    cycles = exported.csv("cycles.csv")
    assert len(pd.read_sas(exported.extract("sas/cycles.xpt", tmp_path), format="xport", encoding="utf-8")) == len(
        cycles
    )
    assert len(pd.read_spss(exported.extract("spss/cycles.sav", tmp_path))) == len(cycles)
    stata = pd.read_stata(exported.extract("stata/adverse_events.dta", tmp_path))
    assert set(stata["grade"].astype(str)) == {"Grade 3", "Grade 2"}  # value labels applied by pandas


def test_variable_and_value_labels_are_in_the_files(exported, tmp_path):
    _, xpt = pyreadstat.read_xport(exported.extract("sas/cycles.xpt", tmp_path))
    assert xpt.table_name == "CYCLES"
    assert xpt.column_names_to_labels["DAY1DATE"] == "Day 1 (date given or due)"
    _, sav = pyreadstat.read_sav(exported.extract("spss/adverse_events.sav", tmp_path))
    assert sav.column_names_to_labels["relationship_to_anti_pd1"] == "Relationship to anti pd1"
    assert sav.variable_value_labels["relationship_to_anti_pd1"]["probable"] == "Probable"
    assert sav.variable_value_labels["serious"] == {1: "Yes", 0: "No"}
    _, dta = pyreadstat.read_dta(exported.extract("stata/adverse_events.dta", tmp_path))
    assert dta.variable_value_labels["grade"][3] == "Grade 3"
    formats = exported.read("sas/formats.sas").decode()
    assert "'probable'='Probable'" in formats and "data AE; set xptin.AE;" in formats


@pytest.mark.req("DAT-9")
def test_dictionary_describes_every_column_with_codes_and_units(exported):
    dictionary = exported.csv("data_dictionary.csv")
    for dataset in DATASETS:
        assert list(exported.csv(f"{dataset}.csv").columns) == list(dictionary[dictionary.dataset == dataset].variable)
    rows = dictionary.set_index(["dataset", "variable"])
    assert rows.loc[("patients", "sex"), "codes"] == "M=Male | F=Female"
    assert rows.loc[("local_interventions", "total_dose_gy"), "unit"] == "Gy"
    assert rows.loc[("analysis", "pfs_months"), "type"] == "number"
    assert all(len(name) <= 8 for name in dictionary.sas_name)


@pytest.mark.req("P11-AUD-8")
def test_audit_trail_has_every_change_with_who_when_old_new_and_reason(exported):
    audit = exported.csv("audit_trail.csv")
    edit = audit[(audit.model == "TreatmentCycle") & (audit.field == "anti_pd1_dose_mg")]
    assert list(zip(edit.old, edit.new, edit.user, edit.reason, strict=True)) == [
        ("200.0", "240.0", "nurse.sh01", "Dose misread from the prescription")
    ]
    voids = audit[(audit.action == "Voided") & (audit.field == "voided")]
    assert list(voids.reason) == ["Voided: Entered twice"]
    assert set(audit.action) >= {"Created", "Changed", "Voided"}
    assert all(t.endswith("Z") for t in audit.time)


def test_manifest_gives_user_version_counts_and_checksums(exported, trial_data_manager):
    manifest = json.loads(exported.read("manifest.json"))
    assert manifest["exported_by"] == "datamanager" and manifest["app_version"]
    files = {entry["path"]: entry for entry in manifest["files"]}
    assert set(files) == set(exported.names()) - {"manifest.json"}
    for path, entry in files.items():
        assert hashlib.sha256(exported.read(path)).hexdigest() == entry["sha256"]
    assert files["cycles.csv"]["rows"] == TreatmentCycle.objects.count()
    run = ExportRun.objects.get(kind=ExportRun.Kind.TRIAL)
    assert (run.requested_by, run.status, run.downloads) == (trial_data_manager, "done", 1)
    assert run.row_counts["patients.csv"] == 3


def test_analysis_dataset_derives_pfs_os_and_summaries(exported, trial):
    analysis = exported.csv("analysis.csv").set_index("screening_number")
    progressed = analysis.loc[trial["progressed"].screening_number]
    # FDA 2018: PD on 08-04 comes after two missed scheduled assessments (week-6 CT 04-21; the next
    # were due 06-02 ± 7 and 07-14 ± 7 days): censored at 04-21 (42 days, 1.38 months), CNSR 3; the
    # sensitivity PFS counts the PD (147 days / 30.4375 = 4.83 months).
    assert (progressed.pfs_cnsr, progressed.pfs_date, progressed.pfs_months) == ("3", "2025-04-21", "1.38")
    assert (progressed.pfs_sens_event, progressed.pfs_sens_date, progressed.pfs_sens_months) == (
        "1",
        "2025-08-04",
        "4.83",
    )
    assert (progressed.os_event, progressed.os_date) == ("1", "2025-12-01")
    assert (progressed.worst_ae_grade, progressed.any_sae, progressed.local_radiotherapy) == ("3", "1", "1")
    censored = analysis.loc[trial["censored"].screening_number]
    # the PR assessment at week 6, before the palliative RT of 05-01 (new anticancer therapy): CNSR 2
    assert (censored.pfs_event, censored.pfs_cnsr, censored.pfs_date) == ("0", "2", "2025-04-21")
    assert (censored.os_event, censored.os_date) == ("0", "2025-05-14")  # cycle 4, the last seen alive
    assert (censored.cycles_received, censored.worst_ae_grade, censored.arm) == ("3", "0", "systemic")
    assert censored.strat_lesion_count == "2-4"


def test_analysis_has_one_row_per_allocation_even_for_a_voided_patient(client, trial, trial_data_manager, nurse):
    # Voided before randomized patients could no longer be: the patient stays in the ITT analysis.
    void(trial["censored"], "Voided before the ITT rule", by=nurse)
    client.force_login(trial_data_manager)
    analysis = export_zip(client).csv("analysis.csv")
    assert len(analysis) == Allocation.objects.count() == 3
    assert trial["censored"].screening_number in set(analysis.screening_number)


def test_data_cutoff_local_control_and_cnsr_codes_are_in_the_zip(client, trial, trial_data_manager):
    client.force_login(trial_data_manager)
    response = client.post(reverse("admin:exports_exportrun_new"), {"data_cutoff": "2025-06-30"})
    exported = TrialZip(b"".join(response.streaming_content))
    analysis = exported.csv("analysis.csv").set_index("screening_number")
    progressed = analysis.loc[trial["progressed"].screening_number]
    # Cut-off 06-30: the PD of 08-04 and the death of 12-01 are not used. Alive without progression,
    # censored at the week-6 assessment of 04-21 (CNSR 4); OS not an event.
    assert (progressed.data_cutoff, progressed.pfs_cnsr, progressed.pfs_date) == ("2025-06-30", "4", "2025-04-21")
    assert progressed.os_event == "0" and progressed.os_date <= "2025-06-30"
    # Local control of L1: SBRT from 04-09 (randomization + 30 days); 11.5 mm on 04-21, below its
    # 18 mm before treatment: censored at that assessment, 12 days (0.39 months), CNSR 1.
    local = exported.csv("local_control.csv").set_index("screening_number")
    lesion = local.loc[trial["progressed"].screening_number]
    assert (lesion.lesion_label, lesion.modality, lesion.lc_start, lesion.lc_date) == (
        "L1",
        "radiotherapy",
        "2025-04-09",
        "2025-04-21",
    )
    assert (lesion.lc_days, lesion.lc_months, lesion.lc_cnsr) == ("12", "0.39", "1")
    dictionary = exported.csv("data_dictionary.csv")
    codes = dictionary[(dictionary.dataset == "analysis") & (dictionary.variable == "pfs_cnsr")].codes.item()
    assert "two or more missed scheduled assessments" in codes and "New anticancer therapy" in codes
    assert "local_control" in set(dictionary.dataset)
    manifest = json.loads(exported.read("manifest.json"))
    assert manifest["data_cutoff"]["date"] == "2025-06-30"


@pytest.mark.req("P11-SIG-7")
def test_signatures_csv_holds_each_signature_with_its_printed_name_and_status(client, trial, trial_data_manager):
    from safety.models import AdverseEvent

    ae = AdverseEvent.objects.filter(patient=trial["progressed"]).order_by("pk").first()
    AdverseEvent.objects.filter(pk=ae.pk).update(grade=2)  # changed outside the eCRF after signing
    client.force_login(trial_data_manager)
    signatures = export_zip(client).csv("signatures.csv")
    (row,) = signatures.itertuples()
    assert (row.screening_number, row.adverse_event_id, row.signer, row.printed_name) == (
        trial["progressed"].screening_number,
        str(ae.pk),
        "investigator.sh01",
        "Li Investigator",
    )
    assert row.signed_at.endswith("Z") and len(row.values_hash) == 64 and row.hash_version == "2"
    assert (row.status, row.invalidated_because) == (
        "invalidated",
        "The signed values (or the CTCAE text shown) changed after signing.",
    )


@pytest.mark.req("P11-ID-5")
def test_accounts_audit_and_the_exporters_names_are_in_the_zip(client, trial, trial_data_manager):
    from django.contrib.auth.models import Group

    from accounts import roles

    trial_data_manager.first_name, trial_data_manager.last_name = "Xin", "Gao"
    trial_data_manager.save()
    investigator = trial["progressed"].site.members.get(username="investigator.sh01")
    investigator.groups.add(Group.objects.get(name=roles.MONITOR))  # a role change, by "system"
    client.force_login(trial_data_manager)
    exported = export_zip(client)
    accounts = exported.csv("accounts_audit.csv")
    added = accounts[(accounts.account == "investigator.sh01") & (accounts.action == "role_added")]
    assert list(added.new) == [roles.INVESTIGATOR, roles.MONITOR]
    manifest = json.loads(exported.read("manifest.json"))
    assert (manifest["exported_by"], manifest["exported_by_printed_name"]) == ("datamanager", "Xin Gao")
    run = ExportRun.objects.latest("pk")
    assert (run.requested_by_username, run.requested_by_printed_name) == ("datamanager", "Xin Gao")
