"""The SAS, SPSS and Stata files of one dataset, made from its CSV: dates stay dates, integers keep their value."""

from datetime import UTC, date, datetime

import pyreadstat

from exports.datasets import Dataset, Variable
from exports.services import frame_from_csv, write_csv, write_statistical_files

DATASET = Dataset(
    name="events",
    label="Events",
    sas_name="EVENTS",
    variables=(
        Variable("screening_number", "Screening number", "string"),
        Variable("resolved_on", "Resolution date", "date"),
        Variable("signed_at", "Signed at (UTC)", "datetime"),
        Variable("days", "Days from randomization", "integer"),
        Variable("never_dated", "A date nobody entered", "date"),
    ),
    read=None,
)


def write_files(tmp_path, rows):
    for sub in ("sas", "spss", "stata"):
        (tmp_path / sub).mkdir()
    path = tmp_path / "events.csv"
    count = write_csv(path, [v.name for v in DATASET.variables], rows, types=[v.type for v in DATASET.variables])
    write_statistical_files(DATASET, frame_from_csv(DATASET, path, count), tmp_path)
    return (
        pyreadstat.read_sav(tmp_path / "spss" / "events.sav"),
        pyreadstat.read_dta(tmp_path / "stata" / "events.dta"),
        pyreadstat.read_xport(tmp_path / "sas" / "events.xpt"),
    )


def test_a_date_first_entered_after_a_hundred_empty_rows_is_a_date_in_every_format(tmp_path):
    rows = [[f"SH01-{n:04d}", None, None, n - 150, None] for n in range(150)]
    rows.append(["SH01-0150", date(2025, 3, 10), datetime(2025, 3, 11, 8, 30, tzinfo=UTC), 5_000_000_000, None])
    for data, meta in write_files(tmp_path, rows):
        last = data.iloc[-1]
        assert last.iloc[1] == date(2025, 3, 10)
        assert last.iloc[2] == datetime(2025, 3, 11, 8, 30)
        assert (data.iloc[0, 3], last.iloc[3]) == (-150, 5_000_000_000)  # beyond 32 bits, and negative
        assert data.iloc[:-1, 1].isna().all() and data.iloc[:, 4].isna().all()
        assert set(meta.readstat_variable_types.values()) == {"string", "double"}
        assert list(meta.readstat_variable_types.values())[4] == "double"  # empty throughout: still a date
