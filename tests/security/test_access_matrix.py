"""The access matrix: every URL of the eCRF and the admin, for every role of accounts/roles.py.

Nothing here lists URLs or roles by hand. The URLs come from the URL resolver (a URL added later is
probed automatically) and each path parameter is filled with another site's ids ("other": HZ01), the
user's own site's ids ("own": SH01), and, where a URL names both a patient and one of its records,
an own patient with another site's record ("mixed"). A parameter the matrix cannot fill fails
test_every_url_discovered_is_filled by name: teach FILL_PARAMETERS (or PK_MODELS) rather than let a
URL go unprobed.

Each role (a user who is a member of SH01 only, with is_staff so that the admin's permissions are
what is tested, not the staff flag) and a superuser then:

- GET every URL: no server error; no screening number of HZ01 or FZ01 in the page (the superuser
  excepted: every site is its own); on eCRF pages no screening number at all without
  crf.view_patient; no table changes;
- POST every URL with the values of the form the superuser sees there plus a reason for change, and
  every admin action of every changelist on each side's row and on a hand-made id: no server error,
  no leak as above, and no table change (snapshot of every table, see EXCLUDED_TABLES) for any admin
  page (ALLOWED_WRITES names the exceptions), for another site's ids, and for the role's own site's
  ids unless it may enter data in the eCRF;
- export every form from the admin: a file only with that form's view permission.

Run with -s for one summary line per role.
"""

import inspect
import logging
import re
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.forms import CharField, CheckboxInput, MultiWidget
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from accounts import roles
from accounts.models import TrialSite
from crf.models import TreatmentCycle
from crf.views import RECORD_KINDS
from safety.models import AdverseEvent

from .conftest import OTHER, OWN, SUPERUSER

PROJECT_ROOT = Path(settings.BASE_DIR)
ALL_ROLES = (*roles.ROLES, SUPERUSER)
OTHER_SIDE, OWN_SIDE, MIXED_SIDE, NO_IDS = "other", "own", "mixed", "no ids"
SITE_OF_SIDE = {OTHER_SIDE: OTHER, OWN_SIDE: OWN}
PROBE = "matrix probe"

# --- What "no table changes" looks at -------------------------------------------------------------

# Every table of the database but those that change by design on any request:
EXCLUDED_TABLES = {
    "django_session",  # without Redis (`make run`) every request saves its session here
    "axes_accesslog",  # django-axes logs every login (force_login included)
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "exports_exportrun",  # the export log: every export is recorded there, by design
    "accounts_accountevent",  # the access audit: a failed password check is recorded, by design
}
# force_login stamps the user's last login; the rest of the user row must not change.
EXCLUDED_COLUMNS = {"auth_user": {"last_login"}}

# Writes that are not a breach, each with its reason. (role or None for any role, URL name, admin
# action or None, tables it may change)
ALLOWED_WRITES = [
    # The one documented change of clinical data through the admin: the Randomization manager's
    # correction note on an allocation (randomization.admin.AllocationAdmin); saving the change form
    # also writes the allocation's history row and the admin log.
    (
        roles.RANDOMIZATION_MANAGER,
        "admin:randomization_allocation_change",
        None,
        {"randomization_allocation", "randomization_historicalallocation", "django_admin_log"},
    ),
    (
        SUPERUSER,
        "admin:randomization_allocation_change",
        None,
        {"randomization_allocation", "randomization_historicalallocation", "django_admin_log"},
    ),
    # The language switch stores the user's own choice of language on their account.
    (None, "set_language", None, {"accounts_languagepreference"}),
    # "Send reminders now" (README, Visits and reminders) writes the reminder ledger, no clinical row.
    (None, "admin:accounts_trialsite_changelist", "send_reminders_now", {"visits_reminderrun", "visits_reminderlog"}),
]
# User administration (users, groups, sites, memberships, login lockouts) has no page but the admin: the
# superuser's saves there may change those tables and the admin log, never a clinical one.
USER_ADMINISTRATION_APPS = {"auth", "accounts", "axes"}  # axes: unlocking a locked-out account
USER_ADMINISTRATION_TABLES = ("auth_", "accounts_", "django_admin_log")  # prefixes

# Permissions that let a role change clinical data through the eCRF. randomization.change_allocation
# is not one: it opens only the admin's correction note (allow-listed above).
ECRF_WRITE_APPS = {"crf", "safety", "visits"}
ECRF_WRITE_EXTRA = {"randomization.randomize_patient"}


def writes_in_ecrf(user):
    if user.is_superuser:
        return True
    return any(
        (perm.split(".")[0] in ECRF_WRITE_APPS and not perm.split(".")[1].startswith("view_"))
        or perm in ECRF_WRITE_EXTRA
        for perm in user.get_all_permissions()
    )


_SNAPSHOT = {}


def snapshot_tables():
    if "tables" not in _SNAPSHOT:
        with connection.cursor() as cursor:
            names = connection.introspection.table_names(cursor)
        _SNAPSHOT["tables"] = sorted(set(names) - EXCLUDED_TABLES)
    return _SNAPSHOT["tables"]


def snapshot_sql():
    """One query: per table, its row count and an md5 of all its rows (in a stable order)."""
    if "sql" not in _SNAPSHOT:
        parts = []
        with connection.cursor() as cursor:
            for table in snapshot_tables():
                source = f'"{table}"'
                if table in EXCLUDED_COLUMNS:
                    columns = [
                        col.name
                        for col in connection.introspection.get_table_description(cursor, table)
                        if col.name not in EXCLUDED_COLUMNS[table]
                    ]
                    source = "(SELECT {} FROM {})".format(", ".join(f'"{c}"' for c in columns), source)
                parts.append(
                    f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                    f"FROM {source} t"
                )
        _SNAPSHOT["sql"] = " UNION ALL ".join(parts)
    return _SNAPSHOT["sql"]


def snapshot():
    with connection.cursor() as cursor:
        cursor.execute(snapshot_sql())
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def changed_tables(before, after):
    return {table for table in before.keys() | after.keys() if before.get(table) != after.get(table)}


# --- URL discovery --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern, with its parameters named as its view names them."""

    label: str  # "crf:record_edit", "admin:crf_patient_change", or the pattern for an unnamed URL
    segments: tuple  # (format string, {placeholder: parameter}) per resolver level
    params: tuple
    view: object  # the view function or bound method behind the decorators
    model_admin: ModelAdmin | None
    admin_site: AdminSite | None

    @property
    def in_admin(self):
        return self.admin_site is not None

    @property
    def view_name(self):
        view = self.view
        func = getattr(view, "__func__", view)
        return f"{func.__module__}.{func.__qualname__}"

    def url(self, values):
        parts = []
        for fmt, placeholders in self.segments:
            parts.append(fmt % {key: values[param] for key, param in placeholders.items()})
        return "/" + "".join(parts)


def _unwrap_chain(callback):
    seen, func = [], callback
    while func is not None and func not in seen:
        seen.append(func)
        func = getattr(func, "__wrapped__", None)
    return seen


def _owner(callback, kind):
    """The ModelAdmin (or AdminSite) behind an admin view: on the callback, its wrapped method, or a closure."""
    if kind is ModelAdmin and isinstance(getattr(callback, "model_admin", None), ModelAdmin):
        return callback.model_admin
    for func in _unwrap_chain(callback):
        if isinstance(getattr(func, "__self__", None), kind):
            return func.__self__
        for cell in getattr(func, "__closure__", None) or ():
            try:
                if isinstance(cell.cell_contents, kind):
                    return cell.cell_contents
            except ValueError:  # an empty cell
                continue
    return None


def _view_of(callback):
    chain = _unwrap_chain(callback)
    view = chain[-1]
    view_class = getattr(view, "view_class", None)
    return view_class or view


def _positional_names(view):
    """The names a view gives its positional URL arguments (simple-history's version page has no names)."""
    try:
        signature = inspect.signature(view)
    except (TypeError, ValueError):
        return []
    return [
        name
        for name, p in signature.parameters.items()
        if name not in ("self", "request") and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def discover_routes():
    routes = []

    def walk(resolver, segments, namespaces):
        for entry in resolver.url_patterns:
            fmt, placeholders = normalize(entry.pattern.regex.pattern)[0]
            level = (fmt, {p: p for p in placeholders})
            if isinstance(entry, URLResolver):
                walk(entry, (*segments, level), namespaces + ([entry.namespace] if entry.namespace else []))
                continue
            assert isinstance(entry, URLPattern)
            view = _view_of(entry.callback)
            named = _positional_names(view)
            # Positional groups (%(_0)s …) take the names of the view's arguments, in order.
            renamed = {
                p: named[int(p[1:])] if p.startswith("_") and p[1:].isdigit() and int(p[1:]) < len(named) else p
                for p in placeholders
            }
            all_segments = (*segments, (fmt, renamed))
            params = tuple(param for _, mapping in all_segments for param in mapping.values())
            label = f"{':'.join(namespaces)}:{entry.name}" if entry.name else "".join(f for f, _ in all_segments)
            routes.append(
                Route(
                    label=label,
                    segments=all_segments,
                    params=params,
                    view=view,
                    model_admin=_owner(entry.callback, ModelAdmin),
                    admin_site=_owner(entry.callback, AdminSite) or (admin.site if "admin" in namespaces else None),
                )
            )

    walk(get_resolver(), (), [])
    return routes


# --- Filling the parameters -----------------------------------------------------------------------


def site_path(model, depth=4):
    """The shortest lookup from `model` to its TrialSite ("" for the site itself), or None.

    Through the row's patient when there is one: a user's sites say who touched a row, not whose
    data it is, so a way through the user model is taken only when there is no other.
    """
    if model is TrialSite:
        return ""
    User = get_user_model()
    for through_users in (False, True):
        frontier = [(model, "")]
        for _ in range(depth):
            following = []
            for current, prefix in frontier:
                for relation in current._meta.get_fields():
                    target = relation.related_model if relation.is_relation else None
                    if target is None or (target is User and not through_users and current is not User):
                        continue
                    lookup = f"{prefix}__{relation.name}" if prefix else relation.name  # a reverse one's query name
                    if target is TrialSite:
                        return lookup
                    following.append((target, lookup))
            frontier = following
    return None


class World:
    """Lookups of the rows each side's URLs point at (cached: the world is the same for every test)."""

    def __init__(self, data):
        self.data = data
        self._rows = {}

    def row(self, model, side):
        """The row of `model` a URL names: at the side's site when the model has one, else any row."""
        key = (model, side)
        if key not in self._rows:
            manager = model._default_manager
            path = site_path(model)
            rows = manager.all()
            if path is not None:
                lookup = f"{path}__code" if path else "code"
                rows = rows.filter(**{lookup: SITE_OF_SIDE[side]}).distinct()
            if any(f.name == "voided" for f in model._meta.get_fields()):
                rows = rows.order_by("voided", "-pk")
            else:
                rows = rows.order_by("-pk")
            history = self.history_manager(model)
            if history is not None:
                # The most-edited row: its oldest version differs from today's.
                pk = model._meta.pk.attname
                edited = (
                    history.filter(**{f"{pk}__in": rows.values("pk")})
                    .values(pk)
                    .annotate(n=Count("history_id"))
                    .order_by("-n", f"-{pk}")
                    .first()
                )
                if edited:
                    rows = manager.filter(pk=edited[pk])
            self._rows[key] = rows.first()
        return self._rows[key]

    @staticmethod
    def history_manager(model):
        name = getattr(model._meta, "simple_history_manager_attribute", None)
        return getattr(model, name) if name else None

    def record(self, model, patient_path, side):
        """The latest live record of a patient at the side's site, with its patient."""
        records = model._default_manager.filter(**{f"{patient_path}__site__code": SITE_OF_SIDE[side]})
        if any(f.name == "voided" for f in model._meta.get_fields()):
            records = records.filter(voided=False)
        record = records.order_by("-pk").first()
        if record is None:
            return None, None
        patient = record
        for step in patient_path.split("__"):
            patient = getattr(patient, step)
        return record, patient

    def patients(self, side):
        """Patients whose pages differ: treated (every form), awaiting randomization, in screening."""
        code = SITE_OF_SIDE[side]
        treated = TreatmentCycle.objects.filter(patient__site__code=code, voided=False).order_by("-pk").first()
        return [treated.patient, *self.data["patients"][code].values()]


# Views whose <pk> is not a RECORD_KINDS record: the model it names, with the way to its patient.
PK_MODELS = {
    "safety.views.ae_detail": (AdverseEvent, "patient"),
    "safety.views.ae_edit": (AdverseEvent, "patient"),
    "safety.views.ae_void": (AdverseEvent, "patient"),
}
PATIENT_PARAMETERS = {"screening_number"}
RECORD_PARAMETERS = {"pk"}
ADMIN_OBJECT_PARAMETERS = {"object_id", "id"}
FILL_PARAMETERS = {
    *PATIENT_PARAMETERS,
    *RECORD_PARAMETERS,
    *ADMIN_OBJECT_PARAMETERS,
    "kind",
    "version_id",
    "content_type_id",
    "app_label",
    "url",
    "run_id",
}


class CannotFill(Exception):
    pass


def id_sides(route):
    """Which id sets a route is probed with."""
    params = set(route.params)
    if not params & (PATIENT_PARAMETERS | RECORD_PARAMETERS | ADMIN_OBJECT_PARAMETERS | {"run_id"}):
        return [NO_IDS]
    sides = [OTHER_SIDE, OWN_SIDE]
    if params & PATIENT_PARAMETERS and params & RECORD_PARAMETERS:
        sides.append(MIXED_SIDE)
    return sides


def fillings(route, side, world):
    """Every set of parameter values to probe `route` with, for one side."""
    params = set(route.params)
    unknown = params - FILL_PARAMETERS
    if unknown:
        raise CannotFill(f"{route.label} ({route.view_name}): no filler for {sorted(unknown)}")
    record_side = OTHER_SIDE if side == MIXED_SIDE else side
    patient_side = OWN_SIDE if side == MIXED_SIDE else side
    combos = [{}]
    if "kind" in params:
        combos = [{"kind": slug} for slug in RECORD_KINDS]
    filled = []
    for combo in combos:
        if "pk" in params:
            if "kind" in params:
                kind = RECORD_KINDS[combo["kind"]]
                model, patient_path = kind.model, kind.patient_path
            elif route.view_name in PK_MODELS:
                model, patient_path = PK_MODELS[route.view_name]
            else:
                raise CannotFill(f"{route.label} ({route.view_name}): which model is <pk>? Add it to PK_MODELS")
            record, patient = world.record(model, patient_path, record_side)
            if record is None:
                raise CannotFill(f"{route.label}: no {model.__name__} at {SITE_OF_SIDE[record_side]} in the world")
            if side == MIXED_SIDE:
                _, patient = world.record(model, patient_path, OWN_SIDE)
            filled.append({**combo, "pk": record.pk, "screening_number": patient.screening_number})
        elif "screening_number" in params:
            patients = world.patients(patient_side)
            if "kind" in params:
                kind = RECORD_KINDS[combo["kind"]]
                _, holder = world.record(kind.model, kind.patient_path, patient_side)
                patients = [holder, *patients] if holder else patients
            if side == OTHER_SIDE:
                # Another site's patient is refused whatever its state: one is enough (the superuser,
                # for whom it is not another site's, sees every state on the own side).
                patients = patients[:1]
            for patient in dict.fromkeys(patients):
                filled.append({**combo, "screening_number": patient.screening_number})
        else:
            filled.append(combo)
    if params & ADMIN_OBJECT_PARAMETERS or "content_type_id" in params:
        filled = [dict(c, **o) for c in filled for o in admin_objects(route, side, world)]
    if "app_label" in params:
        labels = sorted({model._meta.app_label for model in route.admin_site._registry})
        filled = [dict(c, app_label=label) for c in filled for label in labels]
    if "url" in params:
        filled = [dict(c, url="matrix-no-such-page/") for c in filled]
    if "run_id" in params:
        filled = [dict(c, run_id=world.data["export_runs"][SITE_OF_SIDE[side]].pk) for c in filled]
    return filled


def admin_objects(route, side, world):
    if "content_type_id" in route.params:  # the admin's "view on site" redirect, for every model
        objects = []
        for model in route.admin_site._registry:
            row = world.row(model, side)
            if row is not None:
                objects.append({"content_type_id": ContentType.objects.get_for_model(model).pk, "object_id": row.pk})
        return objects
    if route.model_admin is None:
        raise CannotFill(f"{route.label}: an object id outside any ModelAdmin")
    model = route.model_admin.model
    row = world.row(model, side)
    if row is None:
        raise CannotFill(f"{route.label}: no {model.__name__} row in the world")
    values = {name: row.pk for name in set(route.params) & ADMIN_OBJECT_PARAMETERS}
    if "version_id" in route.params:
        history = world.history_manager(model)
        if history is None:
            raise CannotFill(f"{route.label}: {model.__name__} has no history for <version_id>")
        values["version_id"] = history.filter(**{model._meta.pk.attname: row.pk}).order_by("history_id")[0].history_id
    return [values]


@dataclass
class Probe:
    route: Route
    side: str
    url: str
    action: str | None = None  # an admin changelist action
    selected: list = field(default_factory=list)

    def __str__(self):
        action = f" action={self.action} _selected_action={self.selected}" if self.action else ""
        return f"{self.url} [{self.side}]{action}"

    @property
    def ecrf(self):
        return not self.route.in_admin


def build_probes(world):
    """(probes, problems): every route with every filling; problems name the routes left unfilled."""
    probes, problems = [], []
    for route in discover_routes():
        for side in id_sides(route):
            try:
                for values in fillings(route, side, world):
                    probes.append(Probe(route, side, route.url(values)))
            except CannotFill as unfilled:
                problems.append(str(unfilled))
    return probes, list(dict.fromkeys(problems))


def action_probes(probes, superuser):
    """Each changelist's actions (as the superuser is offered them) on each side's row, and on a bad id."""
    extra = []
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for probe in probes:
        model_admin = probe.route.model_admin
        if not probe.route.label.endswith("_changelist") or model_admin is None:
            continue
        actions = list(model_admin.get_actions(request))
        for side in (OTHER_SIDE, OWN_SIDE):
            row = WORLD.row(model_admin.model, side)
            if row is None:
                continue
            for action in actions:
                extra.append(Probe(probe.route, side, probe.url, action, [str(row.pk)]))
        for action in actions:  # a hand-made id: a bad request, never a server error
            extra.append(Probe(probe.route, NO_IDS, probe.url, action, ["abc"]))
    return extra


# --- Payloads: what a browser would post on the page the superuser sees ---------------------------


def _encode(widget, field_obj, value):
    """A field's value as the browser would post it: through the field and its widget."""
    if isinstance(widget, CheckboxInput):
        return ["on"] if value else []
    formatted = widget.format_value(field_obj.prepare_value(value))
    if formatted is None:
        return []
    if isinstance(formatted, (list, tuple)):
        return [str(item) for item in formatted if item is not None]
    return [str(formatted)]


def form_data(form, data):
    """The form's current values as POST data; a required text field left empty gets a probe text."""
    for name, field_obj in form.fields.items():
        bound = form[name]
        value = bound.value()
        widget = field_obj.widget
        if isinstance(widget, MultiWidget):
            parts = value if isinstance(value, (list, tuple)) else widget.decompress(value)
            for suffix, sub_widget, part in zip(widget.widgets_names, widget.widgets, parts, strict=False):
                if part is not None:
                    data[bound.html_name + suffix] = [str(sub_widget.format_value(part))]
            continue
        encoded = _encode(widget, field_obj, value)
        if not encoded and field_obj.required and isinstance(field_obj, CharField):
            encoded = [PROBE]
        if encoded:
            data[bound.html_name] = encoded


def formset_data(formset, data):
    form_data(formset.management_form, data)
    for form in formset.forms:
        form_data(form, data)


class _PostForms(HTMLParser):
    """Input names and values of a page's POST forms (fields a template writes by hand)."""

    def __init__(self):
        super().__init__()
        self.inside, self.fields = False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (attrs.get("method") or "").lower() == "post"
        elif self.inside and tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.setdefault(attrs["name"], [attrs.get("value") or ""])

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def payload_from(response):
    data = {}
    if response is not None and response.status_code == 200 and response.context is not None:
        context = response.context
        if "form" in context and hasattr(context["form"], "fields"):
            form_data(context["form"], data)
        if "adminform" in context:
            form_data(context["adminform"].form, data)
        if "formset" in context and hasattr(context["formset"], "management_form"):
            formset_data(context["formset"], data)
        if "reason_form" in context and context["reason_form"] is not None:
            form_data(context["reason_form"], data)
        for inline in context.get("inline_admin_formsets", None) or []:
            formset_data(inline.formset, data)
    if response is not None and "html" in response.get("Content-Type", ""):
        parser = _PostForms()
        parser.feed(response.content.decode(errors="replace"))
        for name, values in parser.fields.items():
            data.setdefault(name, values)
    data.pop("csrfmiddlewaretoken", None)
    # The reason every edit needs; "post" confirms the admin's delete pages; a `next` that names no
    # URL must not crash the views that redirect to it.
    data.setdefault("reason_for_change", [PROBE])
    data.setdefault("post", ["yes"])
    data.setdefault("next", ["12"])
    return data


# --- Running the probes ---------------------------------------------------------------------------


WORLD = None
PAYLOADS = {}
SUMMARY = {}


@dataclass
class Tally:
    urls: int = 0
    gets: int = 0
    posts: int = 0
    leaks: list = field(default_factory=list)
    writes: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    exports: list = field(default_factory=list)
    unfilled: list = field(default_factory=list)
    permitted_writes: int = 0  # POSTs that saved where the role may write (the payloads can write)


def _where(exc):
    """Where it broke: the last frame of the project's own code, else the last frame of all."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [
        f
        for f in frames
        if f.filename.startswith(f"{PROJECT_ROOT}/") and "/.venv/" not in f.filename and "/tests/" not in f.filename
    ]
    frame = (own or frames)[-1]
    return f"{frame.filename.removeprefix(f'{PROJECT_ROOT}/')}:{frame.lineno}"


WRITE_SQL = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM) "(\w+)"', re.IGNORECASE)


class Session:
    """One role's browser: a client that stays signed in, and the checks run on every response."""

    def __init__(self, user, tally, language=None):
        self.user, self.tally = user, tally
        self.recording = True  # off while a sweep is replayed to find the URL that wrote
        self.wrote = set()  # the tables the last request sent INSERT, UPDATE or DELETE to
        self.may_read_patients = user.has_perm("crf.view_patient")
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
        self.sign_in()

    def sign_in(self):
        self.client.force_login(self.user)
        self.session_key = self.client.cookies[settings.SESSION_COOKIE_NAME].value

    def request(self, method, probe, data=None, rollback=False, undo_writes=False):
        """One request in its own savepoint (a server error leaves the world as it was).

        With `rollback` (a POST the role may make) its writes are counted, then undone; with
        `undo_writes` it is undone if it sent any write.
        """
        try:
            self.wrote = set()
            with transaction.atomic(), connection.execute_wrapper(self.watch_writes):
                if method == "GET":
                    response = self.client.get(probe.url)
                else:
                    response = self.client.post(probe.url, data or {})
                if rollback or (undo_writes and self.wrote):
                    transaction.set_rollback(True)
        except Exception as exc:  # noqa: BLE001 - every server error is a finding, reported with its place
            self.record("errors", f"{method} {probe} → {type(exc).__name__}: {str(exc)[:200]} ({_where(exc)})")
            response = None
        else:
            if response.status_code >= 500:
                self.record("errors", f"{method} {probe} → HTTP {response.status_code}")
            if rollback and self.recording:
                self.tally.permitted_writes += bool(self.wrote)
        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie is None or cookie.value != self.session_key:  # signed out (or password page): sign in again
            self.sign_in()
        if response is not None and not self.user.is_superuser:
            self.check_leak(method, probe, response)
        return response

    def watch_writes(self, execute, sql, params, many, context):
        """Note the tables a request sends INSERT, UPDATE or DELETE to (sessions and logs aside)."""
        written = WRITE_SQL.match(sql)
        if written and written.group(1) not in EXCLUDED_TABLES:
            self.wrote.add(written.group(1))
        return execute(sql, params, many, context)

    def check_leak(self, method, probe, response):
        """Another site's screening numbers never; on eCRF pages, none at all without crf.view_patient."""
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)
        else:
            body = response.content
        text = body.decode(errors="replace") + response.get("Location", "")
        numbers = WORLD.data["foreign_numbers"]
        if probe.ecrf and not self.may_read_patients:
            numbers = numbers + WORLD.data["own_numbers"]
        seen = [number for number in numbers if number in text]
        if seen:
            why = "" if self.may_read_patients or not probe.ecrf else " without crf.view_patient"
            self.record("leaks", f"{method} {probe} → HTTP {response.status_code} shows {', '.join(seen[:5])}{why}")

    def record(self, kind, finding):
        if self.recording:
            getattr(self.tally, kind).append(finding)


def prepare_payloads(probes):
    """The form the superuser sees at each URL (the superuser sees every site), as POST data."""
    client = None
    for probe in probes:
        if probe.action or probe.url in PAYLOADS:
            continue
        if client is None:
            client = Client(raise_request_exception=False)  # its errors count in the superuser's own sweep
            client.force_login(WORLD.data["users"][SUPERUSER])
        with transaction.atomic():
            response = client.get(probe.url)
            transaction.set_rollback(True)
        PAYLOADS[probe.url] = payload_from(response)
        if client.cookies[settings.SESSION_COOKIE_NAME].value == "":  # a logout page: sign in again
            client.force_login(WORLD.data["users"][SUPERUSER])


def post_data(probe):
    if probe.action:
        return {"action": probe.action, "index": "0", "_selected_action": probe.selected, "post": "yes"}
    return PAYLOADS[probe.url]


def allowed_tables(role, probe):
    allowed = set()
    for who, label, action, tables in ALLOWED_WRITES:
        if who in (None, role) and label == probe.route.label and action == probe.action:
            allowed |= tables
    model_admin = probe.route.model_admin
    if role == SUPERUSER and model_admin is not None and model_admin.model._meta.app_label in USER_ADMINISTRATION_APPS:
        allowed |= {t for t in snapshot_tables() if t.startswith(USER_ADMINISTRATION_TABLES)}
    return allowed


def must_not_write(role, user, probe):
    """Whether any table may change when `user` posts `probe`."""
    if probe.route.in_admin:
        return True  # clinical data never change through the admin (exceptions: ALLOWED_WRITES)
    if role == SUPERUSER:
        return False  # every site is the superuser's own
    if probe.side in (OTHER_SIDE, MIXED_SIDE):
        return True
    return not writes_in_ecrf(user)


def changes_made_by(session, probes, payload, undo_writers=False):
    """(tables that sending `probes` changed, probes that sent SQL writes); all undone afterwards.

    With `undo_writers` each probe that sends a write is undone at once, so that every later probe
    meets the world as it was (a delete would otherwise hide the next page's own delete).
    """
    savepoint = transaction.savepoint()
    before = snapshot()
    writers = []
    for probe in probes:
        session.request("POST", probe, payload(probe), undo_writes=undo_writers)
        if session.wrote:
            writers.append(probe)
    tables = changed_tables(before, snapshot())
    transaction.savepoint_rollback(savepoint)
    session.sign_in()  # a session row written inside the savepoint is gone with it
    return tables, writers


def find_writes(session, probes, payload, allowed=frozenset()):
    """Name the probes that changed a table beyond `allowed`.

    One sweep with a pair of snapshots: a probe that sends an INSERT, UPDATE or DELETE is undone on
    the spot and replayed alone between two snapshots (an UPDATE to the same values changes
    nothing). A change the sweep shows anyway (SQL we did not recognise) is then looked for URL
    pattern by URL pattern.
    """
    if not probes:
        return
    tables, writers = changes_made_by(session, probes, payload, undo_writers=True)
    session.recording = False  # the replays repeat the sweep's requests: report each finding once
    named = []
    for probe in writers:
        alone = changes_made_by(session, [probe], payload)[0] - allowed
        if alone:
            named.append(f"POST {probe} changed {sorted(alone)}")
    if tables - allowed:
        by_route, replayed = {}, {id(probe) for probe in writers}
        for probe in probes:
            if id(probe) not in replayed:
                by_route.setdefault(probe.route.label, []).append(probe)
        for group in by_route.values():
            changed = changes_made_by(session, group, payload, undo_writers=True)[0] - allowed
            if changed:  # writes that happen only together are named as a group
                named.append(f"POST {' + '.join(map(str, group))} changed {sorted(changed)}")
        if not named:
            named.append(f"the POST sweep changed {sorted(tables - allowed)}")
    session.recording = True
    session.tally.writes.extend(named)


def run_guarded(session, role, probes, payload):
    """POST every probe: those the role must not write through are checked for table changes."""
    must = [p for p in probes if must_not_write(role, session.user, p)]
    for probe in probes:
        if not must_not_write(role, session.user, probe):  # the role may write here; undone for the next probe
            session.request("POST", probe, payload(probe), rollback=True)
    find_writes(session, [p for p in must if not allowed_tables(role, p)], payload)
    for probe in must:
        if allowed_tables(role, probe):  # alone, so the allowance covers this probe only
            find_writes(session, [probe], payload, frozenset(allowed_tables(role, probe)))


# --- The tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def quiet_request_log():
    """Thousands of expected 403/404s (and the errors we report ourselves) would bury the summary."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture(scope="module", autouse=True)
def print_summary():
    yield
    if SUMMARY:
        print()
        for role, tally in SUMMARY.items():
            print(
                f"access matrix · {role:<21} · URLs discovered {tally.urls} · GETs {tally.gets} · "
                f"POSTs {tally.posts} (saved where permitted: {tally.permitted_writes}) · "
                f"leaks {len(tally.leaks)} · writes {len(tally.writes)} · "
                f"500s {len(tally.errors)} · exports {len(tally.exports)} · unfilled {len(tally.unfilled)}"
            )


@pytest.fixture
def export_root(settings, matrix_export_root):
    """Overrides tests/conftest.py: the world's export ZIPs live in one folder for the whole module."""
    settings.EXPORT_ROOT = matrix_export_root


@pytest.fixture
def world(matrix_world, db):
    global WORLD
    if WORLD is None or WORLD.data is not matrix_world:
        WORLD = World(matrix_world)
        WORLD.probes = build_probes(WORLD)
        PAYLOADS.clear()
    return WORLD


@pytest.fixture
def tally(request):
    """This test's findings; added to its role's line of the summary afterwards."""
    role = request.node.callspec.params["role"]
    found = Tally()
    yield found
    total = SUMMARY.setdefault(role, Tally())
    total.urls = max(total.urls, found.urls)
    total.gets += found.gets
    total.posts += found.posts
    total.permitted_writes += found.permitted_writes
    for kind in ("leaks", "writes", "errors", "exports", "unfilled"):
        getattr(total, kind).extend(getattr(found, kind))


def fail_on(role, tally, *kinds):
    """Fail with the findings of these kinds, one per line (the role is in the test's name)."""
    lines = []
    for kind in kinds:
        items = getattr(tally, kind)
        if items:
            lines.append(f"{len(items)} {kind}:")
            lines += [f"  {item}" for item in items[:60]]
            if len(items) > 60:
                lines.append(f"  … and {len(items) - 60} more")
    if lines:
        pytest.fail(f"{role}:\n" + "\n".join(lines), pytrace=False)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.req("SEC-2")
def test_every_url_discovered_is_filled(role, world, tally):
    """A URL whose parameters the matrix cannot fill would go unprobed: name it instead."""
    probes, unfilled = world.probes
    tally.urls = len({p.route.label for p in probes})
    tally.unfilled = unfilled
    assert probes, "the URL resolver gave no URL to probe"
    fail_on(role, tally, "unfilled")


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.req("SEC-2")
def test_get_every_url(role, world, tally):
    """No server error, no other site's screening number, no table change, whatever is asked for."""
    probes, _ = world.probes
    session = Session(world.data["users"][role], tally)
    before = snapshot()
    for probe in probes:
        response = session.request("GET", probe)
        if role == SUPERUSER:  # what the superuser sees is what the POST sweep posts
            PAYLOADS.setdefault(probe.url, payload_from(response))
        ENGLISH_STATUS[role, probe.url] = getattr(response, "status_code", None)
    tally.gets = len(probes)
    for table in sorted(changed_tables(before, snapshot())):
        tally.writes.append(f"the GET sweep changed {table}")
    fail_on(role, tally, "errors", "leaks", "writes")


ENGLISH_STATUS = {}  # (role, url) → what the English GET sweep answered


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.req("I18N-7")
def test_get_every_url_in_chinese(role, world, tally):
    """Asked in 简体中文 (a Chinese browser), every URL answers as it did in English, with no server
    error and no leak, and every page says it is Chinese."""
    probes, _ = world.probes
    session = Session(world.data["users"][role], tally, language="zh-CN,zh;q=0.9")
    for probe in probes:
        response = session.request("GET", probe)
        if response is None:
            continue
        english = ENGLISH_STATUS.get((role, probe.url))
        if english is not None and response.status_code != english:
            tally.errors.append(f"GET {probe} → HTTP {response.status_code} in Chinese, {english} in English")
        is_page = response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")
        if is_page and "<html" in response.content.decode() and '<html lang="zh-hans"' not in response.content.decode():
            tally.errors.append(f"GET {probe} → a page not marked zh-hans")
    fail_on(role, tally, "errors", "leaks")


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.req("P11-AUD-9", "SEC-2")
def test_post_every_url(role, world, tally):
    """The form the superuser sees, posted by each role to each URL: no change without the permission."""
    probes, _ = world.probes
    session = Session(world.data["users"][role], tally)
    everything = probes + action_probes(probes, world.data["users"][SUPERUSER])
    prepare_payloads(everything)
    run_guarded(session, role, everything, post_data)
    tally.posts = len(everything)
    fail_on(role, tally, "errors", "leaks", "writes")
    if writes_in_ecrf(session.user):
        # The positive control: a role that enters data saves through some of these POSTs, so the
        # payloads are real forms and "nothing changed" above means refused, not malformed.
        assert tally.permitted_writes, f"{role}: no own-site POST saved anything; the payloads cannot write"


def _is_file(response):
    return response is not None and response.get("Content-Disposition", "").startswith("attachment")


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.req("SEC-3")
def test_export_needs_the_view_permission(role, world, tally):
    """/admin/<app>/<model>/export/ of every form: a file only for a role that may view that form,
    holding only its sites' rows."""
    probes, _ = world.probes
    user = world.data["users"][role]
    session = Session(user, tally)
    exports = [p for p in probes if p.route.label.endswith("_export") and p.route.model_admin is not None]
    assert exports, "no admin export URL discovered"
    for probe in exports:
        model = probe.route.model_admin.model
        permission = f"{model._meta.app_label}.view_{model._meta.model_name}"
        may_view = user.has_perm(permission)
        form = superuser_export_form(probe)
        for side in (OWN_SIDE, OTHER_SIDE):
            row = world.row(model, side)
            data = dict(form, export_items=[str(row.pk)])
            response = session.request("POST", Probe(probe.route, side, probe.url), data, rollback=True)
            if _is_file(response) and not may_view:
                tally.exports.append(f"POST {probe.url} [{side}] gave a file without {permission}")
            if side == OWN_SIDE and may_view and not _is_file(response):
                # The positive control: without it a broken payload would pass every check above.
                tally.exports.append(f"POST {probe.url} [own] gave no file although the role has {permission}")
        response = session.request("GET", probe, rollback=True)
        if _is_file(response) and not may_view:
            tally.exports.append(f"GET {probe.url} gave a file without {permission}")
    fail_on(role, tally, "exports", "errors", "leaks")


def superuser_export_form(probe):
    """The export form as the superuser fills it: CSV, every column."""
    key = ("export", probe.url)
    if key not in PAYLOADS:
        client = Client()
        client.force_login(WORLD.data["users"][SUPERUSER])
        with transaction.atomic():
            response = client.get(probe.url)
            transaction.set_rollback(True)
        form = response.context["form"]
        data = {}
        form_data(form, data)
        for name, field_obj in form.fields.items():
            if isinstance(field_obj.widget, CheckboxInput):
                data[name] = ["on"]
        data["format"] = [next(value for value, label in form.fields["format"].choices if label == "csv")]
        PAYLOADS[key] = data
    return PAYLOADS[key]
