"""Pages cost the same number of queries at any trial size (issue 16).

The worst case is a trial-wide investigator: every site's patients, the "AEs to sign" count in the
navigation. Each page is read on a small trial, then again after it has grown (more patients, more
cycles, more AEs); the count must not move, and stays at most 15.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from tests.factories import (
    AdverseEventFactory,
    AllocationFactory,
    CycleFactory,
    LesionFactory,
    PatientFactory,
    TrialSiteFactory,
    UserFactory,
)

MAX_QUERIES = 15


def grow(sites, patients, cycles, adverse_events):
    """Add randomized patients, each with lesions, cycles and AEs, spread over the sites."""
    today = date.today()
    for n in range(patients):
        patient = PatientFactory(site=sites[n % len(sites)])
        AllocationFactory(patient=patient, randomized_on=today - timedelta(days=30 + 21 * cycles))
        for label in ("L1", "L2"):
            LesionFactory(patient=patient, label=label)
        for number in range(1, cycles + 1):
            CycleFactory(patient=patient, cycle_number=number, day1_date=today - timedelta(days=21 * (cycles - number)))
        for _ae in range(adverse_events):
            AdverseEventFactory(patient=patient, serious=False, site_aware_at=None, sae_hospitalization=False)
    return patient


def pages(patient, ae):
    return {
        "patient list": reverse("crf:patient_list"),
        "patient list, status filter": reverse("crf:patient_list") + "?status=on_treatment",
        "patient page": reverse("crf:patient_detail", args=[patient.screening_number]),
        "due visits": reverse("visits:due_visits"),
        "AEs to sign": reverse("safety:ae_to_sign"),
        "safety summary": reverse("safety:summary"),
        "AE page": reverse("safety:ae_detail", args=[patient.screening_number, ae.pk]),
    }


def queries(client, url):
    """Statements that read or write data. Transaction control is left out: the test's SAVEPOINTs
    stand for the BEGIN and COMMIT of ATOMIC_REQUESTS, which Django does not log in production."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len([q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))])


@pytest.mark.django_db
@pytest.mark.req("PERF-4")
def test_no_page_grows_in_queries_with_the_trial(client, terms):
    sites = [TrialSiteFactory(code=code) for code in ("SH01", "HZ01", "FZ01")]
    investigator = UserFactory(username="investigator.all", role=roles.INVESTIGATOR, sites=sites)
    client.force_login(investigator)
    patient = grow(sites, patients=2, cycles=2, adverse_events=1)
    ae = patient.adverse_events.first()
    small = {name: queries(client, url) for name, url in pages(patient, ae).items()}

    grow(sites, patients=30, cycles=6, adverse_events=3)
    for number in range(3, 9):  # the patient whose page is read grows too
        CycleFactory(patient=patient, cycle_number=number, day1_date=date.today() + timedelta(days=21 * number))
    for _ae in range(4):
        AdverseEventFactory(patient=patient, serious=False, site_aware_at=None, sae_hospitalization=False)
    large = {name: queries(client, url) for name, url in pages(patient, ae).items()}

    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large
