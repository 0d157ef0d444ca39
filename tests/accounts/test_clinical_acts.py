"""Clinical roles are separate from IT administration (21 CFR Part 11 §11.10(g)): a superuser
without the Investigator role cannot confirm eligibility, randomize or sign (signing:
tests/safety/test_signing.py)."""

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import SiteMembership
from tests.factories import make_eligible_patient


@pytest.mark.req("P11-ACC-4")
def test_a_superuser_without_a_trial_role_cannot_confirm_eligibility_or_randomize(
    client, admin_user, site, investigator
):
    SiteMembership.objects.create(user=admin_user, site=site)
    patient = make_eligible_patient(site, investigator)
    client.force_login(admin_user)
    assert admin_user.has_perm("randomization.randomize_patient")  # Django's superuser: every permission
    assert not roles.may_act(admin_user, "randomization.randomize_patient")  # but not the trial's acts
    form = client.get(reverse("crf:patient_eligibility", args=[patient.screening_number])).context["form"]
    assert "confirm" not in form.fields
    page = client.get(reverse("crf:patient_detail", args=[patient.screening_number])).content.decode()
    assert "Randomize" not in page
    assert client.get(reverse("randomization:randomize", args=[patient.screening_number])).status_code == 403


def test_the_investigator_holds_the_three_clinical_acts(investigator, nurse):
    assert roles.clinical_acts(investigator) == set(roles.CLINICAL_ACTS)
    assert roles.clinical_acts(nurse) == set()
