"""A data manager downloads the trial ZIP from the admin and opens it with pandas and pyreadstat."""

import io
import zipfile

import pandas as pd
import pyreadstat
import pytest

from accounts import roles
from tests.exports.conftest import build_course
from tests.factories import PASSWORD, UserFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.req("DAT-8")
def test_data_manager_downloads_the_trial_zip_from_the_admin(page, site, investigator, terms, tmp_path):
    for arm in ("combined", "systemic"):
        build_course(site, investigator, arm=arm)
    UserFactory(username="datamanager.sh01", role=roles.DATA_MANAGER, sites=[site], is_staff=True)

    log_in(page, "datamanager.sh01", PASSWORD)
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Export log").click()
    page.get_by_role("link", name="Export trial dataset").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export trial dataset").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)

    archive = zipfile.ZipFile(path)
    root = archive.namelist()[0].split("/")[0]
    analysis = pd.read_csv(io.BytesIO(archive.read(f"{root}/analysis.csv")))
    assert sorted(analysis.arm) == ["combined", "systemic"]
    (tmp_path / "ae.sav").write_bytes(archive.read(f"{root}/spss/adverse_events.sav"))
    frame, meta = pyreadstat.read_sav(tmp_path / "ae.sav", apply_value_formats=True)
    assert set(frame.outcome) == {"Recovering/resolving"}

    page.goto("/admin/exports/exportrun/")
    assert page.get_by_role("link", name="Download").count() == 1  # the export is in the log
