"""Reading the audit trail back: each change as (form, record, when, who, field, old → new, reason)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Not shown: the row id (the record column names it) and an allocation's slot (concealment: the
# slot's place in the list says nothing a user needs and the list is for the Randomization manager).
HIDDEN_FIELDS = {"id", "slot"}

# What the History pages show for each action. The actions themselves ("Created", "Changed",
# "Voided", "Deleted") are codes: field_changes() yields them, and the trial export writes them.
ACTION_LABELS = {
    "Created": _("Created"),
    "Changed": _("Changed"),
    "Voided": _("Voided"),
    "Deleted": _("Deleted"),
}


# Reasons the system writes are stored in English (data never depend on the language) and shown
# in the reader's: the "Voided: " and "Record edited: " prefixes, and each whole reason registered
# with system_reason() where it is written. A reason a person typed is always shown as typed.
SYSTEM_REASON_PREFIXES = {"Voided: ": _("Voided: %(reason)s"), "Record edited: ": _("Record edited: %(reason)s")}
SYSTEM_REASONS = set()


def system_reason(text):
    """Register a reason the system writes (mark it with gettext_noop so that it is translated)."""
    SYSTEM_REASONS.add(text)
    return text


def shown_reason(reason):
    """A stored reason for change as the reader sees it."""
    for prefix, wording in SYSTEM_REASON_PREFIXES.items():
        if reason.startswith(prefix):
            return wording % {"reason": reason.removeprefix(prefix)}
    return gettext(reason) if reason in SYSTEM_REASONS else reason


@dataclass(frozen=True)
class Change:
    form: str
    record: str
    when: datetime
    user: str
    action: str  # "Created", "Changed", "Voided" or "Deleted", as shown (ACTION_LABELS)
    field: str
    old: str
    new: str
    reason: str


def _display(field, value):
    if value is None or value == "":
        return "—"
    if isinstance(field, models.DateTimeField):  # local time with its offset, to the second
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S UTC%z")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
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


# How a foreign key is named in the History tab: these fields of the row it points to. Others
# show as "#id". Read in one query per referenced model, never one per row.
NAME_FIELDS = {
    "auth.user": ("first_name", "last_name", "username"),
    "crf.patient": ("screening_number",),
    "accounts.trialsite": ("code",),
    "crf.metastaticlesion": ("label",),
    "crf.tumourassessment": ("assessment_date",),
    "safety.ctcaeterm": ("term",),
    "safety.adverseevent": ("id",),
}


def user_name(user):
    """ "Printed name (username)": who the person is, and the account that acted."""
    printed = user.get_full_name().strip()
    return f"{printed} ({user.get_username()})" if printed else user.get_username()


def actor(row):
    """Who made a history row, named as they were then (rows from before the names were kept
    fall back to the account, whose user name never changes)."""
    username = getattr(row, "history_username", "")
    if username:
        printed = row.history_printed_name
        return f"{printed} ({username})" if printed else username
    return user_name(row.history_user) if row.history_user_id else _("system")


def _name(model, values):
    if model._meta.label_lower == "auth.user":
        first, last, username = values
        printed = f"{first} {last}".strip()
        return f"{printed} ({username})" if printed else username
    if model._meta.label_lower == "safety.adverseevent":
        return f"AE #{values[0]}"
    return " ".join(str(value) for value in values)


def names_of(model, ids):
    """{id: name} of rows of `model`, in one query (rows gone from the table keep "#id")."""
    fields = NAME_FIELDS.get(model._meta.label_lower)
    ids = {i for i in ids if i is not None}
    if not fields or not ids:
        return {}
    rows = model._default_manager.filter(pk__in=ids).values_list("pk", *fields)
    return {pk: _name(model, values) for pk, *values in rows}


def initial_values(row, hidden=HIDDEN_FIELDS):
    """(field, value) of a created record's filled fields: what it was created with (not the
    void flag of a record created live)."""
    for field in row.instance_type._meta.concrete_fields:
        value = getattr(row, field.attname)
        if field.name in hidden or value in (None, "") or (field.name == "voided" and value is False):
            continue
        yield field, value


def changes(history_queryset, form_label, describe=lambda row: str(row.instance)):
    """Every field-level change in the given historical rows, for the History pages.

    `describe(row)` names the record in the list; the default str() of the instance must not
    follow a foreign key, or the page costs a query per row. A created record shows the values
    it was created with; foreign keys show by name (NAME_FIELDS). A constant number of queries
    whatever the number of records or edits.
    """
    rows = history_queryset.select_related("history_user").order_by("id", "history_date", "history_id")
    found = []
    for row, action, field, old, new in field_changes(rows):
        if action == "Created":
            found += [(row, action, f, None, value) for f, value in initial_values(row)]
        else:
            found.append((row, action, field, old, new))
    wanted = {}
    for _row, _action, field, old, new in found:
        if field is not None and field.is_relation:
            wanted.setdefault(field.related_model, set()).update((old, new))
    names = {model: names_of(model, ids) for model, ids in wanted.items()}

    def shown(field, value):
        if value is None or value == "":
            return "—"
        if field.is_relation:
            return names[field.related_model].get(value, f"#{value}")
        return _display(field, value)

    result = []
    for row, action, field, old, new in found:
        user = actor(row)
        common = dict(
            form=form_label,
            record=describe(row),
            when=row.history_date,
            user=user,
            action=ACTION_LABELS[action],
            reason=shown_reason(row.history_change_reason or ""),
        )
        if field is None:
            result.append(Change(field="", old="", new="", **common))
        elif action == "Created":
            result.append(Change(field=capfirst(field.verbose_name), old="", new=shown(field, new), **common))
        else:
            result.append(
                Change(field=capfirst(field.verbose_name), old=shown(field, old), new=shown(field, new), **common)
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
    rows.append((_("Changed by"), actor(version)))
    rows.append((_("Reason for change"), shown_reason(version.history_change_reason or "") or "—"))
    return rows
