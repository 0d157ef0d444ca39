import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.models import TrialSite
from crf import demo
from crf.models import Eligibility, Patient


@pytest.mark.django_db
@pytest.mark.req("DAT-15")
def test_seed_demo_builds_sites_users_and_patients(settings, terms):
    settings.DEBUG = True
    call_command("seed_demo")
    assert TrialSite.objects.count() == 3
    assert Patient.objects.count() == 36 + len(demo.ENDPOINT_EXAMPLES)
    assert set(Patient.objects.values_list("site__code", flat=True)) == {"SH01", "HZ01", "FZ01"}
    request = RequestFactory().post("/accounts/login/")
    nurse = authenticate(request, username="nurse.sh01", password=demo.DEMO_PASSWORD)
    assert nurse is not None
    assert set(Patient.objects.visible_to(nurse).values_list("site__code", flat=True)) == {"SH01"}


@pytest.mark.django_db
@pytest.mark.req("DAT-15")
def test_seed_demo_twice_changes_nothing(settings, terms):
    settings.DEBUG = True
    call_command("seed_demo")
    snapshot = sorted(Patient.objects.values_list("screening_number", "initials", "consent_date"))
    call_command("seed_demo")
    assert sorted(Patient.objects.values_list("screening_number", "initials", "consent_date")) == snapshot


@pytest.mark.django_db
@pytest.mark.req("DAT-15")
def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not TrialSite.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("DAT-15")
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


@pytest.mark.django_db
@pytest.mark.req("DAT-15")
def test_demo_has_the_patients_the_endpoint_rules_exist_for(settings, terms):
    from crf.models import TumourAssessment
    from exports.datasets import form_datasets

    settings.DEBUG = True
    call_command("seed_demo")
    non_target_only = Patient.objects.get(initials="NTO")
    assert not non_target_only.lesions.filter(target_lesion=True).exists()
    responses = list(non_target_only.assessments.order_by("assessment_date").values_list("overall_response", flat=True))
    assert responses == ["NON-CR/NON-PD", "NON-CR/NON-PD", "PD"]
    nodal = Patient.objects.get(initials="NOD")
    assert nodal.lesions.filter(target_lesion=True, organ="non_regional_ln", short_axis_mm=18).exists()
    assert TumourAssessment.objects.filter(patient=nodal, overall_response="CR").count() == 2
    analysis = next(d for d in form_datasets() if d.name == "analysis")
    names = [v.name for v in analysis.variables]
    rows = {
        row[names.index("screening_number")]: dict(zip(names, row, strict=True))
        for row in analysis.read(analysis, Patient.objects.all())
    }
    by_initials = {p.initials: rows[p.screening_number] for p in Patient.objects.filter(initials__in=["NAT", "MIS"])}
    assert by_initials["NAT"]["pfs_cnsr"] == 2  # new anticancer therapy before PD
    assert by_initials["MIS"]["pfs_cnsr"] == 3  # PD after two missed assessments
    assert by_initials["MIS"]["pfs_sens_cnsr"] == 0
