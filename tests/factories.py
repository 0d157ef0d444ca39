from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import SiteMembership, TrialSite
from crf.models import Patient
from crf.registration import register_patient

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
