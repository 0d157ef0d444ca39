"""Every export is logged (who, when, which, filters) and visible in the admin; files go to their requester."""

from django.urls import reverse

from exports.models import ExportRun
from tests.factories import CycleFactory, PatientFactory, UserFactory

from .conftest import export_zip


def test_per_form_admin_export_is_logged(client, data_manager, site):
    cycle = CycleFactory(patient=PatientFactory(site=site))
    client.force_login(data_manager)
    url = reverse("admin:crf_treatmentcycle_changelist")
    form = client.post(url, {"action": "export_admin_action", "_selected_action": [cycle.pk]}).context["form"]
    data = {
        "format": next(value for value, label in form.fields["format"].choices if label == "csv"),
        "resource": form.initial["resource"],
        "export_items": [cycle.pk],
        **{name: "on" for name in form.fields if name not in ("format", "resource", "export_items")},
    }
    assert client.post(reverse("admin:crf_treatmentcycle_export"), data).status_code == 200
    run = ExportRun.objects.get()
    assert (run.kind, run.dataset, run.requested_by, run.sites) == ("form", "treatment cycles", data_manager, "SH01")
    assert run.row_counts == {"crf.TreatmentCycle": 1} and run.filters["format"] == "csv"


def test_export_log_lists_own_exports_with_a_download_link(client, trial, data_manager):
    client.force_login(data_manager)
    export_zip(client)
    page = client.get(reverse("admin:exports_exportrun_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Export trial dataset" in html and "Download" in html and "datamanager.sh01" in html


def test_only_the_requester_downloads_an_export(client, trial, data_manager, site):
    client.force_login(data_manager)
    export_zip(client)
    run = ExportRun.objects.get()
    colleague = UserFactory(username="datamanager2.sh01", role="Data manager", sites=[site], is_staff=True)
    client.force_login(colleague)
    assert client.get(reverse("admin:exports_exportrun_download", args=[run.pk])).status_code == 404
    assert client.get(reverse("admin:exports_exportrun_progress", args=[run.pk])).status_code == 404
    assert run.pk not in [
        r.pk for r in client.get(reverse("admin:exports_exportrun_changelist")).context["cl"].result_list
    ]


def test_export_log_is_read_only(client, trial, data_manager):
    client.force_login(data_manager)
    export_zip(client)
    run = ExportRun.objects.get()
    assert client.post(reverse("admin:exports_exportrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
    assert ExportRun.objects.filter(pk=run.pk).exists()


def test_old_export_files_are_deleted_and_the_log_kept(client, trial, data_manager, settings):
    from datetime import timedelta
    from pathlib import Path

    from django.utils import timezone

    from exports.services import purge_old_export_files

    client.force_login(data_manager)
    export_zip(client)
    run = ExportRun.objects.get()
    path = Path(settings.EXPORT_ROOT) / run.file_name
    assert path.is_file()
    assert purge_old_export_files(now=timezone.now() + timedelta(days=settings.EXPORT_RETENTION_DAYS - 1)) == 0
    assert purge_old_export_files(now=timezone.now() + timedelta(days=settings.EXPORT_RETENTION_DAYS + 1)) == 1
    assert not path.exists()
    run.refresh_from_db()
    assert run.file_name == "" and "deleted" in run.step
    assert client.get(reverse("admin:exports_exportrun_download", args=[run.pk])).status_code == 404
