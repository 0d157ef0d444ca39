"""The export pages: a data manager asks for the trial ZIP, follows its progress, downloads it.

They are admin views (wrapped by ExportRunAdmin.get_urls), because data managers work in the admin.
"""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from esotrial.celery import enqueue

from . import services, tasks
from .forms import TrialExportForm
from .models import ExportRun


def new_export(request, model_admin):
    if not request.user.has_perm("exports.export_trial_dataset"):
        raise PermissionDenied
    # Not `request.POST or None`: a POST with no site ticked (= all sites) is an empty QueryDict.
    form = TrialExportForm(request.user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        cutoff = form.cleaned_data["data_cutoff"]
        run = ExportRun.objects.create(
            kind=ExportRun.Kind.TRIAL,
            requested_by=request.user,
            dataset="Trial dataset",
            sites=",".join(form.site_codes()),
            filters={
                "sites": form.site_codes() or "all visible",
                "data_cutoff": cutoff.isoformat() if cutoff else None,
            },
        )
        if services.patients_for(run).count() <= settings.EXPORT_DIRECT_MAX_PATIENTS:
            run = services.run_export(run.pk)
            if run.ready:
                return download_response(run)
            messages.error(request, gettext("The export failed: %(error)s") % {"error": run.error})
            return redirect(reverse("admin:exports_exportrun_progress", args=[run.pk]))
        transaction.on_commit(lambda: queue(run.pk))
        return redirect(reverse("admin:exports_exportrun_progress", args=[run.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": ExportRun._meta,
        "title": gettext("Export trial dataset"),
        "form": form,
        "direct_max": settings.EXPORT_DIRECT_MAX_PATIENTS,
    }
    return TemplateResponse(request, "exports/new_export.html", context)


def queue(run_id):
    """After commit, so the worker finds the run. A broker outage fails the run visibly."""
    if not enqueue(tasks.build_trial_export, run_id):
        ExportRun.objects.filter(pk=run_id, status=ExportRun.Status.QUEUED).update(
            status=ExportRun.Status.FAILED,
            error="The task queue could not be reached; nothing was exported. Please try again later.",
            finished_at=timezone.now(),
        )


def progress(request, model_admin, run_id):
    run = get_object_or_404(model_admin.get_queryset(request), pk=run_id)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": ExportRun._meta,
        "title": gettext("Trial dataset export #%(number)s") % {"number": run.pk},
        "run": run,
        "refresh": run.status in (ExportRun.Status.QUEUED, ExportRun.Status.RUNNING),
    }
    return TemplateResponse(request, "exports/progress.html", context)


def download(request, model_admin, run_id):
    run = get_object_or_404(model_admin.get_queryset(request), pk=run_id, kind=ExportRun.Kind.TRIAL)
    if not run.ready:
        raise Http404("This export has no file (yet).")
    return download_response(run)


def download_response(run):
    path = Path(settings.EXPORT_ROOT) / run.file_name
    if not path.is_file():
        raise Http404("The export file is no longer on the server; please export again.")
    ExportRun.objects.filter(pk=run.pk).update(downloads=F("downloads") + 1, last_downloaded_at=timezone.now())
    return FileResponse(path.open("rb"), as_attachment=True, filename=run.file_name, content_type="application/zip")
