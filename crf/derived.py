"""Each patient's derived state (crf.models.DerivedState), kept right in the saving transaction.

The rules stay in Python (crf.status, crf.schedule): `state_of` reads what `with_status` derives,
and lists filter on the stored copy instead of deriving every patient of a site per request.
Every model a rule reads is watched: its save refreshes its patient's row before the transaction
commits; a block that saves many rows (the demo builder) refreshes each patient once at its end
(`deferred`). Bulk inserts skip the signals: the benchmarks' builders call `refresh` themselves,
and `manage.py check_derived` verifies every row.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.db.models import Q
from django.db.models.signals import post_save

from audit.derived import derived_check

from . import schedule
from .models import DerivedState, Patient
from .patients import with_course_data, with_status

FIELDS = [f.name for f in DerivedState._meta.concrete_fields if f.name != "patient"]
CHUNK = 500
UPCOMING_DAYS = 7  # the Due visits list shows what comes within a week
OPEN = (schedule.UPCOMING, schedule.DUE, schedule.OVERDUE)

_deferred = ContextVar("derived_deferred", default=None)


def state_of(patient):
    """The stored state of a patient that with_status() has derived."""
    open_visits = [visit for visit in patient.plan if visit.state in OPEN]
    following = patient.due[0][0] if patient.due else None
    return DerivedState(
        patient_id=patient.pk,
        status=patient.status,
        next_visit_key=following.key if following else "",
        next_visit_earliest=following.window.earliest if following else None,
        next_visit_planned=following.window.planned if following else None,
        next_visit_latest=following.window.latest if following else None,
        open_visits_earliest=min((v.window.earliest for v in open_visits), default=None),
        open_visits_planned=min((v.window.planned for v in open_visits), default=None),
    )


def computed(patient_ids):
    patients = with_course_data(Patient.objects.filter(pk__in=patient_ids).order_by("pk"))
    return [state_of(patient) for patient in with_status(list(patients))]


def refresh(patient_ids):
    """Recompute and store the state of these patients (in the caller's transaction)."""
    pending = _deferred.get()
    if pending is not None:
        pending.update(patient_ids)
        return
    patient_ids = list(patient_ids)
    for start in range(0, len(patient_ids), CHUNK):
        DerivedState.objects.bulk_create(
            computed(patient_ids[start : start + CHUNK]),
            update_conflicts=True,
            unique_fields=["patient"],
            update_fields=FIELDS,
        )


@contextmanager
def deferred():
    """Refresh each patient once, at the end of a block that saves many of its rows."""
    if _deferred.get() is not None:
        yield  # already inside a deferred block: the outer one refreshes
        return
    pending = set()
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    refresh(sorted(pending))


def watch(model, patient_of):
    """Refresh the patient of every saved `model` row; `patient_of(row)` gives its patient's id."""

    def saved(sender, instance, raw=False, **kwargs):
        if not raw:  # fixtures load rows as they are
            refresh([patient_of(instance)])

    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"derived-{model._meta.label}")


def fill_missing(**kwargs):
    """After `migrate`: patients with no stored state yet (a database from before it existed) get one."""
    refresh(Patient.objects.filter(derived__isnull=True).values_list("pk", flat=True))


def due_q(today, upcoming_until=None):
    """Patients with a visit overdue or due today, or planned up to `upcoming_until` (a week by default)."""
    upcoming_until = upcoming_until or today + timedelta(days=UPCOMING_DAYS)
    return Q(derived__open_visits_earliest__lte=today) | Q(derived__open_visits_planned__lte=upcoming_until)


@derived_check("patient status and visit dates (crf.derived)")
def check_patient_states(fix=False):
    """Each patient's stored state against the rules; returns what differs (and repairs it with fix)."""
    findings = []
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        stored = {state.patient_id: state for state in DerivedState.objects.filter(patient_id__in=chunk)}
        wrong = []
        for state in computed(chunk):
            have = stored.get(state.patient_id)
            differs = [name for name in FIELDS if have is None or getattr(have, name) != getattr(state, name)]
            if differs:
                wrong.append(state.patient_id)
                findings.append(f"patient {state.patient_id}: {', '.join(differs) if have else 'no stored state'}")
        if fix and wrong:
            refresh(wrong)
    return findings
