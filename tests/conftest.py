import os

import pytest

from accounts import roles
from safety import ctcae
from safety.models import CtcaeTerm

from .factories import PatientFactory, TrialSiteFactory, UserFactory

pytest_plugins = ["tests.traceability"]  # requirements traceability: docs/requirements.md

# Playwright's sync API keeps an event loop in the test thread; Django's ORM would refuse to run
# beside it. The tests themselves are synchronous, so this is safe here (and only here).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def site(db):
    return TrialSiteFactory(code="SH01", name="Fudan University Shanghai Cancer Center")


@pytest.fixture
def other_site(db):
    return TrialSiteFactory(code="HZ01", name="Zhejiang Cancer Hospital", city="Hangzhou")


@pytest.fixture
def nurse(site):
    return UserFactory(username="nurse.sh01", role=roles.RESEARCH_NURSE, sites=[site])


@pytest.fixture
def investigator(site):
    return UserFactory(username="investigator.sh01", role=roles.INVESTIGATOR, sites=[site])


@pytest.fixture
def monitor(site):
    return UserFactory(username="monitor.sh01", role=roles.MONITOR, sites=[site])


@pytest.fixture
def data_manager(site):
    return UserFactory(username="datamanager.sh01", role=roles.DATA_MANAGER, sites=[site], is_staff=True)


@pytest.fixture
def patient(site):
    return PatientFactory(site=site)


@pytest.fixture
def other_site_patient(other_site):
    return PatientFactory(site=other_site)


@pytest.fixture
def nurse_client(client, nurse):
    client.force_login(nurse)
    return client


@pytest.fixture
def terms(db):
    """The CTCAE catalogue (loaded by migration; reloaded after a transactional test flushed it)."""
    ctcae.load(CtcaeTerm)
    return CtcaeTerm.objects


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    """Trial-dataset ZIPs go to each test's own folder, not to the checkout's var/exports."""
    settings.EXPORT_ROOT = tmp_path / "exports"
