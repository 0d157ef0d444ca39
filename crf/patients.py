"""A user's patients as every patient page needs them: scoped, with derived status and due dates."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import eligibility as eligibility_rules
from . import schedule
from .models import FollowUp, LocalIntervention, MetastaticLesion, Patient, TreatmentCycle, TumourAssessment
from .status import Facts, Status, patient_status


def patients_visible_to(user):
    """The user's patients with what status and due dates need, in a constant number of queries."""
    return with_course_data(Patient.objects.visible_to(user))


def with_course_data(patients):
    """Prefetch what with_status() and the visit plan read, so that a list costs constant queries."""
    live = {"voided": False}
    return patients.select_related(
        "site", "eligibility__confirmed_by", "baseline", "allocation", "end_of_treatment", "off_study"
    ).prefetch_related(
        Prefetch(
            "lesions",
            MetastaticLesion.objects.filter(**live)
            .order_by("id")
            .prefetch_related(
                Prefetch(
                    "interventions",
                    LocalIntervention.objects.filter(**live).order_by("start_date"),
                    to_attr="live_interventions",
                )
            ),
            to_attr="live_lesions",
        ),
        Prefetch("cycles", TreatmentCycle.objects.filter(**live).order_by("cycle_number"), to_attr="live_cycles"),
        Prefetch(
            "assessments",
            TumourAssessment.objects.filter(**live).order_by("assessment_date"),
            to_attr="live_assessments",
        ),
        Prefetch("follow_ups", FollowUp.objects.filter(**live).order_by("contact_date"), to_attr="live_follow_ups"),
        "missed_visits",  # visits app; filtered in Python so that crf does not import it
    )


def get_patient_or_404(request, screening_number):
    """Every patient URL starts here: another site's patient does not exist for this user.

    The patient comes with its derived status, which the header of every patient page shows.
    A role that may not read patients (the Randomization manager: the list, never the data) is
    refused here, once for every patient URL.
    """
    if not request.user.has_perm("crf.view_patient"):
        raise PermissionDenied
    patient = get_object_or_404(patients_visible_to(request.user), screening_number=screening_number)
    return with_status([patient])[0]


def one_to_one(patient, name):
    try:
        record = getattr(patient, name)
    except ObjectDoesNotExist:
        return None
    return None if getattr(record, "voided", False) else record


def with_status(patients, today=None):
    """Attach the derived status and the visit plan to each patient (prefetched by with_course_data)."""
    today = today or timezone.localdate()
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
        patient.plan = []
        if allocation and patient.status != Status.OFF_STUDY:
            patient.plan = schedule.visit_plan(course(patient, allocation, end), today)
        # (visit, state) pairs for the header and the list: what to act on, then what comes next.
        patient.due = [(visit, visit.state) for visit in schedule.next_due(patient.plan)]
    return patients


def course(patient, allocation, end):
    """The plain facts of a patient's course for crf.schedule.visit_plan (all prefetched)."""
    deaths = [f.death_date for f in patient.live_follow_ups if f.vital_status == "dead" and f.death_date]
    off_study = one_to_one(patient, "off_study")
    stops = deaths + ([off_study.off_study_date] if off_study else [])
    return schedule.Course(
        randomized_on=allocation.randomized_on,
        arm=allocation.arm,
        cycle_dates=tuple(c.day1_date for c in patient.live_cycles),
        lesions=tuple(
            (lesion.label, lesion.live_interventions[0].start_date if lesion.live_interventions else None)
            for lesion in patient.live_lesions
        ),
        assessment_dates=tuple(a.assessment_date for a in patient.live_assessments),
        progression_on=next((a.assessment_date for a in patient.live_assessments if a.overall_response == "PD"), None),
        treatment_end=end.end_date if end else None,
        follow_up_dates=tuple(f.contact_date for f in patient.live_follow_ups),
        stopped_on=min(stops, default=None),
        missed={m.visit_key: m.reason for m in patient.missed_visits.all() if not m.voided},
    )
