"""The world of the access matrix: the demo trial, built once for the module and rolled back after it.

Three sites (SH01, HZ01, FZ01) with every kind of record, one user per role who is a member of SH01
only, and a superuser. "Other" means HZ01: a matrix user must never see or change it. "Own" means
SH01: a matrix user sees it, and changes it only with the role's write permission.
"""

import io
from datetime import timedelta

import pytest
from axes.models import AccessFailureLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts import roles
from accounts.models import SiteMembership, TrialSite
from audit.services import save_with_reason
from crf import demo
from crf.models import EndOfTreatment, FollowUp, NewAnticancerTherapy, OffStudy, Patient, TreatmentCycle
from crf.views import RECORD_KINDS
from exports.models import ExportRun
from safety import ctcae
from safety.models import AdverseEvent, CtcaeTerm, SaeReport, Signature
from safety.signing import sign
from tests.factories import AdverseEventFactory, PatientFactory, make_eligible_patient
from visits.models import MissedVisit, ReminderLog
from visits.reminders import send_digests

OWN, OTHER = "SH01", "HZ01"
SUPERUSER = "Superuser"


def username_for(role):
    return f"matrix.{slugify(role)}"


def _ensure_records(site, nurse, investigator):
    """Give the site one live row of every kind the URLs point at, where the demo has none."""
    randomized = Patient.objects.filter(site=site, voided=False, allocation__isnull=False).order_by("pk")
    if not randomized.exists():
        raise AssertionError(f"seed_demo gave {site.code} no randomized patient: the matrix cannot fill its URLs")
    documented = max(randomized, key=lambda p: p.cycles.filter(voided=False).count())
    last_cycle = TreatmentCycle.objects.filter(patient=documented, voided=False).order_by("-cycle_number").first()
    last_day = last_cycle.day1_date if last_cycle else documented.allocation.randomized_on
    if not EndOfTreatment.objects.filter(patient__site=site, voided=False).exists():
        save_with_reason(EndOfTreatment(patient=documented, end_date=last_day, reason="progression"), nurse)
    if not FollowUp.objects.filter(patient__site=site, voided=False).exists():
        save_with_reason(
            FollowUp(patient=documented, contact_date=last_day + timedelta(days=30), vital_status="alive"), nurse
        )
    if not OffStudy.objects.filter(patient__site=site, voided=False).exists():
        save_with_reason(
            OffStudy(patient=documented, off_study_date=last_day + timedelta(days=40), reason="withdrawal"), nurse
        )
    if not NewAnticancerTherapy.objects.filter(patient__site=site, voided=False).exists():
        therapy = NewAnticancerTherapy(
            patient=documented,
            therapy_type="systemic",
            description="Docetaxel, second line",
            start_date=last_day + timedelta(days=10),
            intent="disease_directed",
        )
        save_with_reason(therapy, nurse)
    for model in {kind.model for kind in RECORD_KINDS.values()}:
        path = next(kind.patient_path for kind in RECORD_KINDS.values() if kind.model is model)
        if not model.objects.filter(**{f"{path}__site": site, "voided": False}).exists():
            raise AssertionError(f"{site.code} has no live {model.__name__}: add one to the matrix world")
    ae = AdverseEvent.objects.filter(patient__site=site, voided=False).order_by("pk").first()
    if ae is None:
        ae = AdverseEventFactory(patient=documented, onset_date=last_day)
    if not Signature.objects.filter(adverse_event__patient__site=site).exists():
        sign(ae, investigator, demo.DEMO_PASSWORD, "reviewed")
    if not SaeReport.objects.filter(adverse_event__patient__site=site).exists():
        SaeReport.objects.create(adverse_event=ae, aware_at=timezone.now())
    if not MissedVisit.objects.filter(patient__site=site).exists():
        save_with_reason(MissedVisit(patient=documented, visit_key="assessment:99", reason="Patient moved"), nurse)


def _patient_states(site):
    """Patients whose pages differ: awaiting randomization (the randomize form) and in screening."""
    live = Patient.objects.filter(site=site, voided=False).order_by("pk")
    awaiting = live.filter(allocation__isnull=True, eligibility__confirmed_by__isnull=False).first()
    if awaiting is None:
        investigator = get_user_model().objects.get(username=f"investigator.{site.code.lower()}")
        awaiting = make_eligible_patient(site, investigator)
    screening = live.filter(eligibility__isnull=True).first() or PatientFactory(site=site)
    return {"awaiting randomization": awaiting, "in screening": screening}


def _export_run(site, export_root):
    """A finished trial-dataset ZIP asked for by the site's data manager (its file holds the site's patients)."""
    requester = get_user_model().objects.get(username=f"datamanager.{site.code.lower()}")
    name = f"matrix-{site.code}.zip"
    numbers = Patient.objects.filter(site=site).values_list("screening_number", flat=True)
    (export_root / name).write_text("\n".join(numbers))
    return ExportRun.objects.create(
        kind=ExportRun.Kind.TRIAL,
        requested_by=requester,
        dataset="Trial dataset",
        sites=site.code,
        status=ExportRun.Status.DONE,
        progress=100,
        file_name=name,
    )


def build_world(export_root):
    if not CtcaeTerm.objects.exists():  # a transactional test earlier in the session flushed it
        ctcae.load(CtcaeTerm)
    with override_settings(DEBUG=True):  # seed_demo refuses to run without it
        call_command("seed_demo", stdout=io.StringIO())
    User = get_user_model()
    sites = {site.code: site for site in TrialSite.objects.all()}
    for code in (OWN, OTHER):
        nurse = User.objects.get(username=f"nurse.{code.lower()}")
        investigator = User.objects.get(username=f"investigator.{code.lower()}")
        _ensure_records(sites[code], nurse, investigator)
    send_digests()  # the reminder ledger, as the daily beat task writes it
    # django-axes' login records (a failed and a successful sign-in), for its admin pages.
    browser = Client()
    browser.post(reverse("login"), {"username": f"nurse.{OTHER.lower()}", "password": "not the password"})
    browser.post(reverse("login"), {"username": f"investigator.{OTHER.lower()}", "password": demo.DEMO_PASSWORD})
    # The failure log is off by default (AXES_ENABLE_ACCESS_FAILURE_LOG): its admin page still exists.
    AccessFailureLog.objects.create(
        username=f"nurse.{OTHER.lower()}", ip_address="127.0.0.1", user_agent="matrix", path_info=reverse("login")
    )
    assert ReminderLog.objects.filter(patient__site__code=OTHER).exists(), "no reminder was logged for HZ01"

    users = {}
    for role in roles.ROLES:
        user = User.objects.create_user(username_for(role), email=f"{slugify(role)}@example.org", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        SiteMembership.objects.create(user=user, site=sites[OWN])
        users[role] = user
    users[SUPERUSER] = User.objects.create_superuser("matrix.superuser", "superuser@example.org")

    return {
        "users": users,
        "patients": {code: _patient_states(sites[code]) for code in (OWN, OTHER)},
        "export_runs": {code: _export_run(sites[code], export_root) for code in (OWN, OTHER)},
        # Every screening number a member of SH01 alone must never read, voided patients included.
        "foreign_numbers": sorted(Patient.objects.exclude(site__code=OWN).values_list("screening_number", flat=True)),
        # Readable only with crf.view_patient (the Randomization manager has it not).
        "own_numbers": sorted(Patient.objects.filter(site__code=OWN).values_list("screening_number", flat=True)),
    }


@pytest.fixture(scope="module")
def matrix_export_root(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-exports")


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker, matrix_export_root):
    """Built once; the outer transaction is rolled back so that other modules find an empty database."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            try:
                yield build_world(matrix_export_root)
            finally:
                transaction.set_rollback(True)
