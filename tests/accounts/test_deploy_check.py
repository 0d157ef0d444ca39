"""Production settings pass Django's deployment checklist with no warning."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    dev_only = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dev_only}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def production_env():
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return {
        "DEBUG": "0",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "ALLOWED_HOSTS": "ecrf.example.org",
    }


def test_check_deploy_passes_with_production_environment():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_secret_key_fails_the_deploy_check_and_signs_nothing():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr
    # Logins sign the session with the key: without one, Django refuses instead of signing with "".
    sign = run_manage("shell", "-c", "from django.core import signing; signing.dumps('session')", **env)
    assert sign.returncode != 0
    assert "SECRET_KEY setting must not be empty" in sign.stderr


def test_seed_demo_is_refused_in_production():
    result = run_manage("seed_demo", **production_env())
    assert result.returncode != 0
    assert "refuses to run with DEBUG off" in result.stderr
