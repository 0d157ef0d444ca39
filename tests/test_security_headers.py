"""Response headers a hospital's security review checks on every page."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.req("SEC-5")
def test_patient_pages_are_never_cached(nurse_client, patient):
    for url in (reverse("crf:patient_list"), reverse("crf:patient_detail", args=[patient.screening_number])):
        cache_control = nurse_client.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url


@pytest.mark.req("SEC-4")
def test_content_security_policy_forbids_inline_scripts(nurse_client):
    policy = nurse_client.get(reverse("crf:patient_list"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


@pytest.mark.req("SEC-5")
def test_permissions_policy_denies_devices(nurse_client):
    policy = nurse_client.get(reverse("crf:patient_list"))["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy


@pytest.mark.req("SEC-4")
def test_no_template_has_an_inline_script_or_event_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html") if inline.search(path.read_text())
    ]
    assert offenders == []


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
@pytest.mark.req("SEC-5")
def test_gunicorn_sends_no_server_banner(tmp_path):
    port = free_port()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "esotrial.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "gunicorn.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 60  # a loaded 2-core CI machine boots a worker slowly
        while time.monotonic() < deadline:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        assert "gunicorn" not in response.headers.get("Server", "").lower()
        assert response.headers["Content-Security-Policy"]
        assert "no-store" in response.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(10)
