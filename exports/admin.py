from django.contrib import admin
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.admin import ReadOnlyAdminMixin

from . import views
from .models import ExportRun


@admin.register(ExportRun)
class ExportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The export log, and the pages to export the trial dataset (new, progress, download)."""

    list_display = ["requested_at", "kind", "dataset", "requested_by", "sites", "status", "progress", "file"]
    list_filter = ["kind", "status", "requested_at"]
    date_hierarchy = "requested_at"
    search_fields = ["requested_by__username", "dataset", "sites"]
    list_select_related = ["requested_by"]
    change_list_template = "exports/exportrun_change_list.html"

    def get_queryset(self, request):
        # A run's file holds what its requester may see: each user sees their own exports.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(requested_by=request.user)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("new/", wrap(lambda request: views.new_export(request, self)), name="exports_exportrun_new"),
            path(
                "<int:run_id>/progress/",
                wrap(lambda request, run_id: views.progress(request, self, run_id)),
                name="exports_exportrun_progress",
            ),
            path(
                "<int:run_id>/download/",
                wrap(lambda request, run_id: views.download(request, self, run_id)),
                name="exports_exportrun_download",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("file"))
    def file(self, run):
        if run.kind != ExportRun.Kind.TRIAL:
            return "—"
        if run.ready:
            return format_html('<a href="{}">{}</a>', f"{run.pk}/download/", gettext("Download"))
        return format_html('<a href="{}">{}</a>', f"{run.pk}/progress/", run.get_status_display())
