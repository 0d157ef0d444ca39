from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RandomizationConfig(AppConfig):
    name = "randomization"
    verbose_name = _("Randomization")

    def ready(self):
        from crf import derived

        from .models import Allocation

        derived.watch(Allocation, lambda row: row.patient_id)  # the patient's status and visit plan read it
