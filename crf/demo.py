"""Synthetic demo data for `manage.py seed_demo`. Deterministic (seeded) so reruns agree."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import SiteMembership, TrialSite
from audit.services import save_with_reason
from esotrial import protocol

from .models import Baseline, Eligibility, MetastaticLesion, Patient
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
        investigator = users[f"investigator.{site.code.lower()}"]
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
            seed_screening(patient, rng, nurse, investigator)
            created += 1
    return created


ORGANS = [
    "lung",
    "lung",
    "liver",
    "bone",
    "adrenal",
    "non_regional_ln",
    "non_regional_ln",
    "regional_ln",
    "brain",
]
LOCATIONS = {
    "lung": "right lower lobe",
    "liver": "segment VII",
    "bone": "T10 vertebral body",
    "adrenal": "left adrenal",
    "non_regional_ln": "left supraclavicular",
    "regional_ln": "paraesophageal",
    "brain": "right frontal lobe",
}


def seed_screening(patient, rng, nurse, investigator):
    """Lesions, baseline and eligibility: mostly eligible and confirmed, some screen failures,
    and the most recent patients still in screening."""
    if patient.consent_date > timezone.localdate() - timedelta(days=10):
        return  # consented in the last days: screening not yet done
    day = patient.consent_date + timedelta(days=rng.randint(1, 6))
    screen_failure = rng.random() < 0.15
    n_lesions = 5 if screen_failure and rng.random() < 0.5 else rng.choice((1, 1, 2, 2, 3, 4))
    for number in range(1, n_lesions + 1):
        organ = rng.choice(ORGANS)
        lesion = MetastaticLesion(
            patient=patient,
            label=f"L{number}",
            organ=organ,
            location=LOCATIONS[organ],
            longest_diameter_mm=rng.randint(8, 45),
            imaging_method=rng.choice(("ct", "ct", "mri", "pet_ct")),
            imaging_date=patient.consent_date - timedelta(days=rng.randint(0, 20)),
            pathologically_confirmed=number == 1,
            target_lesion=number <= 2,
        )
        save_with_reason(lesion, nurse)
    prior = rng.random() < 0.2
    save_with_reason(
        Baseline(
            patient=patient,
            ecog=rng.choice((0, 1, 1)),
            histological_diagnosis_date=patient.consent_date - timedelta(days=rng.randint(30, 400)),
            primary_location=rng.choice(("upper", "middle", "middle", "lower")),
            clinical_t=rng.choice(("T2", "T3", "T3", "T4a")),
            clinical_n=rng.choice(("N0", "N1", "N2")),
            primary_status=rng.choice(("controlled", "untreated")),
            pdl1_cps=rng.choice((None, 1, 5, 10, 20)),
            metastasis_timing=rng.choice(("synchronous", "metachronous")),
            prior_anti_pd1=prior,
            prior_anti_pd1_best_response=rng.choice(("PR", "SD")) if prior else "",
            systemic_therapy_line=2 if prior else 1,
        ),
        nurse,
    )
    answers = dict(
        age_18_or_over=True,
        ecog_0_1=True,
        histology_escc=True,
        primary_controlled_or_treatable=True,
        lesions_amenable_to_local_treatment=True,
        adequate_organ_function=not (screen_failure and n_lesions < 5),
        polymetastatic_or_induced_history=False,
        perforation_or_active_hemorrhage=False,
        progression_on_prior_anti_pd1=False,
        active_autoimmune_disease=False,
        systemic_steroids_over_10mg=False,
    )
    eligibility = Eligibility(patient=patient, assessment_date=day, **answers)
    if screen_failure:
        eligibility.screen_failure_reason = (
            "More than 4 metastatic lesions on staging CT" if n_lesions == 5 else "Platelets 72×10⁹/L at screening"
        )
    else:
        eligibility.confirmed_by = investigator
        eligibility.confirmed_on = timezone.now()
    save_with_reason(eligibility, nurse)
