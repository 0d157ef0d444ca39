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
    NewAnticancerTherapy,
    NonTargetStatus,
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


# Printed names (21 CFR Part 11 §11.50: every signature shows the signer's printed name), given
# name first as Django's get_full_name() prints it.
DEMO_NAMES = {
    "nurse.sh01": ("Fang", "Wang"),
    "investigator.sh01": ("Kuaile", "Zhao"),
    "monitor.sh01": ("Jing", "Liu"),
    "datamanager.sh01": ("Lei", "Sun"),
    "nurse.hz01": ("Min", "Xu"),
    "investigator.hz01": ("Ming", "Chen"),
    "monitor.hz01": ("Yan", "Zhou"),
    "datamanager.hz01": ("Tao", "Wu"),
    "nurse.fz01": ("Hui", "Zheng"),
    "investigator.fz01": ("Hua", "Lin"),
    "monitor.fz01": ("Qing", "Huang"),
    "datamanager.fz01": ("Bo", "He"),
    "datamanager": ("Xin", "Gao"),
    "randomizationmanager": ("Yu", "Ma"),
    "admin": ("IT", "Administrator"),
}


def _user(username, *, sites, role=None, staff=False, superuser=False):
    """Create a demo user once; a rerun leaves an existing user (and a changed password) alone."""
    User = get_user_model()
    first_name, last_name = DEMO_NAMES.get(username, ("", ""))
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "is_staff": staff or superuser,
            "is_superuser": superuser,
            "email": f"{username}@example.org",
            "first_name": first_name,
            "last_name": last_name,
        },
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
        if site == sites[0]:
            created += seed_endpoint_examples(site, nurse, investigator)
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


def _lesion(label, organ, longest, target, short_axis=None, **fields):
    return dict(
        label=label,
        organ=organ,
        location=LOCATIONS[organ],
        longest_diameter_mm=Decimal(longest),
        short_axis_mm=None if short_axis is None else Decimal(short_axis),
        target_lesion=target,
        **fields,
    )


W = Decimal
# The cases the endpoint rules exist for (crf.recist, crf.endpoints), one patient each:
# (initials, lesions, assessments as (weeks after randomization, size factor(s), new lesions),
#  week treatment ended or None, new anticancer therapy (week, type, description) or None)
ENDPOINT_EXAMPLES = [
    # Non-target disease only (a lytic bone lesion, a 12 mm node): NON-CR/NON-PD, then the bone
    # lesion progresses unequivocally: PD.
    (
        "NTO",
        [_lesion("L1", "bone", 22, False), _lesion("L2", "non_regional_ln", 16, False, short_axis=12)],
        [(6, W("0.9"), False), (12, W("0.9"), False), (21, W("1.3"), False)],
        21,
        None,
    ),
    # A nodal target reaching CR: node 18 → 8.1 mm short axis (normal), lung target gone; sum 8.1, not 0.
    (
        "NOD",
        [_lesion("L1", "non_regional_ln", 24, True, short_axis=18), _lesion("L2", "lung", 16, True)],
        [(6, W("0.6"), False), (12, {"L1": W("0.45"), "L2": W(0)}, False), (21, {"L1": W("0.45"), "L2": W(0)}, False)],
        None,
        None,
    ),
    # Treatment stopped, second-line docetaxel started before progression: PFS censored (CNSR 2)
    # at the last adequate assessment before it.
    (
        "NAT",
        [_lesion("L1", "liver", 30, True)],
        [(6, W("0.9"), False), (12, W("0.85"), False), (24, W("1.4"), False)],
        14,
        (15, "systemic", "Docetaxel 75 mg/m² every 3 weeks, second line"),
    ),
    # One assessment, then none until progression at week 30: two scheduled assessments were
    # missed, so PFS is censored (CNSR 3) at the week-6 assessment.
    (
        "MIS",
        [_lesion("L1", "lung", 25, True)],
        [(6, W("0.8"), False), (30, W("1.3"), False)],
        30,
        None,
    ),
]


def seed_endpoint_examples(site, nurse, investigator):
    """The demo's scripted patients (ENDPOINT_EXAMPLES), randomized about 8 months ago."""
    today = timezone.localdate()
    created = 0
    for initials, lesions, visits, ended_week, new_therapy in ENDPOINT_EXAMPLES:
        randomized_on = today - timedelta(weeks=34)
        patient = Patient(
            site=site, initials=initials, sex="M", year_of_birth=1960, consent_date=randomized_on - timedelta(days=9)
        )
        register_patient(patient, by=nurse)
        for spec in lesions:
            save_with_reason(
                MetastaticLesion(
                    patient=patient,
                    imaging_method="ct",
                    imaging_date=patient.consent_date,
                    pathologically_confirmed=spec["label"] == "L1",
                    **spec,
                ),
                nurse,
            )
        save_with_reason(
            Baseline(
                patient=patient,
                ecog=1,
                histological_diagnosis_date=patient.consent_date - timedelta(days=60),
                primary_location="middle",
                clinical_t="T3",
                clinical_n="N1",
                primary_status="controlled",
                metastasis_timing="metachronous",
                prior_anti_pd1=False,
                systemic_therapy_line=1,
            ),
            nurse,
        )
        eligibility = save_with_reason(
            Eligibility(
                patient=patient,
                assessment_date=randomized_on - timedelta(days=3),
                confirmed_by=investigator,
                confirmed_on=timezone.now(),
                **{name: meets for name, meets in eligibility_rules.CRITERIA},
            ),
            nurse,
        )
        lesion_rows = list(patient.lesions.order_by("id"))
        if not eligibility_rules.assess(eligibility, lesion_rows, patient).eligible:
            continue
        allocate(patient, investigator, status=Status.ELIGIBLE, randomized_on=randomized_on)
        last_week = ended_week or 34
        for number, day in enumerate(range(2, last_week * 7, protocol.CYCLE_LENGTH_DAYS.value), start=1):
            save_with_reason(
                TreatmentCycle(
                    patient=patient,
                    cycle_number=number,
                    day1_date=randomized_on + timedelta(days=day),
                    anti_pd1_agent="tislelizumab",
                    anti_pd1_dose_mg=200,
                ),
                nurse,
            )
            last_dose = randomized_on + timedelta(days=day)
        seed_assessments(
            patient, lesion_rows, [(randomized_on + timedelta(weeks=w), f, new) for w, f, new in visits], nurse
        )
        if ended_week:
            progressed = ended_week == visits[-1][0]
            save_with_reason(
                EndOfTreatment(
                    patient=patient, end_date=last_dose, reason="progression" if progressed else "investigator"
                ),
                nurse,
            )
        if new_therapy:
            week, kind, description = new_therapy
            save_with_reason(
                NewAnticancerTherapy(
                    patient=patient,
                    therapy_type=kind,
                    description=description,
                    start_date=randomized_on + timedelta(weeks=week),
                    intent="disease_directed",
                ),
                nurse,
            )
        created += 1
    return created


def seed_screening(patient, rng, nurse, investigator):
    """Lesions, baseline and eligibility: mostly eligible and confirmed, some screen failures,
    and the most recent patients still in screening."""
    if patient.consent_date > timezone.localdate() - timedelta(days=10):
        return  # consented in the last days: screening not yet done
    day = patient.consent_date + timedelta(days=rng.randint(1, 6))
    screen_failure = rng.random() < 0.15
    n_lesions = 5 if screen_failure and rng.random() < 0.5 else rng.choice((1, 1, 2, 2, 3, 4))
    targets = []
    for number in range(1, n_lesions + 1):
        organ = rng.choice(ORGANS)
        longest = Decimal(rng.randint(8, 45))
        lesion = MetastaticLesion(
            patient=patient,
            label=f"L{number}",
            organ=organ,
            location=LOCATIONS[organ],
            longest_diameter_mm=longest,
            imaging_method=rng.choice(("ct", "ct", "mri", "pet_ct")),
            imaging_date=patient.consent_date - timedelta(days=rng.randint(0, 20)),
            pathologically_confirmed=number == 1,
        )
        if lesion.nodal:  # short axis 10 mm (pathological) up to the longest diameter
            lesion.short_axis_mm = max(Decimal(10), (longest * Decimal("0.7")).quantize(Decimal("0.1")))
            lesion.longest_diameter_mm = max(longest, lesion.short_axis_mm)
        elif organ == "bone" and rng.random() < 0.5:
            lesion.bone_soft_tissue_mm = (longest * Decimal("0.6")).quantize(Decimal("0.1"))
        # RECIST 1.1 selection: measurable lesions, at most 2 per organ (all nodes one organ).
        organ_of = recist.target_organ(lesion.organ_key)
        lesion.target_lesion = (
            lesion.not_measurable_because is None and len(targets) < 2 and targets.count(organ_of) < 2
        )
        if lesion.target_lesion:
            targets.append(organ_of)
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
    failures = eligibility_rules.assess(eligibility, list(patient.lesions.filter(voided=False)), patient).failures
    if failures and not screen_failure:  # the random lesions broke a rule: a screen failure, as in life
        screen_failure = True
        eligibility.screen_failure_reason = failures[0]
    if screen_failure:
        eligibility.screen_failure_reason = eligibility.screen_failure_reason or (
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
    assessed_on, induction_end = randomized_on, first_dose + timedelta(days=84)
    shrink = Decimal(rng.choice(("0.55", "0.65", "0.8", "0.9")))
    visits = []
    while True:
        assessed_on += timedelta(weeks=6 if assessed_on < induction_end else 9)
        if assessed_on > today:
            break
        progressed = assessed_on >= progression_on
        visits.append((assessed_on, Decimal("1.3") if progressed else shrink, progressed and rng.random() < 0.5))
        if progressed:
            break
    seed_assessments(patient, lesions, visits, nurse)
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


def seed_assessments(patient, lesions, visits, nurse):
    """Save tumour assessments as a nurse enters them: each target at `factor` times its baseline,
    each non-target present (or progressing when its factor is above 1), and the overall response
    RECIST 1.1 implies (crf.recist). `visits`: (date, factor, new lesions) in date order."""
    from .forms import NON_TARGET_CODES, baseline_sum, split_lesions

    targets, non_targets = split_lesions(lesions)
    done = []
    for on, factor, new_lesions in visits:
        factors = factor if isinstance(factor, dict) else {lesion.label: factor for lesion in lesions}
        factor = max(factors.values())
        measurements = {
            lesion: (lesion.baseline_mm * factors[lesion.label]).quantize(Decimal("0.1")) for lesion in targets
        }
        status = recist.PROGRESSION if factor > 1 and not targets else recist.PRESENT
        statuses = {lesion: status for lesion in non_targets}
        current = recist.Assessment(
            measurements=tuple(recist.Measurement(lesion.nodal, mm) for lesion, mm in measurements.items()),
            non_target_statuses=tuple(statuses.values()),
            new_lesions=new_lesions,
        )
        numbers = recist.implied_response(baseline_sum(targets), done, current)
        if factor > 1 and numbers["implied"] != recist.PD:  # growth under 5 mm: progression by a new lesion
            current = recist.Assessment(current.measurements, current.non_target_statuses, new_lesions=True)
            numbers = recist.implied_response(baseline_sum(targets), done, current)
            new_lesions = True
        assessment = save_with_reason(
            TumourAssessment(
                patient=patient,
                assessment_date=on,
                imaging_method="ct",
                new_lesions=new_lesions,
                non_target_status=NON_TARGET_CODES[numbers["non_target"]],
                overall_response=numbers["implied"],
            ),
            nurse,
        )
        for lesion, mm in measurements.items():
            save_with_reason(TargetMeasurement(assessment=assessment, lesion=lesion, diameter_mm=mm), nurse)
        for lesion, value in statuses.items():
            save_with_reason(NonTargetStatus(assessment=assessment, lesion=lesion, status=value), nurse)
        done.append(current)
    return done


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
