"""Synthetic demo data for `manage.py seed_demo`. Deterministic (seeded) so reruns agree."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import SiteMembership, TrialSite
from audit.services import save_with_reason
from esotrial import protocol
from randomization.models import RandomizationList
from randomization.services import allocate, generate_list

from . import eligibility as eligibility_rules
from . import recist, schedule
from .models import (
    Baseline,
    Eligibility,
    EndOfTreatment,
    FollowUp,
    LocalIntervention,
    MetastaticLesion,
    OffStudy,
    Patient,
    TargetMeasurement,
    TreatmentCycle,
    TumourAssessment,
)
from .registration import register_patient
from .status import Status

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
PATIENTS_PER_SITE = 12


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
        username=username,
        defaults={"is_staff": staff or superuser, "is_superuser": superuser, "email": f"{username}@example.org"},
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
    users["randomizationmanager"] = _user(
        "randomizationmanager", sites=sites, role=roles.RANDOMIZATION_MANAGER, staff=True
    )
    users["admin"] = _user("admin", sites=[], superuser=True)
    return users


DEMO_LIST_SEED = "eso20-demo"


def seed_randomization_list():
    """A demo list (30 slots per stratum) unless one exists: never replaced once in use."""
    if not RandomizationList.objects.exists():
        generate_list(DEMO_LIST_SEED, 30, "seed_demo")


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
            eligibility = seed_screening(patient, rng, nurse, investigator)
            if eligibility and eligibility.confirmed_by_id:
                seed_treatment(patient, eligibility, rng, nurse, investigator)
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
    return save_with_reason(eligibility, nurse)


# (modality, details) chosen per organ, as ESO-Shanghai13 treated them
LOCAL_TREATMENT = {
    "lung": [("radiotherapy", ("sbrt", 50, 5)), ("surgery", ("Wedge resection", "R0"))],
    "liver": [("ablation", ("mwa", 1)), ("radiotherapy", ("sbrt", 45, 3))],
    "bone": [("radiotherapy", ("sbrt", 24, 3))],
    "adrenal": [("radiotherapy", ("sbrt", 40, 5))],
    "brain": [("radiotherapy", ("sbrt", 24, 3))],
    "non_regional_ln": [("radiotherapy", ("imrt", 60, 30))],
    "regional_ln": [("radiotherapy", ("imrt", 50, 25))],
}


def seed_treatment(patient, eligibility, rng, nurse, investigator):
    """Randomize 2:1 (a stand-in for the randomization service), then cycles, local treatment,
    assessments and follow-up up to today: both arms, delays, progressions and a few deaths."""
    today = timezone.localdate()
    randomized_on = eligibility.assessment_date + timedelta(days=rng.randint(2, 5))
    if randomized_on > today - timedelta(days=7):
        return  # eligible, waiting for randomization
    lesions = list(patient.lesions.filter(voided=False).order_by("id"))
    if not eligibility_rules.assess(eligibility, lesions, patient).eligible:
        return
    # Through the real service and the generated list, dated in the past for the demo timeline.
    allocation = allocate(patient, investigator, status=Status.ELIGIBLE, randomized_on=randomized_on)
    arm = allocation.arm
    # Median PFS about 15 months with local therapy, 6 without (ESO-Shanghai13).
    months_to_progression = rng.expovariate(1 / (21 if arm == "combined" else 8.5))
    progression_on = randomized_on + timedelta(days=int(months_to_progression * 30.4))

    # Systemic therapy: every 21 days, some delays, until progression, 2 years or today.
    day, number = randomized_on + timedelta(days=rng.randint(1, 4)), 1
    first_dose, last_dose = day, None
    # A quarter of the sites' data entry lags a month behind, so the demo has overdue visits.
    entered_until = today - timedelta(days=30) if rng.random() < 0.25 else today
    while day <= min(entered_until, progression_on, schedule.maintenance_end(first_dose)):
        cycle = TreatmentCycle(
            patient=patient,
            cycle_number=number,
            day1_date=day,
            anti_pd1_agent="camrelizumab",
            anti_pd1_dose_mg=200,
            weight_kg=rng.randint(48, 80),
            bsa_m2=Decimal("1.65"),
        )
        if number <= protocol.INDUCTION_CYCLES.value:
            cycle.chemotherapy_given = True
            cycle.chemo_agent_1, cycle.chemo_dose_1 = "paclitaxel", 135
            cycle.chemo_agent_2, cycle.chemo_dose_2 = "cisplatin", 75
        if number > 1 and rng.random() < 0.12:
            cycle.delayed, cycle.delay_reason = True, rng.choice(("Neutropenia grade 2", "Patient request"))
            cycle.day1_date = day = day + timedelta(days=rng.randint(3, 12))
            if day > today:
                break
            window = schedule.next_cycle_window(last_dose)
            if not window.contains(day):
                cycle.deviation_reason = cycle.delay_reason
        save_with_reason(cycle, nurse)
        last_dose, number = day, number + 1
        day = day + timedelta(days=protocol.CYCLE_LENGTH_DAYS.value)

    # Local intervention to every lesion in the combined arm, during or after induction.
    if arm == "combined":
        start = first_dose + timedelta(days=rng.randint(20, 60))
        for lesion in lesions:
            if start > today:
                break
            modality, details = rng.choice(LOCAL_TREATMENT[lesion.organ])
            li = LocalIntervention(lesion=lesion, modality=modality, intent="protocol", start_date=start)
            if modality == "radiotherapy":
                li.rt_technique, li.total_dose_gy, li.fractions = details
                li.end_date = start + timedelta(days=details[2] + details[2] // 5 * 2)
            elif modality == "surgery":
                li.surgery_procedure, li.resection_margin = details
                li.end_date = start
            else:
                li.ablation_type, li.ablation_sessions = details
                li.end_date = start
            if li.end_date > today:
                li.end_date = None
            save_with_reason(li, nurse)
            start = start + timedelta(days=rng.randint(3, 14))

    # Tumour assessments every 6 then 9 weeks: shrinkage, then PD at progression.
    targets = [lesion for lesion in lesions if lesion.target_lesion]
    assessed_on, induction_end = randomized_on, first_dose + timedelta(days=84)
    shrink = Decimal(rng.choice(("0.55", "0.65", "0.8", "0.9")))
    while targets:
        assessed_on += timedelta(weeks=6 if assessed_on < induction_end else 9)
        if assessed_on > today:
            break
        progressed = assessed_on >= progression_on
        factor = Decimal("1.3") if progressed else shrink
        assessment = TumourAssessment(
            patient=patient,
            assessment_date=assessed_on,
            imaging_method="ct",
            non_target_status="non_cr_non_pd",
            new_lesions=progressed and rng.random() < 0.5,
        )
        sums = {lesion.pk: (lesion.longest_diameter_mm * factor).quantize(Decimal("0.1")) for lesion in targets}
        baseline = sum(lesion.longest_diameter_mm for lesion in targets)
        assessment.overall_response = recist.recist_response(
            baseline,
            baseline * shrink if progressed else baseline,
            sum(sums.values()),
            assessment.new_lesions,
            assessment.non_target_status,
        )
        if progressed:
            assessment.overall_response = "PD"
        save_with_reason(assessment, nurse)
        for lesion in targets:
            save_with_reason(
                TargetMeasurement(assessment=assessment, lesion=lesion, diameter_mm=sums[lesion.pk]), nurse
            )
        if progressed:
            break

    seed_adverse_events(patient, first_dose, last_dose, rng, nurse, investigator)

    # Progression, or 2 years of treatment, ends protocol treatment; survival follow-up every 3
    # months after it, with some deaths after progression.
    if progression_on <= today and last_dose:
        ended_on, reason = max(last_dose, progression_on), "progression"
    elif last_dose and schedule.maintenance_end(first_dose) < today:
        ended_on, reason = last_dose, "completed"
    else:
        return
    save_with_reason(EndOfTreatment(patient=patient, end_date=ended_on, reason=reason), nurse)
    contact = ended_on
    while True:
        contact = schedule.add_months(contact, protocol.SURVIVAL_FOLLOW_UP_INTERVAL_MONTHS.value)
        if contact > today:
            break
        dead = reason == "progression" and rng.random() < 0.25
        follow_up = FollowUp(patient=patient, contact_date=contact, vital_status="alive")
        follow_up.subsequent_therapy = "Docetaxel second line" if reason == "progression" and rng.random() < 0.4 else ""
        if dead:
            follow_up.vital_status, follow_up.death_cause = "dead", "progression"
            follow_up.death_date = contact - timedelta(days=rng.randint(1, 20))
        save_with_reason(follow_up, nurse)
        if dead:
            save_with_reason(OffStudy(patient=patient, off_study_date=contact, reason="death"), nurse)
            break


# (term, grade, irAE, relationship to anti-PD-1, to chemotherapy)
COMMON_AES = [
    ("Fatigue", 1, False, "possible", "possible"),
    ("Anemia", 2, False, "unlikely", "probable"),
    ("Neutrophil count decreased", 3, False, "unlikely", "definite"),
    ("Nausea", 1, False, "unlikely", "probable"),
    ("Pneumonitis", 2, True, "probable", "unlikely"),
    ("Hypothyroidism", 2, True, "definite", "not_related"),
    ("Rash maculo-papular", 1, True, "probable", "not_related"),
    ("Esophagitis", 2, False, "possible", "possible"),
]


def seed_adverse_events(patient, first_dose, last_dose, rng, nurse, investigator):
    """0-3 AEs per treated patient; most signed by the site investigator; the trial's first
    grade 3 pneumonitis becomes an SAE whose notification is sent."""
    from safety.models import AdverseEvent, CtcaeTerm, SaeReport
    from safety.signing import sign
    from safety.tasks import notify_sae

    if not last_dose:
        return
    span = max((last_dose - first_dose).days, 1)
    has_local = LocalIntervention.objects.filter(lesion__patient=patient, voided=False).exists()
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        name, grade, irae, anti_pd1, chemo = rng.choice(COMMON_AES)
        onset = first_dose + timedelta(days=rng.randint(0, span))
        serious = name == "Pneumonitis" and not SaeReport.objects.exists()
        ae = AdverseEvent(
            patient=patient,
            term=CtcaeTerm.objects.get(version=protocol.CTCAE_VERSION.value, term=name),
            onset_date=onset,
            resolution_date=min(onset + timedelta(days=rng.randint(7, 40)), timezone.localdate()),
            grade=3 if serious else grade,
            serious=serious,
            sae_hospitalization=serious,
            relationship_to_anti_pd1=anti_pd1,
            relationship_to_chemotherapy=chemo,
            relationship_to_local_intervention="unlikely" if has_local else "",
            immune_related=irae,
            action_anti_pd1="delayed" if irae and grade >= 2 else "none",
            action_chemotherapy="none",
            treatment_given="corticosteroids" if irae and grade >= 2 else "none",
            outcome="recovered",
        )
        if serious:
            # Entered two hours after the site learned of it: reported within 24 hours.
            ae.site_aware_at, ae.expectedness = timezone.now() - timedelta(hours=2), "expected"
            ae.resolution_date = None if ae.resolution_date >= timezone.localdate() else ae.resolution_date
        save_with_reason(ae, nurse)
        if serious:
            report = SaeReport.objects.create(adverse_event=ae, aware_at=ae.site_aware_at)
            notify_sae.apply(args=[report.pk])  # in-process: the demo shows a sent notification
        if rng.random() < 0.7:
            sign(ae, investigator, DEMO_PASSWORD, "reviewed")
    if grade_3_pneumonitis_reported() and not AdverseEvent.objects.filter(term__term="Myocarditis").exists():
        seed_susar(patient, first_dose, nurse)


def grade_3_pneumonitis_reported():
    from safety.models import SaeReport

    return SaeReport.objects.exists()


def seed_susar(patient, first_dose, nurse):
    """The trial's one SUSAR: an immune myocarditis judged unexpected against the reference safety
    information, entered three days after the site learned of it (so shown as reported late)."""
    from safety.models import AdverseEvent, CtcaeTerm, SaeReport
    from safety.tasks import notify_sae

    onset = first_dose + timedelta(days=30)
    if onset >= timezone.localdate() - timedelta(days=4):
        return
    aware = timezone.make_aware(datetime.combine(onset + timedelta(days=1), time(9, 30)))
    ae = AdverseEvent(
        patient=patient,
        term=CtcaeTerm.objects.get(version=protocol.CTCAE_VERSION.value, term="Myocarditis"),
        onset_date=onset,
        ongoing=True,
        grade=3,
        serious=True,
        site_aware_at=aware,
        sae_hospitalization=True,
        sae_life_threatening=True,
        expectedness="unexpected",
        relationship_to_anti_pd1="probable",
        relationship_to_chemotherapy="na",
        relationship_to_local_intervention="",
        immune_related=True,
        action_anti_pd1="discontinued",
        action_chemotherapy="na",
        treatment_given="corticosteroids",
        outcome="recovering",
    )
    save_with_reason(ae, nurse)
    report = SaeReport.objects.create(adverse_event=ae, aware_at=aware, opened_at=aware + timedelta(days=3))
    notify_sae.apply(args=[report.pk])
