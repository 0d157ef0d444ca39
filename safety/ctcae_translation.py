"""A sponsor-provided Chinese CTCAE, shown beside NCI's English text, never instead of it.

NCI publishes CTCAE v5.0 in English only; the English stays the authoritative grading text (the AE
form, signatures and exports use it). A sponsor may provide a versioned Chinese translation as a CSV:

    meddra_code,term,term_zh,grade_1_zh,grade_2_zh,grade_3_zh,grade_4_zh,grade_5_zh

`term` repeats NCI's English term so that a shifted row is caught rather than loaded against the
wrong term. Loading replaces the previous translation of that CTCAE version, all or nothing, and
the catalogue's history records it with the translation's label and the file's SHA-256.
"""

import csv
import hashlib
from pathlib import Path

from django.db import transaction
from simple_history.utils import bulk_update_with_history

ZH_FIELDS = ["term_zh", *(f"grade_{n}_zh" for n in range(1, 6)), "zh_translation"]


class TranslationRejected(Exception):
    pass


def read_translation(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        wanted = {"meddra_code", "term", "term_zh", *(f"grade_{n}_zh" for n in range(1, 6))}
        missing = wanted - set(reader.fieldnames or [])
        if missing:
            raise TranslationRejected(f"missing columns: {', '.join(sorted(missing))}")
        return list(reader)


@transaction.atomic
def load_translation(CtcaeTerm, path, label, version):
    """Load the Chinese columns of CTCAE `version` from `path`; returns the number of terms translated."""
    rows = read_translation(path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    terms = {term.meddra_code: term for term in CtcaeTerm.objects.filter(version=version)}
    problems, seen = [], set()
    for line, row in enumerate(rows, start=2):
        term = terms.get(row["meddra_code"].strip())
        if term is None:
            problems.append(f"line {line}: MedDRA code {row['meddra_code']!r} is not in CTCAE {version}")
            continue
        if row["term"].strip() != term.term:
            problems.append(
                f"line {line}: {row['meddra_code']} is {term.term!r} in CTCAE {version}, not {row['term']!r}"
            )
        if term.meddra_code in seen:
            problems.append(f"line {line}: {term.meddra_code} appears twice")
        seen.add(term.meddra_code)
        if not row["term_zh"].strip():
            problems.append(f"line {line}: {term.term} has no Chinese term")
        for n in range(1, 6):
            if row[f"grade_{n}_zh"].strip() and not term.grade_text(n):
                problems.append(f"line {line}: {term.term} has no grade {n} in CTCAE {version}")
    if problems:
        raise TranslationRejected(
            "; ".join(problems[:20]) + (f" … and {len(problems) - 20} more" if len(problems) > 20 else "")
        )
    by_code = {row["meddra_code"].strip(): row for row in rows}
    changed = []
    for term in terms.values():
        row = by_code.get(term.meddra_code, {})
        values = {
            "term_zh": row.get("term_zh", "").strip(),
            **{f"grade_{n}_zh": row.get(f"grade_{n}_zh", "").strip() for n in range(1, 6)},
            "zh_translation": label if row else "",
        }
        if any(getattr(term, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(term, name, value)
            changed.append(term)
    bulk_update_with_history(
        changed,
        CtcaeTerm,
        ZH_FIELDS,
        default_change_reason=f"Chinese translation {label!r} loaded (sha256 {digest})",
    )
    return len(rows)
