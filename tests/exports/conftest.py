import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse

from accounts import roles
from audit.services import save_with_reason, void
from crf.models import (
    EndOfTreatment,
    FollowUp,
    LocalIntervention,
    NewAnticancerTherapy,
    NonTargetStatus,
    OffStudy,
    TargetMeasurement,
    TumourAssessment,
)
from tests.factories import (
    AdverseEventFactory,
    AllocationFactory,
    CycleFactory,
    UserFactory,
    make_eligible_patient,
)

RANDOMIZED = date(2025, 3, 10)


def build_course(site, investigator, *, arm="combined", cycles=3, progression_on=None, death_on=None, aes=1):
    """A randomized patient with lesions, cycles, a local intervention, assessments, follow-up and AEs."""
    patient = make_eligible_patient(site, investigator, organs=("lung", "liver"))
    AllocationFactory(
        patient=patient,
        arm=arm,
        randomized_on=RANDOMIZED,
        stratum="lesion_count=2-4|therapy_line=1|metastasis_type=visceral",
    )
    for number in range(1, cycles + 1):
        CycleFactory(patient=patient, cycle_number=number, day1_date=RANDOMIZED + timedelta(days=2 + 21 * (number - 1)))
    lesion = patient.lesions.get(label="L1")
    if arm == "combined":
        LocalIntervention.objects.create(
            lesion=lesion,
            modality="radiotherapy",
            intent="protocol",
            start_date=RANDOMIZED + timedelta(days=30),
            rt_technique="sbrt",
            total_dose_gy=Decimal("40"),
            fractions=5,
        )
    first = TumourAssessment.objects.create(
        patient=patient,
        assessment_date=RANDOMIZED + timedelta(weeks=6),
        imaging_method="ct",
        non_target_status="non_cr_non_pd",
        overall_response="PR",
    )
    TargetMeasurement.objects.create(assessment=first, lesion=lesion, diameter_mm=Decimal("11.5"))
    NonTargetStatus.objects.create(assessment=first, lesion=patient.lesions.get(label="L2"), status="present")
    if progression_on:
        TumourAssessment.objects.create(
            patient=patient,
            assessment_date=progression_on,
            imaging_method="ct",
            non_target_status="pd",
            new_lesions=True,
            overall_response="PD",
        )
    if death_on:
        FollowUp.objects.create(
            patient=patient, contact_date=death_on, vital_status="dead", death_date=death_on, death_cause="progression"
        )
    for n in range(aes):
        AdverseEventFactory(patient=patient, onset_date=RANDOMIZED + timedelta(days=20 + n), grade=3 - n % 2)
    return patient


@pytest.fixture
def trial(site, other_site, investigator, nurse, terms):
    """SH01: a combined-arm patient who progressed and died, a systemic-arm patient censored, and an
    edited then voided cycle; HZ01: one patient another site's data manager must never see."""
    progressed = build_course(site, investigator, progression_on=date(2025, 8, 4), death_on=date(2025, 12, 1), aes=2)
    EndOfTreatment.objects.create(patient=progressed, end_date=date(2025, 8, 4), reason="progression")
    from safety.signing import sign
    from tests.factories import PASSWORD

    sign(progressed.adverse_events.order_by("pk").first(), investigator, PASSWORD, "reviewed")
    OffStudy.objects.create(patient=progressed, off_study_date=date(2025, 12, 1), reason="death")
    censored = build_course(site, investigator, arm="systemic", cycles=4, aes=0)
    cycle = censored.cycles.get(cycle_number=4)
    cycle.anti_pd1_dose_mg = Decimal("240")
    save_with_reason(cycle, nurse, "Dose misread from the prescription")
    void(censored.cycles.get(cycle_number=3), "Entered twice", by=nurse)
    NewAnticancerTherapy.objects.create(
        patient=censored,
        therapy_type="radiotherapy",
        description="Palliative RT, T8",
        start_date=date(2025, 5, 1),
        intent="palliative",
    )
    investigator_hz = UserFactory(username="investigator.hz01", role=roles.INVESTIGATOR, sites=[other_site])
    elsewhere = build_course(other_site, investigator_hz)
    return {"progressed": progressed, "censored": censored, "elsewhere": elsewhere}


@pytest.fixture
def trial_data_manager(site, other_site):
    """The trial-wide data manager: both sites."""
    return UserFactory(username="datamanager", role=roles.DATA_MANAGER, sites=[site, other_site], is_staff=True)


class TrialZip:
    """The downloaded ZIP, read as a data manager would: by file name, with pandas."""

    def __init__(self, content):
        self.zip = zipfile.ZipFile(io.BytesIO(content))
        self.root = self.zip.namelist()[0].split("/")[0]

    def names(self):
        return [name.removeprefix(f"{self.root}/") for name in self.zip.namelist()]

    def read(self, name):
        return self.zip.read(f"{self.root}/{name}")

    def csv(self, name):
        return pd.read_csv(io.BytesIO(self.read(name)), dtype=str, keep_default_na=False)

    def extract(self, name, folder):
        path = folder / name.replace("/", "_")
        path.write_bytes(self.read(name))
        return path


def export_zip(client, sites=()):
    response = client.post(reverse("admin:exports_exportrun_new"), {"sites": [site.pk for site in sites]})
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "application/zip"
    return TrialZip(b"".join(response.streaming_content))
