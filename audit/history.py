"""Reading the audit trail back: each change as (form, record, when, who, field, old → new, reason)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.text import capfirst

HIDDEN_FIELDS = {"id"}


@dataclass(frozen=True)
class Change:
    form: str
    record: str
    when: datetime
    user: str
    action: str  # "Created", "Changed", "Voided", "Deleted"
    field: str
    old: str
    new: str
    reason: str


def _display(field, value):
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "Yes" if value else "No"
    return str(value)


def changes(history_queryset, form_label, describe=lambda row: str(row.instance)):
    """Every field-level change in the given historical rows, oldest first.

    `describe(row)` names the record in the list; the default str() of the instance must not
    follow a foreign key, or the page costs a query per row.

    Takes one queryset of `Model.history` rows (e.g. all rows of one patient's records) and
    pairs each row with the previous row of the same record in Python, so the cost is one
    query whatever the number of records or edits.
    """
    rows = history_queryset.select_related("history_user").order_by("id", "history_date", "history_id")
    previous = {}
    result = []
    for row in rows:
        model = row.instance_type
        before = previous.get(row.id)
        previous[row.id] = row
        user = row.history_user.get_username() if row.history_user else "system"
        reason = row.history_change_reason or ""
        common = dict(form=form_label, record=describe(row), when=row.history_date, user=user, reason=reason)
        if before is None:
            result.append(Change(action="Created", field="", old="", new="", **common))
            continue
        # Compared field by field rather than with simple-history's diff_against(), which skips
        # non-editable fields: the void fields and the lesion label are exactly what an auditor needs.
        changed = [
            field
            for field in model._meta.concrete_fields
            if field.name not in HIDDEN_FIELDS and getattr(before, field.attname) != getattr(row, field.attname)
        ]
        action = "Deleted" if row.history_type == "-" else "Changed"
        if any(field.name == "voided" for field in changed) and row.voided:
            action = "Voided"
        for field in changed:
            result.append(
                Change(
                    action=action,
                    field=capfirst(field.verbose_name),
                    old=_display(field, getattr(before, field.attname)),
                    new=_display(field, getattr(row, field.attname)),
                    **common,
                )
            )
    return result
