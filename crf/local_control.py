"""Local control of each treated lesion (PROTOCOL.md, Endpoint details), read from the database in a
constant number of queries and derived by crf.endpoints.local_control: the trial export's
`local_control` dataset and the summary's 12-month rate both come from here."""

from collections import defaultdict
from dataclasses import dataclass

from esotrial import protocol

from . import endpoints, recist
from .models import LocalIntervention, MetastaticLesion, NonTargetStatus, TargetMeasurement

CHUNK = 2000


@dataclass(frozen=True)
class TreatedLesion:
    patient_id: int
    lesion_label: str
    organ: str
    target: bool
    intervention: object  # the lesion's first live LocalIntervention
    outcome: endpoints.TimeToEvent


def treated_lesions(patients, cutoff=None):
    """Every live lesion of `patients` with a live local intervention, with its local-control outcome.

    Time runs from the start of the lesion's first intervention on or before the cut-off.
    """
    lesions = MetastaticLesion.objects.filter(patient__in=patients, voided=False, patient__voided=False)
    first = {}
    interventions = LocalIntervention.objects.filter(lesion__in=lesions, voided=False).order_by("start_date", "id")
    if cutoff:
        interventions = interventions.filter(start_date__lte=cutoff)
    for intervention in interventions.iterator(chunk_size=CHUNK):
        first.setdefault(intervention.lesion_id, intervention)
    treated = lesions.filter(pk__in=interventions.values("lesion_id"))
    observations = defaultdict(list)
    measurements = TargetMeasurement.objects.filter(lesion__in=treated, assessment__voided=False).values_list(
        "lesion_id", "lesion__organ", "assessment__assessment_date", "diameter_mm", "too_small"
    )
    for lesion_id, organ, on, diameter, too_small in measurements.iterator(chunk_size=CHUNK):
        measurement = recist.Measurement(recist.is_nodal(organ), diameter, too_small)
        observations[lesion_id].append(endpoints.LesionObservation(on, measurement=measurement))
    statuses = NonTargetStatus.objects.filter(lesion__in=treated, assessment__voided=False).values_list(
        "lesion_id", "assessment__assessment_date", "status"
    )
    for lesion_id, on, status in statuses.iterator(chunk_size=CHUNK):
        observations[lesion_id].append(endpoints.LesionObservation(on, status=status))
    for lesion in treated.order_by("patient__site__code", "patient__site_serial", "label"):
        intervention = first[lesion.pk]
        seen = observations[lesion.pk]
        before = [o for o in seen if o.on <= intervention.start_date and o.measurement and o.measurement.value]
        reference = max(before, key=lambda o: o.on).measurement.value if before else lesion.baseline_mm
        outcome = endpoints.local_control(intervention.start_date, seen, reference, cutoff)
        yield TreatedLesion(lesion.patient_id, lesion.label, lesion.organ, lesion.target_lesion, intervention, outcome)


def rate_at(treated, months=None):
    """Kaplan–Meier local-control rate at `months` [default 12] over treated lesions."""
    months = protocol.LOCAL_CONTROL_RATE_MONTHS.value if months is None else months
    return endpoints.kaplan_meier_at([lesion.outcome for lesion in treated], months)
