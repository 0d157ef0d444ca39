import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.models import TrialSite
from crf import demo
from crf.models import Eligibility, Patient


@pytest.mark.django_db
def test_seed_demo_builds_sites_users_and_patients(settings, terms):
    settings.DEBUG = True
    call_command("seed_demo")
    assert TrialSite.objects.count() == 3
    assert Patient.objects.count() == 36
    assert set(Patient.objects.values_list("site__code", flat=True)) == {"SH01", "HZ01", "FZ01"}
    request = RequestFactory().post("/accounts/login/")
    nurse = authenticate(request, username="nurse.sh01", password=demo.DEMO_PASSWORD)
    assert nurse is not None
    assert set(Patient.objects.visible_to(nurse).values_list("site__code", flat=True)) == {"SH01"}


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(settings, terms):
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


@pytest.mark.django_db
def test_demo_covers_both_arms_all_modalities_delays_progression_and_death(settings, terms):
    from crf.models import FollowUp, LocalIntervention, TreatmentCycle, TumourAssessment
    from randomization.models import Allocation

    settings.DEBUG = True
    call_command("seed_demo")
    assert set(Allocation.objects.values_list("arm", flat=True)) == {"combined", "systemic"}
    assert set(LocalIntervention.objects.values_list("modality", flat=True)) == {"radiotherapy", "surgery", "ablation"}
    assert TreatmentCycle.objects.filter(delayed=True).exists()
    assert TumourAssessment.objects.filter(overall_response="PD").exists()
    assert FollowUp.objects.filter(vital_status="dead").exists()
    assert Eligibility.objects.exclude(screen_failure_reason="").exists()
    from safety import signing
    from safety.models import AdverseEvent, SaeReport

    states = {signing.review_state(ae) for ae in AdverseEvent.objects.all()}
    assert states == {signing.SIGNED, signing.AWAITING_REVIEW}
    assert SaeReport.objects.filter(notified_at__isnull=False).count() == 2  # a serious pneumonitis, a SUSAR
    assert [ae.susar for ae in AdverseEvent.objects.filter(serious=True)].count(True) == 1
