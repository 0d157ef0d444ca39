from datetime import UTC, date, datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import SiteMembership, TrialSite
from crf.models import Baseline, Eligibility, MetastaticLesion, Patient, TreatmentCycle
from crf.registration import register_patient
from randomization.models import Allocation
from safety.models import CtcaeTerm

PASSWORD = "correct-horse-battery-staple"


class TrialSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrialSite
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"T{chr(65 + n % 26)}{n % 100:02d}")
    name = factory.LazyAttribute(lambda o: f"Hospital {o.code}")
    city = "Shanghai"
    principal_investigator = "Dr. Wang"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # A printed name, as every signer needs one (§11.50): "Li Investigator" for investigator.sh01.
    first_name = "Li"
    last_name = factory.LazyAttribute(lambda user: user.username.split(".")[0].capitalize())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        for site in extracted or []:
            SiteMembership.objects.create(user=self, site=site)
        self.save()


class PatientFactory(factory.django.DjangoModelFactory):
    """A registered patient: numbered by the real registration service."""

    class Meta:
        model = Patient

    site = factory.SubFactory(TrialSiteFactory)
    initials = "ZWL"
    sex = "M"
    year_of_birth = 1960
    consent_date = date(2025, 3, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return register_patient(model_class(*args, **kwargs), by=None)


class LesionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetastaticLesion

    patient = factory.SubFactory(PatientFactory)
    label = factory.Sequence(lambda n: f"L{n % 99 + 1}")  # labels have 3 characters: L1 … L99
    organ = "lung"
    location = "right lower lobe"
    longest_diameter_mm = Decimal("18")
    imaging_method = "ct"
    imaging_date = date(2025, 2, 20)
    pathologically_confirmed = True
    target_lesion = True


ELIGIBLE_ANSWERS = {
    "age_18_or_over": True,
    "ecog_0_1": True,
    "histology_escc": True,
    "primary_controlled_or_treatable": True,
    "lesions_amenable_to_local_treatment": True,
    "adequate_organ_function": True,
    "polymetastatic_or_induced_history": False,
    "perforation_or_active_hemorrhage": False,
    "progression_on_prior_anti_pd1": False,
    "active_autoimmune_disease": False,
    "systemic_steroids_over_10mg": False,
}


class EligibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Eligibility

    patient = factory.SubFactory(PatientFactory)
    assessment_date = date(2025, 3, 5)
    confirmed_on = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create(*args, **{**ELIGIBLE_ANSWERS, **kwargs})


class AllocationFactory(factory.django.DjangoModelFactory):
    """Stands in for the randomization service (issue 4) where a test needs a randomized patient."""

    class Meta:
        model = Allocation

    patient = factory.SubFactory(PatientFactory)
    number = factory.Sequence(lambda n: f"R{n + 1:04d}")
    arm = "combined"
    randomized_on = date(2025, 3, 10)


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentCycle

    patient = factory.SubFactory(PatientFactory)
    cycle_number = 1
    day1_date = date(2025, 3, 12)
    anti_pd1_agent = "camrelizumab"
    anti_pd1_dose_mg = Decimal("200")


class BaselineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Baseline

    patient = factory.SubFactory(PatientFactory)
    ecog = 1
    histological_diagnosis_date = date(2024, 12, 1)
    primary_location = "middle"
    clinical_t = "T3"
    clinical_n = "N1"
    primary_status = "untreated"
    metastasis_timing = "synchronous"
    prior_anti_pd1 = False
    systemic_therapy_line = 1


def make_eligible_patient(site, investigator, organs=("lung",), line=1):
    """A patient with lesions, baseline and an investigator-confirmed eligibility."""
    patient = PatientFactory(site=site)
    for number, organ in enumerate(organs, start=1):
        LesionFactory(patient=patient, label=f"L{number}", organ=organ)
    BaselineFactory(patient=patient, systemic_therapy_line=line)
    EligibilityFactory(patient=patient, confirmed_by=investigator)
    return patient


class AdverseEventFactory(factory.django.DjangoModelFactory):
    """A grade 3 pneumonitis, serious (hospitalization), probably related to anti-PD-1."""

    class Meta:
        model = "safety.AdverseEvent"

    patient = factory.SubFactory(PatientFactory)
    term = factory.LazyFunction(lambda: CtcaeTerm.objects.get(version="5.0", term="Pneumonitis"))
    onset_date = date(2025, 4, 20)
    ongoing = True
    grade = 3
    serious = True
    site_aware_at = factory.LazyFunction(lambda: datetime(2025, 4, 21, 9, 30, tzinfo=UTC))
    expectedness = "expected"
    sae_hospitalization = True
    relationship_to_anti_pd1 = "probable"
    relationship_to_chemotherapy = "unlikely"
    action_anti_pd1 = "delayed"
    action_chemotherapy = "na"
    treatment_given = "hospitalization"
    outcome = "recovering"
