"""Synthetic demo data for `manage.py seed_demo`. Deterministic (seeded) so reruns agree."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import SiteMembership, TrialSite
from esotrial import protocol

from .models import Patient
from .registration import register_patient

DEMO_PASSWORD = "eso-demo-2026"

SITES = [
    ("SH01", "Fudan University Shanghai Cancer Center", "Shanghai", "Prof. Zhao Kuaile"),
    ("HZ01", "Zhejiang Cancer Hospital", "Hangzhou", "Dr. Chen Ming"),
    ("FZ01", "Fujian Cancer Hospital", "Fuzhou", "Dr. Lin Hua"),
]
ROLE_USERNAMES = {
    roles.RESEARCH_NURSE: "nurse",
    roles.INVESTIGATOR: "investigator",
    roles.MONITOR: "monitor",
    roles.DATA_MANAGER: "datamanager",
}
PATIENTS_PER_SITE = 10


def seed_sites():
    sites = []
    for code, name, city, pi in SITES:
        site, _ = TrialSite.objects.get_or_create(
            code=code, defaults={"name": name, "city": city, "principal_investigator": pi}
        )
        sites.append(site)
    return sites


def _user(username, *, sites, role=None, staff=False, superuser=False):
    """Create a demo user once; a rerun leaves an existing user (and a changed password) alone."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_staff": staff or superuser, "is_superuser": superuser}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    for site in sites:
        SiteMembership.objects.get_or_create(user=user, site=site)
    return user


def seed_users(sites):
    """One user per role per site (nurse.sh01 …), a trial-wide data manager, and a superuser."""
    users = {}
    for site in sites:
        for role, prefix in ROLE_USERNAMES.items():
            username = f"{prefix}.{site.code.lower()}"
            users[username] = _user(username, sites=[site], role=role, staff=role == roles.DATA_MANAGER)
    users["datamanager"] = _user("datamanager", sites=sites, role=roles.DATA_MANAGER, staff=True)
    users["admin"] = _user("admin", sites=[], superuser=True)
    return users


def seed_patients(sites, users):
    """~30 patients spread from the trial's opening to today, registered by each site's nurse."""
    rng = random.Random(20)
    opening = protocol.EARLIEST_CONSENT_DATE.value
    span = (timezone.localdate() - opening).days
    created = 0
    for site in sites:
        if Patient.objects.filter(site=site).exists():
            continue  # already seeded (or in real use): never add to a site that has patients
        nurse = users[f"nurse.{site.code.lower()}"]
        for consent_offset in sorted(rng.randrange(span) for _ in range(PATIENTS_PER_SITE)):
            initials = "".join(rng.choice("ABCDEFGHJKLMNPQRSTWXYZ") for _ in range(rng.choice((2, 3))))
            patient = Patient(
                site=site,
                initials=initials,
                sex=rng.choice("MMMF"),  # ESCC is about three times as common in men
                year_of_birth=rng.randint(1945, 1980),
                consent_date=opening + timedelta(days=consent_offset),
            )
            register_patient(patient, by=nurse)
            created += 1
    return created
