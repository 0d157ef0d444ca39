"""A user's patients as every patient page needs them: scoped, with derived status and due dates."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import eligibility as eligibility_rules
from . import schedule
from .models import FollowUp, MetastaticLesion, Patient, TreatmentCycle, TumourAssessment
from .status import Facts, Status, patient_status


def patients_visible_to(user):
    """The user's patients with what status and due dates need, in a constant number of queries."""
    live = {"voided": False}
    return (
        Patient.objects.visible_to(user)
        .select_related("site", "eligibility__confirmed_by", "baseline", "allocation", "end_of_treatment", "off_study")
        .prefetch_related(
            Prefetch("lesions", MetastaticLesion.objects.filter(**live).order_by("id"), to_attr="live_lesions"),
            Prefetch("cycles", TreatmentCycle.objects.filter(**live).order_by("cycle_number"), to_attr="live_cycles"),
            Prefetch(
                "assessments",
                TumourAssessment.objects.filter(**live).order_by("assessment_date"),
                to_attr="live_assessments",
            ),
            Prefetch("follow_ups", FollowUp.objects.filter(**live).order_by("contact_date"), to_attr="live_follow_ups"),
        )
    )


def get_patient_or_404(request, screening_number):
    """Every patient URL starts here: another site's patient does not exist for this user.

    The patient comes with its derived status, which the header of every patient page shows.
    """
    patient = get_object_or_404(patients_visible_to(request.user), screening_number=screening_number)
    return with_status([patient])[0]


def one_to_one(patient, name):
    try:
        record = getattr(patient, name)
    except ObjectDoesNotExist:
        return None
    return None if getattr(record, "voided", False) else record


def with_status(patients):
    """Attach the derived status and what is due next to each patient (prefetched by patients_visible_to)."""
    today = timezone.localdate()
    for patient in patients:
        eligibility = one_to_one(patient, "eligibility")
        allocation = one_to_one(patient, "allocation")
        end = one_to_one(patient, "end_of_treatment")
        patient.eligibility_assessment = (
            eligibility_rules.assess(eligibility, patient.live_lesions, patient) if eligibility else None
        )
        given = [c.day1_date for c in patient.live_cycles if c.given]
        patient.status = patient_status(
            Facts(
                eligibility=eligibility,
                assessment=patient.eligibility_assessment,
                randomized=allocation is not None,
                cycle_given=bool(given),
                treatment_ended=end is not None,
                off_study=one_to_one(patient, "off_study") is not None,
            )
        )
        due = []
        if allocation and patient.status in (Status.RANDOMIZED, Status.ON_TREATMENT, Status.FOLLOW_UP):
            due.append(schedule.next_cycle_due([c.day1_date for c in patient.live_cycles], end is not None))
            if not any(a.overall_response == "PD" for a in patient.live_assessments):
                # Imaging follows the patient to progression, the PFS event; not beyond.
                due.append(
                    schedule.next_imaging_due(
                        allocation.randomized_on,
                        min(given, default=None),
                        [a.assessment_date for a in patient.live_assessments],
                        end.end_date if end else None,
                    )
                )
            if end:
                due.append(schedule.next_follow_up_due(end.end_date, [f.contact_date for f in patient.live_follow_ups]))
        patient.due = [(item, item.state(today)) for item in sorted(filter(None, due), key=lambda d: d.window.planned)]
    return patients
