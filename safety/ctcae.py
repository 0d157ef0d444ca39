"""The NCI CTCAE catalogue (v5.0 shipped in safety/data/) and the grading rules read from it."""

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CTCAE_V5 = ("5.0", DATA / "ctcae_v5.csv")
NO_GRADE = "-"  # the CSV's mark for a grade the term does not define


def read_terms(path):
    """Rows of the NCI CSV as dicts; a grade the term lacks becomes ""."""
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield {
                "meddra_code": row["meddra_code"],
                "soc": row["soc"],
                "term": row["term"],
                **{f"grade_{n}": "" if row[f"grade_{n}"] == NO_GRADE else row[f"grade_{n}"] for n in range(1, 6)},
                "definition": row["definition"],
            }


def load(CtcaeTerm, version=CTCAE_V5[0], path=CTCAE_V5[1]):
    """Insert or update every term of one CTCAE version. Idempotent; returns the number of terms."""
    existing = {t.meddra_code: t for t in CtcaeTerm.objects.filter(version=version)}
    new, changed = [], []
    fields = ["soc", "term", "grade_1", "grade_2", "grade_3", "grade_4", "grade_5", "definition"]
    for row in read_terms(path):
        term = existing.get(row["meddra_code"])
        if term is None:
            new.append(CtcaeTerm(version=version, **row))
        elif any(getattr(term, f) != row[f] for f in fields):
            for f in fields:
                setattr(term, f, row[f])
            changed.append(term)
    if hasattr(CtcaeTerm, "history"):  # the catalogue keeps a history (not in a migration's frozen model)
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        bulk_create_with_history(new, CtcaeTerm, default_change_reason=f"Loaded CTCAE {version}")
        bulk_update_with_history(changed, CtcaeTerm, fields, default_change_reason=f"Reloaded CTCAE {version}")
    else:
        CtcaeTerm.objects.bulk_create(new)
        CtcaeTerm.objects.bulk_update(changed, fields)
    return CtcaeTerm.objects.filter(version=version).count()


def is_other_specify(term_name):
    return term_name.endswith("Other, specify")
