import pytest

from accounts import roles
from esotrial.celery import app as celery_app
from randomization.services import generate_list
from tests.factories import UserFactory


@pytest.fixture
def randomization_list(db, site):
    randomization_list, _ = generate_list("test-seed", 12, "test")
    return randomization_list


@pytest.fixture
def randomization_manager(site, other_site):
    return UserFactory(
        username="statistician", role=roles.RANDOMIZATION_MANAGER, sites=[site, other_site], is_staff=True
    )


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process so that a test can read the e-mail they send."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False
