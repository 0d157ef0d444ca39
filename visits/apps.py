from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visit schedule and reminders")

    def ready(self):
        from crf import derived

        from .models import MissedVisit

        derived.watch(MissedVisit, lambda row: row.patient_id)  # the visit plan reads it
