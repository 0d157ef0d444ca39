"""The suite runs against the real services: PostgreSQL for data, Redis for Celery and the cache."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from esotrial.celery import app as celery_app
from esotrial.celery import ping


@pytest.mark.django_db
@pytest.mark.req("DAT-14")
def test_database_is_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.req("DAT-14")
def test_redis_is_configured_for_broker_and_cache():
    assert settings.REDIS_URL.startswith("redis://"), "make test sets REDIS_URL; Redis tests must not fall back"
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL


@pytest.mark.req("DAT-14")
def test_cache_round_trip_through_redis():
    cache.set("esotrial-test", {"visit": 3}, 30)
    assert cache.get("esotrial-test") == {"visit": 3}


@pytest.mark.req("DAT-14")
def test_celery_task_round_trip_through_redis():
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert ping.delay().get(timeout=20) == "pong"


@pytest.mark.django_db
@pytest.mark.req("DAT-14")
def test_health_reports_database_and_broker(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.mark.req("DAT-14")
def test_enqueue_reaches_redis():
    from esotrial.celery import enqueue

    assert enqueue(ping) is True
