"""Settings for the benchmarks: the eCRF's own, plus a bare logged-in view to compare pages with."""

from esotrial.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
