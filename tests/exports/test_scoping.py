"""A data manager's export holds their sites only, and never the allocation list's future slots."""

import pytest
from django.urls import reverse

from crf.status import Status
from exports.models import ExportRun
from randomization.models import Allocation
from randomization.services import allocate, generate_list
from tests.factories import make_eligible_patient

from .conftest import export_zip

PATIENT_DATASETS = ["patients", "lesions", "cycles", "local_interventions", "adverse_events", "analysis"]


def test_site_data_manager_exports_only_that_site(client, trial, data_manager):
    client.force_login(data_manager)  # SH01 only
    exported = export_zip(client)
    for dataset in PATIENT_DATASETS:
        assert set(exported.csv(f"{dataset}.csv").site_code) == {"SH01"}, dataset
    assert set(exported.csv("audit_trail.csv").site_code) == {"SH01"}
    assert trial["elsewhere"].screening_number.encode() not in b"".join(
        exported.read(name) for name in exported.names() if name.endswith((".csv", ".json"))
    )
    assert ExportRun.objects.get().row_counts["patients.csv"] == 2


def test_another_sites_data_cannot_be_asked_for(client, trial, data_manager, other_site):
    client.force_login(data_manager)
    response = client.post(reverse("admin:exports_exportrun_new"), {"sites": [other_site.pk]})
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["sites"])
    assert not ExportRun.objects.exists()


def test_trial_data_manager_can_narrow_the_export_to_one_site(client, trial, trial_data_manager, other_site):
    client.force_login(trial_data_manager)
    exported = export_zip(client, sites=[other_site])
    assert set(exported.csv("patients.csv").screening_number) == {trial["elsewhere"].screening_number}
    assert ExportRun.objects.get().filters == {"sites": ["HZ01"], "data_cutoff": None}


@pytest.mark.parametrize("user_fixture", ["nurse", "investigator", "monitor"])
def test_site_roles_cannot_export(client, request, trial, user_fixture):
    user = request.getfixturevalue(user_fixture)
    user.is_staff = True  # even with admin access
    user.save()
    client.force_login(user)
    assert client.post(reverse("admin:exports_exportrun_new")).status_code == 403
    assert not ExportRun.objects.exists()


def test_export_leaves_out_the_list_and_future_allocations(client, site, investigator, trial_data_manager):
    randomization_list, _ = generate_list("export-seed", 6, "test")
    patient = make_eligible_patient(site, investigator)
    allocate(patient, investigator, status=Status.ELIGIBLE)
    client.force_login(trial_data_manager)
    exported = export_zip(client)
    assert not [name for name in exported.names() if "slot" in name or "list" in name]
    randomization = exported.csv("randomization.csv")
    assert list(randomization.screening_number) == [patient.screening_number]
    assert not {"slot", "slot_id", "block_number", "block_size", "sequence"} & set(randomization.columns)
    audit = exported.csv("audit_trail.csv")
    assert "AllocationSlot" not in set(audit.model) and "slot" not in set(audit.field)
    used = Allocation.objects.get().slot
    free = randomization_list.slots.exclude(pk=used.pk)
    assert free.exists()
    everything = b"".join(exported.read(name) for name in exported.names())
    assert b"block_number" not in everything and b"block_size" not in everything
