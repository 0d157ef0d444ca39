"""A large trial's export is built by a Celery worker on Redis, with progress and a download when ready."""

import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from esotrial.celery import app as celery_app
from exports import views
from exports.models import ExportRun

from .conftest import TrialZip


@pytest.mark.django_db(transaction=True)
def test_large_export_runs_on_a_worker_with_progress_and_download(client, trial, trial_data_manager, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    settings.EXPORT_DIRECT_MAX_PATIENTS = 1  # 3 patients: "large"
    client.force_login(trial_data_manager)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        response = client.post(reverse("admin:exports_exportrun_new"), {})
        run = ExportRun.objects.get()
        assert response.status_code == 302 and response["Location"].endswith(f"/{run.pk}/progress/")
        progress = client.get(response["Location"])
        assert progress.context["run"].status in ("queued", "running", "done")
        deadline = time.monotonic() + 60
        while run.status not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.3)
            run.refresh_from_db()
    assert (run.status, run.progress, run.error) == ("done", 100, "")
    page = client.get(reverse("admin:exports_exportrun_progress", args=[run.pk]))
    assert b'data-status="done"' in page.content and b"Download" in page.content
    assert b'http-equiv="refresh"' not in page.content  # it stops refreshing once ready
    download = client.get(reverse("admin:exports_exportrun_download", args=[run.pk]))
    exported = TrialZip(b"".join(download.streaming_content))
    assert len(exported.csv("patients.csv")) == 3


@pytest.mark.django_db(transaction=True)
def test_export_fails_visibly_when_the_queue_is_down(client, trial, trial_data_manager, settings, monkeypatch):
    settings.EXPORT_DIRECT_MAX_PATIENTS = 1
    dead = Celery("dead", broker="redis://127.0.0.1:1/0")  # nothing listens on port 1
    dead.conf.broker_connection_timeout = 1

    @dead.task(name="dead.export")
    def export_on_dead_broker(run_id):
        return None

    monkeypatch.setattr(views.tasks, "build_trial_export", export_on_dead_broker)
    client.force_login(trial_data_manager)
    response = client.post(reverse("admin:exports_exportrun_new"), {})
    assert response.status_code == 302
    run = ExportRun.objects.get()
    assert run.status == "failed" and "could not be reached" in run.error
    assert b"could not be reached" in client.get(response["Location"]).content
