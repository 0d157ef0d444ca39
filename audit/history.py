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


def field_changes(rows, hidden=HIDDEN_FIELDS):
    """(row, action, field, old value, new value) for each history row, oldest first per record.

    `rows` must be ordered by record id, then history date: each row is compared with the one
    before it of the same record, so a stream of any length is read in constant memory. A
    created row yields once with field None. Compared field by field rather than with
    simple-history's diff_against(), which skips non-editable fields: the void fields and the
    lesion label are exactly what an auditor needs.
    """
    before = None
    for row in rows:
        if row.history_type == "-":
            # The eCRF never deletes (records are voided); a row removed anyway, by a database
            # administrator, must still show in the trail: once, with who and when.
            yield row, "Deleted", None, None, None
            before = row
            continue
        if before is None or before.id != row.id:
            yield row, "Created", None, None, None
            before = row
            continue
        changed = [
            field
            for field in row.instance_type._meta.concrete_fields
            if field.name not in hidden and getattr(before, field.attname) != getattr(row, field.attname)
        ]
        action = "Changed"
        if any(field.name == "voided" for field in changed) and row.voided:
            action = "Voided"
        for field in changed:
            yield row, action, field, getattr(before, field.attname), getattr(row, field.attname)
        before = row


def changes(history_queryset, form_label, describe=lambda row: str(row.instance)):
    """Every field-level change in the given historical rows, for the History pages.

    `describe(row)` names the record in the list; the default str() of the instance must not
    follow a foreign key, or the page costs a query per row. One query whatever the number of
    records or edits.
    """
    rows = history_queryset.select_related("history_user").order_by("id", "history_date", "history_id")
    result = []
    for row, action, field, old, new in field_changes(rows):
        user = row.history_user.get_username() if row.history_user else "system"
        common = dict(
            form=form_label,
            record=describe(row),
            when=row.history_date,
            user=user,
            action=action,
            reason=row.history_change_reason or "",
        )
        if field is None:
            result.append(Change(field="", old="", new="", **common))
        else:
            result.append(
                Change(field=capfirst(field.verbose_name), old=_display(field, old), new=_display(field, new), **common)
            )
    return result


def version_rows(version):
    """(field, value) for every field of one historical row: the admin's read-only version page.

    Foreign keys show the stored id only: a version may predate a correction, and following the
    key would show whatever row it named then (possibly another site's).
    """
    rows = []
    for field in version.instance_type._meta.concrete_fields:
        value = getattr(version, field.attname)
        rows.append(
            (
                capfirst(field.verbose_name),
                "—" if value is None else value if field.is_relation else _display(field, value),
            )
        )
    rows.append(("Changed by", version.history_user.get_username() if version.history_user else "system"))
    rows.append(("Reason for change", version.history_change_reason or "—"))
    return rows
