import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.models import TrialSite
from crf import demo
from crf.models import Patient


@pytest.mark.django_db
def test_seed_demo_builds_sites_users_and_patients(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assert TrialSite.objects.count() == 3
    assert Patient.objects.count() == 30
    assert set(Patient.objects.values_list("site__code", flat=True)) == {"SH01", "HZ01", "FZ01"}
    request = RequestFactory().post("/accounts/login/")
    nurse = authenticate(request, username="nurse.sh01", password=demo.DEMO_PASSWORD)
    assert nurse is not None
    assert set(Patient.objects.visible_to(nurse).values_list("site__code", flat=True)) == {"SH01"}


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    snapshot = sorted(Patient.objects.values_list("screening_number", "initials", "consent_date"))
    call_command("seed_demo")
    assert sorted(Patient.objects.values_list("screening_number", "initials", "consent_date")) == snapshot


@pytest.mark.django_db
def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not TrialSite.objects.exists()
