from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrfConfig(AppConfig):
    name = "crf"
    verbose_name = _("Case report forms")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import derived
        from .models import (
            Baseline,
            Eligibility,
            EndOfTreatment,
            FollowUp,
            LocalIntervention,
            MetastaticLesion,
            OffStudy,
            Patient,
            TreatmentCycle,
            TumourAssessment,
        )

        # Every form the status, the eligibility assessment or the visit plan reads.
        derived.watch(Patient, lambda row: row.pk)
        for model in (
            Eligibility,
            Baseline,
            MetastaticLesion,
            TreatmentCycle,
            TumourAssessment,
            FollowUp,
            EndOfTreatment,
            OffStudy,
        ):
            derived.watch(model, lambda row: row.patient_id)
        derived.watch(LocalIntervention, lambda row: row.lesion.patient_id)
        post_migrate.connect(derived.fill_missing, sender=self)
