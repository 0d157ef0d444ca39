"""Building the trial-dataset ZIP: CSV, SAS XPORT, SPSS and Stata files, dictionary, audit trail, manifest.

Each dataset streams from the database to its CSV (constant memory); the statistical files are
then made from that CSV with pandas and pyreadstat (ReadStat), so every format holds the same
values. pyreadstat has no chunked writer: it takes a whole data frame, so peak memory is that of
the largest dataset's frame (the cycles), not of the trial. That frame is kept small: parsed a
few thousand rows at a time into typed columns of 4-8 bytes a value (frame_from_csv), and dates
handed over as numbers so that pyreadstat never copies it (_stored_times). Each format's converted
dates are dropped before the next format's.
"""

import csv
import hashlib
import json
import logging
import tempfile
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

import esotrial
from accounts.models import AccountEvent
from audit.history import field_changes
from crf.models import (
    Baseline,
    Eligibility,
    EndOfTreatment,
    FollowUp,
    LocalIntervention,
    MetastaticLesion,
    NewAnticancerTherapy,
    NonTargetStatus,
    OffStudy,
    Patient,
    TargetMeasurement,
    TreatmentCycle,
    TumourAssessment,
)
from esotrial import protocol
from randomization.models import Allocation
from safety.models import AdverseEvent, SaeReport, Signature
from visits.models import MissedVisit

from .datasets import CHUNK, form_datasets
from .models import ExportRun

logger = logging.getLogger(__name__)

XPT_NAME_LENGTH, XPT_LABEL_LENGTH, XPT_STRING_BYTES = 8, 40, 200  # SAS XPORT version 5 limits
# Stata allows 32-character names, but pyreadstat names a variable's value-label set after the
# variable plus a counter, which must fit in 32 too.
DTA_NAME_LENGTH, DTA_LABEL_LENGTH = 29, 80
READ_ROWS = 10_000  # CSV rows parsed at a time into a dataset's frame: more only grows the parser's leftovers
FRAME_STORAGE = {  # how frame_from_csv holds each variable type
    "string": object,
    "integer": np.uint32,
    "number": np.float64,
    "date": "datetime64[s]",
    "datetime": "datetime64[s]",
}
# How each format stores a date and a datetime (as pyreadstat writes them): a number from the format's
# epoch in a unit (SPSS counts seconds for both, Stata milliseconds for a datetime), shown in a format.
STORED_TIME = {
    "sav": {
        "epoch": "1582-10-14",
        "date": (np.timedelta64(1, "s"), "DATE"),
        "datetime": (np.timedelta64(1, "s"), "DATETIME"),
    },
    "dta": {
        "epoch": "1960-01-01",
        "date": (np.timedelta64(1, "D"), "%td"),
        "datetime": (np.timedelta64(1, "ms"), "%tc"),
    },
    "xpt": {
        "epoch": "1960-01-01",
        "date": (np.timedelta64(1, "D"), "DATE"),
        "datetime": (np.timedelta64(1, "s"), "DATETIME"),
    },
}

# Every audited model and the path from its history row to the patient ("" for Patient itself).
AUDITED = (
    (Patient, ""),
    (Eligibility, "patient"),
    (Baseline, "patient"),
    (MetastaticLesion, "patient"),
    (LocalIntervention, "lesion__patient"),
    (TreatmentCycle, "patient"),
    (TumourAssessment, "patient"),
    (TargetMeasurement, "assessment__patient"),
    (NonTargetStatus, "assessment__patient"),
    (FollowUp, "patient"),
    (NewAnticancerTherapy, "patient"),
    (EndOfTreatment, "patient"),
    (OffStudy, "patient"),
    (AdverseEvent, "patient"),
    (Signature, "adverse_event__patient"),
    (SaeReport, "adverse_event__patient"),
    (Allocation, "patient"),
    (MissedVisit, "patient"),
)
# Not in the audit trail: the row id (it is the record column) and the allocation's slot (concealment).
AUDIT_HIDDEN_FIELDS = {"id", "slot"}
AUDIT_COLUMNS = (
    "model",
    "record_id",
    "screening_number",
    "site_code",
    "action",
    "field",
    "old",
    "new",
    "user",
    "user_printed_name",
    "time",
    "reason",
    "history_id",
)


def csv_value(value):
    """ISO 8601 dates, UTC datetimes with a Z, booleans as 1/0, missing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def short_names(names, limit, upper=False):
    """Unique names of at most `limit` characters for formats that cannot hold long ones.

    A long name loses characters from its longest words first (relationship_to_anti_pd1 →
    RELATAPD at 8), so it stays recognisable; the dictionary lists every mapping.
    """
    result, taken = {}, set()
    for name in names:
        words = name.split("_")
        joiner = "" if limit <= 8 else "_"
        while len(joiner.join(words)) > limit:
            longest = max(range(len(words)), key=lambda i: len(words[i]))
            if len(words[longest]) > 1:
                words[longest] = words[longest][:-1]
            else:
                words.pop()
        base = joiner.join(words)
        base = base.upper() if upper else base
        candidate, n = base, 1
        while candidate.lower() in taken:
            suffix = str(n)
            candidate, n = base[: limit - len(suffix)] + suffix, n + 1
        taken.add(candidate.lower())
        result[name] = candidate
    return result


def codes_text(codes):
    return " | ".join(f"{code}={label}" for code, label in codes.items()) if codes else ""


# Only these types need converting for CSV; strings and numbers are written as they are (None as "").
CSV_CONVERTERS = {
    "date": lambda value: value.isoformat() if value is not None else None,
    "datetime": csv_value,
    "integer": lambda value: int(value) if isinstance(value, bool) else value,
}


def write_csv(path, header, rows, types=None):
    """Stream `rows` to a CSV file; `types` (one per column) picks the converters, else csv_value."""
    count = 0
    conversions = [(i, CSV_CONVERTERS[kind]) for i, kind in enumerate(types or ()) if kind in CSV_CONVERTERS]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            if types is None:
                row = [csv_value(value) for value in row]
            for i, convert in conversions:
                row[i] = convert(row[i])
            writer.writerow(row)
            count += 1
    return count


def frame_from_csv(dataset, path, rows):
    """The dataset's CSV (`rows` rows) as a typed data frame: what the SAS, SPSS and Stata files are made from.

    Parsed READ_ROWS rows at a time into columns allocated once, so the parser's buffers stay small
    beside the frame: text as str, integers as UInt32 (Int64 for a column with a negative or larger
    value), numbers as float64, dates and datetimes (UTC, whole seconds) as datetime64[s], NaT when
    empty. pyreadstat writes UInt32 and Int64 alike as doubles: the files are the same, the ids and
    flags take half the memory.
    """
    types = {variable.name: variable.type for variable in dataset.variables}
    data = {name: np.empty(rows, dtype=FRAME_STORAGE[kind]) for name, kind in types.items()}
    masks = {name: np.empty(rows, dtype=bool) for name, kind in types.items() if kind == "integer"}
    dtypes = {name: {"integer": "Int64", "number": "float64"}.get(kind, str) for name, kind in types.items()}
    na = {name: [""] for name, kind in types.items() if kind != "string"}
    start = 0
    with pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=na, chunksize=READ_ROWS) as chunks:
        for chunk in chunks:
            end = start + len(chunk)
            for name, kind in types.items():
                values = chunk[name]
                if kind == "integer":
                    masks[name][start:end] = values.isna().to_numpy()
                    values = values.to_numpy(dtype=np.int64, na_value=0)
                    wide = values.min(initial=0) < 0 or values.max(initial=0) > np.iinfo(np.uint32).max
                    if wide and data[name].dtype == np.uint32:
                        data[name] = data[name].astype(np.int64)
                elif kind == "date":
                    values = pd.to_datetime(values, format="%Y-%m-%d")
                elif kind == "datetime":
                    values = pd.to_datetime(values, format="ISO8601", utc=True).dt.tz_convert(None)
                data[name][start:end] = values
            start = end
    columns = {}
    for name, kind in types.items():
        columns[name] = data.pop(name)
        if kind == "string":
            columns[name] = pd.array(columns[name], dtype="str", copy=False)
        elif kind == "integer":
            columns[name] = pd.arrays.IntegerArray(columns[name], masks.pop(name))
    # copy=False: each column stays its own array (no 2-D block of the float columns copied beside them).
    return pd.DataFrame(columns, copy=False)


def _stored_times(dataset, frame, file_format):
    """`frame` with its dates and datetimes as the numbers `file_format` stores, and their display formats.

    This is pyreadstat's own conversion (it reads the files back as dates), done here because for a
    datetime64 column pyreadstat first deep-copies the whole frame, and it types an object column of
    dates from its first 100 values: a date column empty in its first 100 rows failed, and one empty
    throughout was written as a 1-character text variable (now a date variable, all missing).
    """
    calendar = STORED_TIME[file_format]
    epoch = np.datetime64(calendar["epoch"])
    times = [variable for variable in dataset.variables if variable.type in ("date", "datetime")]
    numbers = {v.name: (frame[v.name] - epoch) / calendar[v.type][0] for v in times}
    return frame.assign(**numbers), {v.name: calendar[v.type][1] for v in times}


def _truncate(text, limit):
    encoded = text.encode("utf-8")
    return text if len(encoded) <= limit else encoded[:limit].decode("utf-8", errors="ignore")


def write_statistical_files(dataset, frame, folder):
    """<name>.xpt (SAS XPORT v5), <name>.sav (SPSS), <name>.dta (Stata), with labels. Returns notes."""
    notes = []
    # str(): verbose names and choice labels are lazy translations; the files are English (the caller).
    labels = {variable.name: str(variable.label) for variable in dataset.variables}
    coded = {
        variable.name: {code: str(label) for code, label in variable.codes.items()}
        for variable in dataset.variables
        if variable.codes
    }

    # SPSS: every coded variable carries its value labels, string codes included.
    data, formats = _stored_times(dataset, frame, "sav")
    pyreadstat.write_sav(
        data,
        folder / "spss" / f"{dataset.name}.sav",
        file_label=dataset.label,
        column_labels=labels,
        variable_value_labels=coded,
        variable_format=formats,
    )
    del data  # one format's dates as numbers at a time

    # Stata labels numeric values only; string codes keep their <name>_label column.
    names = short_names(frame.columns, DTA_NAME_LENGTH)
    numeric_codes = {
        names[name]: codes
        for name, codes in coded.items()
        if all(isinstance(code, int) for code in codes) and pd.api.types.is_integer_dtype(frame[name])
    }
    data, formats = _stored_times(dataset, frame, "dta")
    pyreadstat.write_dta(
        data.rename(columns=names),
        folder / "stata" / f"{dataset.name}.dta",
        file_label=dataset.label[:DTA_LABEL_LENGTH],
        column_labels={names[n]: label[:DTA_LABEL_LENGTH] for n, label in labels.items()},
        variable_value_labels=numeric_codes,
        variable_format={names[n]: f for n, f in formats.items()},
    )
    del data

    # SAS XPORT v5 (the FDA's transport format): 8-character names, 40-character labels, 200-byte
    # strings. Value labels go to formats.sas (SAS keeps formats outside the data file).
    names = short_names(frame.columns, XPT_NAME_LENGTH, upper=True)
    data, formats = _stored_times(dataset, frame, "xpt")
    xpt = data.rename(columns=names)
    del data
    for variable in dataset.variables:
        column = xpt[names[variable.name]]
        # Only a text longer than 50 characters can pass 200 bytes (4 bytes a character at most).
        if variable.type == "string" and column.str.len().gt(XPT_STRING_BYTES // 4).any():
            truncated = column.map(lambda text: _truncate(text, XPT_STRING_BYTES))
            if (truncated != column).any():
                notes.append(f"{dataset.name}.xpt: {variable.name} cut at {XPT_STRING_BYTES} bytes (full text in CSV)")
            xpt[names[variable.name]] = truncated
    pyreadstat.write_xport(
        xpt,
        folder / "sas" / f"{dataset.name}.xpt",
        file_label=dataset.label[:XPT_LABEL_LENGTH],
        column_labels={names[n]: label[:XPT_LABEL_LENGTH] for n, label in labels.items()},
        table_name=dataset.sas_name,
        file_format_version=5,
        variable_format={names[n]: f for n, f in formats.items()},
    )
    return notes


def dictionary_rows(datasets):
    for dataset in datasets:
        sas = short_names([v.name for v in dataset.variables], XPT_NAME_LENGTH, upper=True)
        stata = short_names([v.name for v in dataset.variables], DTA_NAME_LENGTH)
        for variable in dataset.variables:
            yield [
                dataset.name,
                variable.name,
                variable.label,
                variable.type,
                variable.unit,
                codes_text(variable.codes),
                sas[variable.name],
                stata[variable.name],
            ]


def sas_program(datasets):
    """formats.sas: PROC FORMAT for every coded variable and a data step per dataset applying them."""
    lines = [
        f"/* {protocol.TRIAL_NAME} ({protocol.REGISTRY_ID}) trial dataset: value labels as SAS formats. */",
        "/* Run from the folder holding the .xpt files. */",
        "proc format;",
    ]
    applied, formats = {}, {}  # one format per distinct code list (Yes/No serves every flag)
    for dataset in datasets:
        sas = short_names([v.name for v in dataset.variables], XPT_NAME_LENGTH, upper=True)
        for variable in dataset.variables:
            if not variable.codes:
                continue
            character = variable.type == "string"
            key = (character, tuple(variable.codes.items()))
            if key not in formats:
                formats[key] = f"{'$' if character else ''}F{len(formats) + 1}X"
                pairs = " ".join(
                    f"{_sas_literal(code) if character else code}={_sas_literal(label)}"
                    for code, label in variable.codes.items()
                )
                lines.append(f"  value {formats[key]} {pairs};")
            applied.setdefault(dataset.name, []).append(f"{sas[variable.name]} {formats[key]}.")
    lines.append("run;")
    for dataset in datasets:
        lines += [
            f'libname xptin xport "{dataset.name}.xpt";',
            f"data {dataset.sas_name}; set xptin.{dataset.sas_name};",
            *([f"  format {' '.join(applied[dataset.name])};"] if dataset.name in applied else []),
            "run;",
        ]
    return "\n".join(lines) + "\n"


def _sas_literal(text):
    return "'" + str(text).replace("'", "''") + "'"


def audit_rows(patients):
    """Every history row of the patients' records: one row per created record, per changed field."""
    usernames = dict(get_user_model().objects.values_list("pk", "username"))
    for model, path in AUDITED:
        history = model.history.model
        if path:
            scope = Q(**{f"{path}__in": patients})
        else:  # a patient row deleted by a database administrator is no longer among `patients`
            scope = Q(id__in=patients.values("pk")) | Q(history_type="-", site__in=patients.values("site"))
        site = f"{path}__site" if path else "site"
        rows = (
            history.objects.filter(scope)
            .select_related(site)
            .order_by("id", "history_date", "history_id")
            .iterator(chunk_size=CHUNK)
        )
        for row, action, field, old, new in field_changes(rows, hidden=AUDIT_HIDDEN_FIELDS):
            patient = row
            for step in path.split("__") if path else ():
                patient = getattr(patient, step)
            if field is not None and field.is_relation and field.related_model is get_user_model():
                old, new = usernames.get(old, old), usernames.get(new, new)
            yield [
                model.__name__,
                row.id,
                patient.screening_number,
                patient.site.code,
                action,
                field.name if field is not None else "",
                old,
                new,
                row.history_username or usernames.get(row.history_user_id, "system"),
                row.history_printed_name,
                row.history_date,
                row.history_change_reason or "",
                row.history_id,
            ]


ACCOUNT_AUDIT_COLUMNS = (
    "time",
    "account",
    "account_printed_name",
    "action",
    "old",
    "new",
    "by",
    "by_printed_name",
    "reason",
)


def account_audit_rows(patients):
    """The access and accounts audit of the accounts working at the exported patients' sites."""
    members = get_user_model().objects.filter(memberships__site__in=patients.values("site")).values("username")
    events = AccountEvent.objects.filter(username__in=members).order_by("at", "id")
    for event in events.iterator(chunk_size=CHUNK):
        yield [
            event.at,
            event.username,
            event.printed_name,
            event.action,
            event.old,
            event.new,
            event.actor_username or "system",
            event.actor_printed_name,
            event.reason,
        ]


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _update(run, **fields):
    ExportRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)


def build_trial_export(run, patients):
    """Write the ZIP for `run` from `patients` (already scoped to the requesting user) and record it."""
    started = timezone.now()
    cutoff = run.filters.get("data_cutoff")
    cutoff = date.fromisoformat(cutoff) if cutoff else None
    datasets = form_datasets()
    steps = len(datasets) + 3  # datasets, then audit trail, dictionary and manifest
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    stem = f"{protocol.TRIAL_NAME.lower().replace('-', '')}_{stamp}_{run.pk}"
    _update(run, status=ExportRun.Status.RUNNING, step="Starting", progress=0)
    with tempfile.TemporaryDirectory(prefix="export-") as tmp:
        folder = Path(tmp)
        for sub in ("sas", "spss", "stata"):
            (folder / sub).mkdir()
        counts, notes = {}, []
        for done, dataset in enumerate(datasets):
            _update(run, step=f"Writing {dataset.label}", progress=int(100 * done / steps))
            path = folder / f"{dataset.name}.csv"
            rows = counts[f"{dataset.name}.csv"] = write_csv(
                path,
                [v.name for v in dataset.variables],
                dataset.read(dataset, patients, cutoff),
                types=[v.type for v in dataset.variables],
            )
            notes += write_statistical_files(dataset, frame_from_csv(dataset, path, rows), folder)
        _update(run, step="Writing the audit trail", progress=int(100 * len(datasets) / steps))
        counts["audit_trail.csv"] = write_csv(folder / "audit_trail.csv", AUDIT_COLUMNS, audit_rows(patients))
        counts["accounts_audit.csv"] = write_csv(
            folder / "accounts_audit.csv", ACCOUNT_AUDIT_COLUMNS, account_audit_rows(patients)
        )
        _update(run, step="Writing the data dictionary", progress=int(100 * (len(datasets) + 1) / steps))
        counts["data_dictionary.csv"] = write_csv(
            folder / "data_dictionary.csv",
            ["dataset", "variable", "label", "type", "unit", "codes", "sas_name", "stata_name"],
            dictionary_rows(datasets),
        )
        (folder / "sas" / "formats.sas").write_text(sas_program(datasets), encoding="utf-8")
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        manifest = {
            "trial": protocol.TRIAL_NAME,
            "registry_id": protocol.REGISTRY_ID,
            "export_id": run.pk,
            "exported_at": started.isoformat(timespec="seconds"),
            "exported_by": run.requested_by_username or run.requested_by.get_username(),
            "exported_by_printed_name": run.requested_by_printed_name,
            "app_version": settings.APP_VERSION or esotrial.__version__,
            "sites": run.sites.split(",") if run.sites else [],
            "filters": run.filters,
            "data_cutoff": {
                "date": cutoff.isoformat() if cutoff else None,
                "applies_to": "analysis.csv and local_control.csv (endpoints): nothing dated after the cut-off is "
                "used, and patients randomized after it are left out; the form datasets hold every record entered "
                "up to the export time",
            },
            "formats": {
                "csv": "UTF-8, comma-separated; dates ISO 8601, datetimes UTC (Z); 1/0 for yes/no",
                "sas": "SAS XPORT version 5 (.xpt); value labels in sas/formats.sas",
                "spss": "SPSS .sav with variable and value labels",
                "stata": "Stata .dta with variable labels and numeric value labels",
            },
            "notes": notes,
            "files": [
                {
                    "path": str(p.relative_to(folder)),
                    "bytes": p.stat().st_size,
                    "sha256": sha256_of(p),
                    **({"rows": counts[p.name]} if p.name in counts and p.parent == folder else {}),
                }
                for p in files
            ],
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        _update(run, step="Compressing", progress=int(100 * (steps - 1) / steps))
        export_root = Path(settings.EXPORT_ROOT)
        export_root.mkdir(parents=True, exist_ok=True)
        target = export_root / f"{stem}.zip"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in [*files, folder / "manifest.json"]:
                archive.write(path, f"{stem}/{path.relative_to(folder)}")
    _update(
        run,
        status=ExportRun.Status.DONE,
        step="Ready",
        progress=100,
        finished_at=timezone.now(),
        row_counts=counts,
        file_name=target.name,
        file_bytes=target.stat().st_size,
        file_sha256=sha256_of(target),
    )
    return run


def run_export(run_id):
    """Build one queued export (from the Celery task or directly); a failure is recorded, not raised.

    In English whatever the requester's language: the files' labels (verbose names, choice labels,
    the data dictionary) are data, and data never depend on who asked for them."""
    with translation.override(None):
        return _run_export(run_id)


def _run_export(run_id):
    with transaction.atomic():
        run = ExportRun.objects.select_for_update().select_related("requested_by").get(pk=run_id)
        if run.status != ExportRun.Status.QUEUED:
            return run  # a redelivered task: the first delivery built (or is building) it
        _update(run, status=ExportRun.Status.RUNNING)
    try:
        if transaction.get_connection().in_atomic_block:
            # Built directly inside the request's transaction: a savepoint, so that a database
            # error rolls back the export's writes and still lets the failure be recorded.
            with transaction.atomic():
                return build_trial_export(run, patients_for(run))
        return build_trial_export(run, patients_for(run))
    except Exception as error:  # noqa: BLE001 - recorded on the run for the data manager, then logged
        logger.exception("Export %s failed", run.pk)
        _update(
            run, status=ExportRun.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        return run


def patients_for(run):
    """The requester's patients (the one visibility rule) at the sites the export asked for."""
    patients = Patient.objects.visible_to(run.requested_by, include_voided=True)
    if run.sites:
        patients = patients.filter(site__code__in=run.sites.split(","))
    return patients


def purge_old_export_files(now=None):
    """A ZIP of clinical data should not outlive its use on the server: files older than
    EXPORT_RETENTION_DAYS are deleted; the run stays in the log, marked. Returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    purged = 0
    for run in ExportRun.objects.filter(kind=ExportRun.Kind.TRIAL, requested_at__lt=cutoff).exclude(file_name=""):
        (Path(settings.EXPORT_ROOT) / run.file_name).unlink(missing_ok=True)
        _update(run, file_name="", step=f"File deleted after {settings.EXPORT_RETENTION_DAYS} days")
        purged += 1
    return purged


def log_form_export(request, model, queryset, patient_path, file_format):
    """Record an admin export of one form in the export log (who, when, which, filters, rows)."""
    site = f"{patient_path}__site__code" if patient_path else "site__code"
    codes = sorted(set(queryset.order_by().values_list(site, flat=True)))
    rows = queryset.count()
    ExportRun.objects.create(
        kind=ExportRun.Kind.FORM,
        requested_by=request.user,
        status=ExportRun.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        dataset=str(model._meta.verbose_name_plural),
        sites=",".join(codes),
        filters={
            "format": file_format,
            "changelist_filters": request.GET.urlencode() or request.POST.get("_changelist_filters", ""),
            "selected_rows": len(request.POST.getlist("export_items")) or None,
        },
        row_counts={model._meta.label: rows},
    )
