"""Fuzz every form of the eCRF (security issue): no 500, no off-site redirect, and nothing saved
outside its field's declared limits (max_length, validators, choices).

World: one set of patients built once per module (`fuzz_world`) inside a transaction rolled back at
the end. Every submission runs in a savepoint that is rolled back after its checks, so each one
starts from the same world: the `loaded_version` a page carried stays current, a void, a signature,
a randomization or a missed-visit mark reaches its save path every time, and the checks only have
to read the rows that submission added or changed.

Discovery (nothing is listed by hand but the views without input): the nurse and the investigator
crawl the pages of the eCRF namespaces (links and form actions, the world's patients only); every
URL pattern nobody reached is then filled with the parameter values seen while crawling. A page
whose response context holds a Django form or formset, or any HTML form posting to the eCRF, gives
a target; so does a view that reads request.GET/POST itself (its source is scanned: `next`, `q`,
`stratum`, …). The role is the one that sees the most fields (the investigator for eligibility
confirmation and AE signing), else the nurse. Each URL pattern is one test: it fails when the
pattern has no target and is not in NO_INPUT_VIEWS.

Per target: the browser's submission of the page (plus the values of a sibling page with the same
forms, plus plausible values in empty fields) is probed to find a baseline the server accepts; then
a deterministic sweep (every field blank or missing, every field at its declared limits, every raw
parameter with redirect probes, a double submission) and derandomized hypothesis examples that
mutate 0-3 fields of a baseline with values that respect nothing.

Run: pytest tests/security/test_form_fuzz.py -s (prints submissions and time per form).
FUZZ_EXAMPLES sets the hypothesis examples per form (default 15).
"""

import inspect
import itertools
import logging
import os
import re
import time
import traceback
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django import forms
from django.apps import apps
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, transaction
from django.db.models import Max
from django.forms.formsets import BaseFormSet
from django.forms.models import InlineForeignKeyField
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch, Resolver404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accounts import roles
from audit.services import save_with_reason
from crf import recist
from crf.models import (
    EndOfTreatment,
    FollowUp,
    LocalIntervention,
    NewAnticancerTherapy,
    NonTargetStatus,
    OffStudy,
    TargetMeasurement,
    TumourAssessment,
)
from crf.status import Status
from randomization.services import allocate, generate_list
from safety import ctcae
from safety.models import CtcaeTerm
from safety.signing import sign
from tests.factories import (
    PASSWORD,
    AdverseEventFactory,
    CycleFactory,
    PatientFactory,
    TrialSiteFactory,
    UserFactory,
    make_eligible_patient,
)

# pytest-django creates the test database only for tests that ask for it; each test then runs in a
# savepoint inside the world's transaction.
pytestmark = pytest.mark.django_db

APPS = ("crf", "safety", "visits", "randomization")
ROLES = ("nurse", "investigator")  # data entry; eligibility confirmation, randomization, AE signing
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))  # hypothesis examples per form
MIN_SUBMISSIONS = 1000  # the security issue's floor for CI
CRAWL_LIMIT = 150  # pages per role; the world has a few dozen
ROOT = Path(django_settings.BASE_DIR)
# The course is dated from today so that its visits stay due (consent is the factories' 2025-03-01).
RANDOMIZED = timezone.localdate() - timedelta(days=120)

# Views that take no input at all: their pages are read-only (a form they show posts elsewhere).
NO_INPUT_VIEWS = {
    "crf:patient_detail": "read-only overview; its links lead to the form views",
    "crf:patient_history": "read-only audit trail",
    "crf:audit_trail": "read-only audit trail across patients (GET filters; tests/crf/test_audit_review.py)",
    "randomization:confirmation": "printable record of an allocation",
    "randomization:report": "counts only (Randomization manager)",
}

# Values a view reading a raw parameter (next, q, stratum …) must survive; the first ones are the
# redirect probes: a view name without its arguments, an off-site URL, a scheme-relative one.
RAW_PROBES = [
    "12",
    "crf:patient_detail",
    "https://evil.example.org/x",
    "//evil.example.org/x",
    "/\\evil.example.org/x",
    "javascript:alert(1)",
    "",
    "\x00",
    "ab\x00cd",
    "食管" * 50,
]
SPECIAL_TEXT = [
    "",
    " ",
    "\t\n \r\n",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f\x9f",
    "\u202eevil\u200b\ufeff",
    "食管鳞状细胞癌",
    "🧬🙂" * 3,
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "'; DROP TABLE crf_patient; --",
    "%s%n{0}{{ 7|add:7 }}",
    "../../etc/passwd",
    "None",
    "-1",
]
NUMBER_SPECIALS = [
    "0",
    "-0",
    "-1",
    "1",
    "1.5",
    "0.05",
    "-0.1",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1,5",
    " 7 ",
    "0x10",
    "١٢",
    "9" * 25,
    "12abc",
    "",
    "1_000",
    "+5",
    "1e-7",
]
DATE_SPECIALS = [
    "1900-01-01",
    "0001-01-01",
    "9999-12-31",
    "2025-02-30",
    "2024-02-29",
    "2025-13-01",
    "2025-00-10",
    "garbage",
    "2025-03-10T10:00",
    "2025-03-10 10:00:00",
    "10/03/2025",
    "2025/03/10",
    "2025-3-1",
    "+12025-01-01",
    "20250310",
    "",
    " ",
    "-2025-01-01",
    "٢٠٢٥-٠٣-١٠",
]
DATETIME_SPECIALS = [
    "2025-05-01T10:00",
    "2025-05-01 10:00",
    "2025-05-01 10:00:00",
    "2025-05-01T25:61",
    "2025-05-01T10:00Z",
    "2025-05-01T10:00:00+14:00",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2025-02-30T10:00",
    "2025-05-01",
    "10:00",
    "garbage",
    "",
]
CHECKBOX_VALUES = ["on", "", "false", "False", "0", "off", "yes", "2"]
# A formset's counts: small and wrong mostly. An absurd TOTAL_FORMS makes Django build absolute_max
# (max_num + 1,000) forms, seconds per request: the sweep sends it once, hypothesis rarely.
MANAGEMENT = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")
MANAGEMENT_VALUES = ["0", "1", "2", "3", "4", "5", "7", "8", "9", "-1", "abc", "", "1.5", " 2", "١", "9" * 25]
PLAUSIBLE_TEXT = "Fuzz: entered as on the source document"


class _Missing:
    def __repr__(self):
        return "<missing>"


MISSING = _Missing()  # the parameter is not sent at all


def short(value, limit=60):
    if value is MISSING:
        return "<missing>"
    if isinstance(value, list):
        return "[" + ", ".join(short(v, limit) for v in value) + "]"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 20]}…{text[-8:]} ({len(value)} chars)"


# --- HTML: what a browser would submit --------------------------------------------------------


@dataclass
class Control:
    name: str
    kind: str  # text, hidden, password, checkbox, radio, select, select-multiple, textarea, …
    values: list = field(default_factory=list)  # submitted as the page stands
    options: list = field(default_factory=list)  # offered (select, radio, checkbox)


@dataclass
class HtmlForm:
    method: str
    action: str
    controls: dict = field(default_factory=dict)


class PageParser(HTMLParser):
    """Links and forms of a page, with each form's successful controls as a browser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms = [], []
        self._form = self._select = self._option = self._textarea = None

    def _control(self, name, kind):
        return self._form.controls.setdefault(name, Control(name, kind))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = HtmlForm((a.get("method") or "get").lower(), a.get("action") or "")
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
        elif not a.get("name") or "disabled" in a or a["name"] == "csrfmiddlewaretoken":
            return  # the test client does not check CSRF: the token is no input of the view
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            control = self._control(a["name"], kind)
            if kind in ("checkbox", "radio"):
                value = a.get("value", "on")  # browsers send "on" only when there is no value
                control.options.append(value)
                if "checked" in a:
                    control.values.append(value)
            else:
                control.values.append(a.get("value") or "")
        elif tag == "select":
            self._select = self._control(a["name"], "select-multiple" if "multiple" in a else "select")
        elif tag == "textarea":
            self._textarea, self._text = self._control(a["name"], "textarea"), []

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data
        elif self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value, selected, text = self._option
            value = text.strip() if value is None else value
            self._select.options.append(value)
            if selected:
                self._select.values.append(value)
            self._option = None
        elif tag == "select" and self._select is not None:
            if not self._select.values and self._select.kind == "select" and self._select.options:
                self._select.values.append(self._select.options[0])  # browsers submit the first option
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self._textarea.values.append(text[1:] if text.startswith("\n") else text)  # HTML drops one newline
            self._textarea = None
        elif tag == "form":
            self._form = None


# --- The world ----------------------------------------------------------------------------------


def randomized_course(site, investigator):
    """Randomized by the real service 120 days ago: 3 lesions (2 targets), 2 cycles (the third is
    overdue), a radiotherapy, an assessment with measurements, a follow-up, a signed AE and its
    unsigned serious worsening."""
    day = lambda n: RANDOMIZED + timedelta(days=n)  # noqa: E731 - days after randomization
    patient = make_eligible_patient(site, investigator, organs=("lung", "liver", "bone"))
    patient.lesions.filter(organ="bone").update(target_lesion=False)
    allocation = allocate(patient, investigator, status=Status.ELIGIBLE, randomized_on=RANDOMIZED)
    CycleFactory(patient=patient, cycle_number=1, day1_date=day(2))
    CycleFactory(patient=patient, cycle_number=2, day1_date=day(23))
    lung, liver = patient.lesions.get(organ="lung"), patient.lesions.get(organ="liver")
    LocalIntervention.objects.create(
        lesion=lung,
        modality="radiotherapy",
        intent="protocol" if allocation.arm == "combined" else "palliative",
        start_date=day(31),
        end_date=day(37),
        rt_technique="sbrt",
        total_dose_gy=Decimal("40"),
        fractions=5,
    )
    sums = {lung: Decimal("15.0"), liver: Decimal("16.0")}
    baseline = lung.longest_diameter_mm + liver.longest_diameter_mm
    measurements = [recist.Measurement(False, diameter) for diameter in sums.values()]
    assessment = TumourAssessment.objects.create(
        patient=patient,
        assessment_date=day(42),
        imaging_method="ct",
        non_target_status="non_cr_non_pd",
        overall_response=recist.overall_response(
            recist.target_response(baseline, baseline, measurements), recist.NON_CR_NON_PD, False
        ),
    )
    for lesion, diameter in sums.items():
        TargetMeasurement.objects.create(assessment=assessment, lesion=lesion, diameter_mm=diameter)
    NonTargetStatus.objects.create(assessment=assessment, lesion=patient.lesions.get(organ="bone"), status="present")
    NewAnticancerTherapy.objects.create(
        patient=patient, therapy_type="systemic", description="Docetaxel", start_date=day(90), intent="palliative"
    )
    FollowUp.objects.create(patient=patient, contact_date=day(83), vital_status="alive")
    first = AdverseEventFactory(
        patient=patient,
        onset_date=day(36),
        resolution_date=day(46),
        ongoing=False,
        grade=2,
        serious=False,
        sae_hospitalization=False,
        relationship_to_local_intervention="unlikely",
        immune_related=True,
        treatment_given="corticosteroids",
        outcome="recovered",
    )
    AdverseEventFactory(  # serious: hospitalized
        patient=patient,
        onset_date=day(52),
        site_aware_at=timezone.make_aware(datetime.fromisoformat(f"{day(52)}T09:30")),
        expectedness="expected",
        worsening_of=first,
        relationship_to_local_intervention="unlikely",
    )
    sign(first, investigator, PASSWORD, "reviewed")
    return patient


def build_world():
    if not CtcaeTerm.objects.exists():
        ctcae.load(CtcaeTerm)
    site = TrialSiteFactory(code="SH01", name="Fudan University Shanghai Cancer Center")
    other_site = TrialSiteFactory(code="HZ01", name="Zhejiang Cancer Hospital", city="Hangzhou")
    users = {
        "nurse": UserFactory(username="fuzz.nurse.sh01", role=roles.RESEARCH_NURSE, sites=[site]),
        "investigator": UserFactory(username="fuzz.investigator.sh01", role=roles.INVESTIGATOR, sites=[site]),
    }
    other_investigator = UserFactory(username="fuzz.investigator.hz01", role=roles.INVESTIGATOR, sites=[other_site])
    generate_list("fuzz-seed", 6, "fuzz")
    course = randomized_course(site, users["investigator"])
    # Randomized, then ended and off study: the edit forms of end of treatment and off study.
    ended = make_eligible_patient(site, users["investigator"])
    allocate(ended, users["investigator"], status=Status.ELIGIBLE, randomized_on=RANDOMIZED)
    end, off = RANDOMIZED + timedelta(days=100), RANDOMIZED + timedelta(days=110)
    save_with_reason(EndOfTreatment(patient=ended, end_date=end, reason="toxicity"), users["nurse"])
    save_with_reason(OffStudy(patient=ended, off_study_date=off, reason="withdrawal"), users["nurse"])
    screening = make_eligible_patient(site, users["investigator"])  # eligible, awaiting randomization
    fresh = PatientFactory(site=site)  # registered only: every screening form is an add form
    randomized_course(other_site, other_investigator)  # another site's pks for the choice fields
    return {"users": users, "patients": [course, ended, screening, fresh]}


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """Built once: the fuzzing only ever adds to it inside savepoints that are rolled back."""
    # Each 500 is reported once, shortened; failed signing passwords are expected (django-axes).
    loggers = {log: log.level for log in map(logging.getLogger, ("django.request", "axes"))}
    for log in loggers:
        log.setLevel(logging.CRITICAL)
    # Signing checks the password on every submission: a fast hasher keeps that from dominating the run.
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        try:
            world = build_world()
            problems = limit_problems(all_rows())
            assert not problems, "The fuzz world itself breaks the declared limits:\n" + "\n".join(problems)
            world["clients"] = {}
            for role, user in world["users"].items():
                world["clients"][role] = client = Client()
                client.force_login(user)
            yield world
        finally:
            transaction.set_rollback(True)
            for log, level in loggers.items():
                log.setLevel(level)


# --- Saved rows: declared limits and same-patient references -----------------------------------

MODELS = [model for label in APPS for model in apps.get_app_config(label).get_models()]


def all_rows():
    for model in MODELS:
        yield from model._base_manager.all()


def row_marks():
    return {model: model._base_manager.aggregate(top=Max("pk"))["top"] or 0 for model in MODELS}


def tables_written(marks):
    """The models with rows above `marks`, in one query (pks only grow, even across rollbacks)."""
    sql = " UNION ALL ".join(
        f"(SELECT {i} FROM {connection.ops.quote_name(m._meta.db_table)} "
        f"WHERE {connection.ops.quote_name(m._meta.pk.column)} > %s LIMIT 1)"
        for i, m in enumerate(MODELS)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [marks[m] for m in MODELS])
        return [MODELS[i] for (i,) in cursor.fetchall()]


def changed_rows(marks):
    """Rows added since `marks`, and the live rows a new history row records a change of."""
    seen = set()
    for model in tables_written(marks):
        new = list(model._base_manager.filter(pk__gt=marks[model]))
        live = getattr(model, "instance_type", None)
        if live is not None and new:
            ids = {getattr(row, live._meta.pk.attname) for row in new}
            new += list(live._base_manager.filter(pk__in=ids))
        for row in new:
            if (type(row), row.pk) not in seen:
                seen.add((type(row), row.pk))
                yield row


def owner(row):
    """The patient a clinical row belongs to, through its first clinical foreign key."""
    if type(row)._meta.label == "crf.Patient":
        return row.pk
    if hasattr(row, "patient_id"):
        return row.patient_id
    for f in type(row)._meta.fields:
        if f.many_to_one and f.related_model._meta.app_label in APPS and f.related_model is not CtcaeTerm:
            related = getattr(row, f.name)
            return None if related is None else owner(related)
    return None


def limit_problems(rows):
    problems = []
    for row in rows:
        label = f"{type(row)._meta.label} #{row.pk}"
        # Foreign keys exist (PostgreSQL's constraints); simple_history's own columns are not data.
        skip = [f.name for f in type(row)._meta.fields if f.is_relation or f.name.startswith("history_")]
        values = {f.name: getattr(row, f.attname) for f in type(row)._meta.fields}
        try:
            row.clean_fields(exclude=skip)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                problems.append(f"{label} {name}={short(values.get(name), 80)}: {' '.join(messages)}")
        if hasattr(row, "instance_type") or owner(row) is None:
            continue
        for f in type(row)._meta.fields:
            if f.many_to_one and f.related_model._meta.app_label in APPS and f.related_model is not CtcaeTerm:
                related = getattr(row, f.name)
                if related is not None and owner(related) not in (None, owner(row)):
                    problems.append(f"{label} {f.name} → {related!r} of another patient")
    return problems


# --- Discovery ----------------------------------------------------------------------------------


def ecrf_patterns():
    """{"crf:patient_edit": [parameter names], …} for the eCRF namespaces, from the resolver."""
    found = {}
    for include in get_resolver().url_patterns:
        if isinstance(include, URLResolver) and include.namespace in APPS:
            for pattern in include.url_patterns:
                found[f"{include.namespace}:{pattern.name}"] = list(pattern.pattern.regex.groupindex)
    return found


PATTERNS = ecrf_patterns()
RAW_PARAM = re.compile(r"request\.(GET|POST)(?:\.(?:get|getlist)\(|\[)\s*[\"']([^\"']+)[\"']")


def raw_params(view):
    """Parameters a view reads from the request itself, not through a form."""
    view = getattr(view, "view_class", None) or inspect.unwrap(view)
    return sorted({(method.lower(), name) for method, name in RAW_PARAM.findall(inspect.getsource(view))})


@dataclass
class Page:
    role: str
    path: str
    status: int
    match: object = None
    forms: list = field(default_factory=list)  # Django forms and formsets of the response context
    html: list = field(default_factory=list)
    links: list = field(default_factory=list)


def context_forms(response):
    contexts = response.context
    if contexts is None:
        return []
    found = {}
    for context in contexts if isinstance(contexts, list) else [contexts]:
        for layer in context:
            for value in layer.values() if isinstance(layer, dict) else []:
                if isinstance(value, (forms.BaseForm, BaseFormSet)):
                    found[id(value)] = value
    return list(found.values())


def visit(role, client, path):
    response = client.get(path)
    page = Page(role, path, response.status_code, resolve(path))
    if response.status_code in (301, 302):
        page.links.append(response["Location"])
    elif response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        parser = PageParser()
        parser.feed(response.content.decode())
        page.forms, page.html, page.links = context_forms(response), parser.forms, parser.links
    return page


def in_scope(link, base, numbers):
    parts = urlsplit(urljoin("http://testserver" + base, link))
    if parts.netloc != "testserver":
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.namespace not in APPS or match.kwargs.get("screening_number", numbers[0]) not in numbers:
        return None
    return parts.path


def crawl(world):
    numbers = [patient.screening_number for patient in world["patients"]]
    seeds = [reverse(name) for name, params in PATTERNS.items() if not params]
    seeds += [reverse("crf:patient_detail", args=[number]) for number in numbers]
    pages = {}
    for role in ROLES:
        queue, seen = deque(seeds), set()
        while queue and len(seen) < CRAWL_LIMIT:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            page = pages[role, path] = visit(role, world["clients"][role], path)
            for link in page.links + [form.action or path for form in page.html]:
                found = in_scope(link, path, numbers)
                if found and found not in seen:
                    queue.append(found)
    # Patterns no link led to: fill their parameters with the values seen while crawling.
    observed = defaultdict(set)
    for page in pages.values():
        for name, value in page.match.kwargs.items():
            observed[name].add(value)
    reached = {page.match.view_name for page in pages.values()}
    for name, params in PATTERNS.items():
        if name in reached or not all(observed[p] for p in params):
            continue
        for values in itertools.islice(itertools.product(*(sorted(observed[p], key=str) for p in params)), 40):
            try:
                path = reverse(name, kwargs=dict(zip(params, values, strict=True)))
            except NoReverseMatch:
                continue
            for role in ROLES:
                pages[role, path] = visit(role, world["clients"][role], path)
    return pages


@dataclass
class Target:
    role: str
    method: str
    action: str
    view_name: str
    controls: dict = field(default_factory=dict)  # html name → Control, as the page has them
    fields: dict = field(default_factory=dict)  # html name → (form, field) from the response context
    form_classes: tuple = ()
    key: tuple = ()
    raw: list = field(default_factory=list)  # (method, name) read by the view, absent from the page
    extras: list = field(default_factory=list)  # model fields a ModelForm leaves out (mass assignment)
    baselines: list = field(default_factory=list)
    primary: dict = field(default_factory=dict)

    @property
    def label(self):
        kwargs = resolve(self.action).kwargs
        args = [kwargs.pop("screening_number", None)] + [f"{k}={v}" for k, v in kwargs.items()]
        return f"{self.view_name}({', '.join(a for a in args if a)}) {self.method.upper()} as {self.role}"

    def groups(self, raw=True):
        """Field names by their place in the form (a formset's rows share one group), and the raw
        parameters the view reads."""
        grouped = defaultdict(list)
        for name in self.controls:
            grouped[re.sub(r"-\d+-", "-*-", name)].append(name)
        return list(grouped.values()) + ([[name] for _, name in self.raw] if raw else [])


def field_map(form_objects):
    fields = {}
    for obj in form_objects:
        members = [obj.management_form, *obj.forms] if isinstance(obj, BaseFormSet) else [obj]
        for form in members:
            for name, form_field in form.fields.items():
                fields[form.add_prefix(name)] = (form, form_field)
    return fields


def discover(world):
    pages = crawl(world)
    targets, problems = [], defaultdict(list)
    for page in sorted(pages.values(), key=lambda p: ROLES.index(p.role)):
        if page.status != 200:
            continue
        fields = field_map(page.forms)
        classes = tuple(sorted(type(f).__name__ for f in page.forms))
        own = []
        for html in page.html:
            action = urljoin(page.path, html.action or page.path)
            try:
                match = resolve(urlsplit(action).path)
            except Resolver404:
                continue
            if match.namespace not in APPS:
                continue  # the header's sign-out form
            own.append(
                Target(
                    role=page.role,
                    method=html.method,
                    action=urlsplit(action).path,
                    view_name=match.view_name,
                    controls=html.controls,
                    fields=fields,
                    form_classes=classes,
                )
            )
        if page.forms and not own:
            problems[page.match.view_name].append(f"{page.path} has {classes} in its context but no form posting to it")
        targets += own
    # A view that reads request parameters itself, without an HTML form for them (e.g. a JSON search).
    with_form = {t.view_name for t in targets}
    for page in pages.values():
        name = page.match.view_name
        params = raw_params(page.match.func)
        if page.status == 200 and params and name not in with_form:
            with_form.add(name)
            method = "post" if any(m == "post" for m, _ in params) else "get"
            targets.append(Target(role=page.role, method=method, action=page.path, view_name=name))
    for target in targets:
        match = resolve(target.action)
        target.raw = [p for p in raw_params(match.func) if p[1] not in target.controls]
        kwargs = tuple(sorted((k, v) for k, v in match.kwargs.items() if k != "screening_number"))
        # Formset rows and per-lesion fields (target_<pk>) count once: same form, other records.
        target.key = (target.view_name, kwargs, frozenset(re.sub(r"\d+", "#", n) for n in target.controls))
        model_forms = {id(f): f for f, _ in target.fields.values() if isinstance(f, forms.ModelForm)}
        target.extras = sorted(
            {
                f.name
                for form in model_forms.values()
                for f in form._meta.model._meta.concrete_fields
                if f.name not in form.fields and form.add_prefix(f.name) not in target.controls
            }
        )
    # One target per form as a role sees it; a role seeing only part of another's fields yields.
    unique = {}
    for target in targets:
        unique.setdefault(target.key, target)
    kept = [
        t
        for t in unique.values()
        if not any(u.role != t.role and u.key[:2] == t.key[:2] and t.key[2] < u.key[2] for u in unique.values())
    ]
    reached = defaultdict(set)
    for page in pages.values():
        reached[page.match.view_name].add((page.role, page.path, page.status))
    return kept, problems, reached, pages


@pytest.fixture(scope="module")
def discovery(fuzz_world):
    targets, problems, reached, pages = discover(fuzz_world)
    observed = defaultdict(set)  # plausible values by field name, from every page seen
    for page in pages.values():
        for html in page.html:
            for name, control in html.controls.items():
                observed[re.sub(r"^.*-\d+-", "", name)].update(v for v in control.values + control.options if v)
    for target in targets:
        prepare_baselines(target, targets)
    by_view = defaultdict(list)
    for target in targets:
        by_view[target.view_name].append(target)
    return {"targets": by_view, "problems": problems, "reached": reached, "observed": observed}


# --- Baselines: start from a submission the server accepts --------------------------------------


def page_values(target):
    return {name: list(c.values) for name, c in target.controls.items() if c.values}


def plausible(target, name):
    """A value a nurse could enter in an empty field, or None to leave it empty."""
    control = target.controls[name]
    form, form_field = target.fields.get(name, (None, None))
    if control.kind in ("hidden", "checkbox") or (form is not None and form.empty_permitted):
        return None  # ids, versions and extra formset rows stay as the page has them
    if control.kind == "password":
        return PASSWORD  # the signer re-enters the password
    if control.options:
        offered = [o for o in control.options if o]
        return offered[0] if offered and (form_field is None or form_field.required) else None
    if isinstance(form_field, forms.DateField):
        return timezone.localdate().isoformat() if form_field.required else None
    if isinstance(form_field, forms.DateTimeField):
        return timezone.localtime().strftime("%Y-%m-%dT%H:%M") if form_field.required else None
    if isinstance(form_field, forms.IntegerField):
        bounds = limits(form_field)  # e.g. [0, 1900, 2100] for a year of birth: take the middle one
        return str(bounds[len(bounds) // 2] if bounds else 1) if form_field.required else None
    max_length = getattr(form_field, "max_length", None) or len(PLAUSIBLE_TEXT)
    return PLAUSIBLE_TEXT[:max_length]  # free text, also a reason for change


def prepare_baselines(target, targets):
    """Candidates, in order: the page with plausible values in its empty fields (an edit then carries
    a reason for change); the same over the record of a sibling page with the same forms (an add page
    borrows an edit page's values, one sibling at a time); the page as it stands. fuzz_target keeps
    the first one the server accepts."""
    page = page_values(target)

    def over(sibling):
        values = dict(page)
        for name, sibling_values in page_values(sibling).items():
            control = target.controls.get(name)
            if control and control.kind not in ("hidden", "password") and any(sibling_values):
                if not control.options or set(sibling_values) <= set(control.options):
                    values[name] = sibling_values
        return values

    def filled(values):
        values = dict(values)
        for name in target.controls:
            if not any(values.get(name, [])):
                value = plausible(target, name)
                if value is not None:
                    values[name] = [value]
        return values

    siblings = [t for t in targets if t is not target and t.form_classes == target.form_classes and t.form_classes]
    target.baselines = []
    for candidate in [filled(page), *(filled(over(sibling)) for sibling in siblings[:3]), page]:
        if candidate not in target.baselines:
            target.baselines.append(candidate)
    target.primary = target.baselines[0]


# --- Strategies ---------------------------------------------------------------------------------


def limits(form_field):
    return sorted(
        {
            Decimal(str(v.limit_value))
            for v in getattr(form_field, "validators", [])
            if isinstance(v, (MinValueValidator, MaxValueValidator))
        }
    )


def choice_codes(form_field):
    codes = []
    for key, label in form_field.choices:
        if isinstance(label, (list, tuple)):
            codes += [str(k) for k, _ in label]
        else:
            codes.append(str(key.value if hasattr(key, "value") else key))
    return codes


def pk_values(form_field, target):
    """Own pks (offered), pks the field does not offer (another patient, another site), junk."""
    if isinstance(form_field, InlineForeignKeyField):
        model, own = type(form_field.parent_instance), [form_field.parent_instance.pk]
    else:
        model, own = form_field.queryset.model, list(form_field.queryset.values_list("pk", flat=True)[:5])
    others = list(model._base_manager.exclude(pk__in=own).order_by("-pk").values_list("pk", flat=True)[:5])
    top = model._base_manager.aggregate(top=Max("pk"))["top"] or 0
    return [str(pk) for pk in own + others] + [str(top + 10**6), "0", "-1", "abc", "1.5", "9" * 25, ""]


def text_values(max_length=None):
    sizes = [1, 2, 4, 40, 200, 300, 1000]
    if max_length:
        sizes += [max_length - 1, max_length, max_length, max_length + 1]
    sized = st.tuples(st.sampled_from([s for s in sizes if s > 0]), st.sampled_from(["x", "Z", "食", "é", " "]))
    return st.one_of(
        st.sampled_from(SPECIAL_TEXT), st.text(max_size=40), sized.map(lambda t: t[1] * t[0]), st.just("x" * 200_000)
    )


def number_values(form_field):
    edges = [str(v + d) for v in limits(form_field) for d in (-1, Decimal("-0.1"), 0, Decimal("0.1"), 1)]
    if isinstance(form_field, forms.DecimalField) and form_field.max_digits:
        whole = form_field.max_digits - (form_field.decimal_places or 0)
        edges += ["9" * whole + "." + "9" * (form_field.decimal_places or 0), "9" * (whole + 1), "0." + "1" * 5]
    branches = [
        st.sampled_from(NUMBER_SPECIALS),
        st.integers(-(10**6), 10**6).map(str),
        st.decimals(min_value=-1000, max_value=10**5, places=2, allow_nan=False).map(str),
    ]
    return st.one_of(st.sampled_from(edges), *branches) if edges else st.one_of(*branches)


def date_values(anchors):
    near = st.tuples(st.sampled_from(anchors), st.integers(-400, 400)).map(
        lambda t: (t[0] + timedelta(days=t[1])).isoformat()
    )
    return st.one_of(
        st.sampled_from(DATE_SPECIALS),
        st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat),
        near,
        near,
    )


def date_anchors(target, name):
    anchors = [timezone.localdate(), RANDOMIZED, date(2025, 3, 1)]  # today, randomization, consent
    for value in target.primary.get(name, []):
        try:
            anchors.append(date.fromisoformat(value[:10]))
        except ValueError:
            pass
    return anchors


def typed_values(target, name):
    """Values for one field by its type: valid ones among junk."""
    control = target.controls.get(name)
    _, form_field = target.fields.get(name, (None, None))
    if MANAGEMENT.search(name):
        return st.sampled_from(MANAGEMENT_VALUES)
    if isinstance(form_field, (InlineForeignKeyField, forms.ModelChoiceField)):
        values = st.sampled_from(pk_values(form_field, target))
        return st.lists(values, max_size=3) if isinstance(form_field, forms.ModelMultipleChoiceField) else values
    if isinstance(form_field, forms.ChoiceField) or (form_field is None and control and control.options):
        codes = choice_codes(form_field) if form_field is not None else list(control.options)
        junk = ["", "INVALID", "None", "0", "-1", "999", "true", "__all__"]
        junk += [variant for code in codes[:3] if code for variant in (code.upper(), f" {code}", f"{code}\x00")]
        values = st.sampled_from(codes + junk)
        multiple = isinstance(form_field, forms.MultipleChoiceField) or (control and control.kind == "select-multiple")
        return st.lists(values, max_size=4) if multiple else values
    if isinstance(form_field, (forms.BooleanField, forms.NullBooleanField)) or (control and control.kind == "checkbox"):
        return st.sampled_from(CHECKBOX_VALUES)
    if isinstance(form_field, forms.DateField):
        return date_values(date_anchors(target, name))
    if isinstance(form_field, forms.DateTimeField):
        times = st.sampled_from(["T00:00", "T09:30", "T23:59", " 12:00", "T12:00:00"])
        return st.one_of(
            st.sampled_from(DATETIME_SPECIALS),
            st.tuples(date_values(date_anchors(target, name)), times).map("".join),
        )
    if isinstance(form_field, forms.IntegerField):  # DecimalField and FloatField too
        return number_values(form_field)
    if isinstance(form_field, forms.CharField):
        return text_values(form_field.max_length)
    # A raw parameter (no form field): anything.
    return st.one_of(
        st.sampled_from(RAW_PROBES),
        text_values(),
        number_values(None),
        date_values(date_anchors(target, name)),
    )


def value_strategy(target, name, observed):
    """Mostly typed values; often empty or missing (the commonest path to an unhandled branch);
    sometimes a value this field had on another page (plausible, so deeper rules are reached)."""
    pool = sorted(set(target.primary.get(name, [])) | observed.get(re.sub(r"^.*-\d+-", "", name), set()))
    typed = typed_values(target, name)
    branches = [st.just(""), st.just(MISSING), typed, typed, typed, typed]
    if pool:
        branches += [st.sampled_from(pool)] * 2
    return st.one_of(*branches)


def extra_value_strategy(target, name):
    return st.sampled_from(RAW_PROBES + ["1", "True", "on", "XX99-9999", "2099-01-01"])


class Submission:
    """Hypothesis prints this in its report: the baseline and the changes, not the whole form."""

    def __init__(self, base, changes, data, twice):
        self.base, self.changes, self.data, self.twice = base, changes, data, twice

    def __repr__(self):
        changes = ", ".join(f"{k}={short(v)}" for k, v in self.changes.items())
        return f"Submission(baseline #{self.base}, {changes or 'unchanged'}{', sent twice' if self.twice else ''})"


def apply_changes(base, changes):
    data = {k: list(v) for k, v in base.items()}
    for name, value in changes.items():
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return data


def submissions(target, observed):
    groups = target.groups()
    strategies = {}
    indexes = list(range(len(target.baselines))) + [0] * 3  # the accepted baseline (first) most often

    @st.composite
    def draw_submission(draw):
        base = draw(st.sampled_from(indexes))
        changes = {}
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 1, 2, 2, 3]) if groups else st.just(0))):
            name = draw(st.sampled_from(draw(st.sampled_from(groups))))
            if name not in strategies:
                strategies[name] = value_strategy(target, name, observed)
            changes[name] = draw(strategies[name])
        if target.extras and draw(st.integers(0, 3)) == 0:
            name = draw(st.sampled_from(target.extras))
            changes[name] = draw(st.one_of(typed_values(target, name), extra_value_strategy(target, name)))
        twice = draw(st.integers(0, 9)) == 9  # a double click (shrinks to a single submission)
        return Submission(base, changes, apply_changes(target.baselines[base], changes), twice)

    return draw_submission()


# --- Submitting and checking --------------------------------------------------------------------

STATS = []  # per target: submissions, statuses, seconds, why no baseline was accepted


def describe_exception(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    app = [f for f in frames if f.filename.startswith(str(ROOT)) and "/.venv/" not in f.filename]
    app = [f for f in app if "/tests/" not in f.filename] or frames[-1:]
    last = app[-1]
    lines = [
        f"{type(exc).__name__}: {str(exc)[:300]}",
        f"last app frame: {Path(last.filename).relative_to(ROOT)}:{last.lineno} in {last.name}",
    ]
    lines += [f"  {Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}: {f.line}" for f in app[-5:]]
    return (type(exc), last.filename, last.lineno), "\n".join(lines)


class FuzzFailure(AssertionError):
    pass


def form_errors(response):
    """The validation errors a re-rendered page shows, briefly (why a baseline was not accepted)."""
    errors = []
    for obj in context_forms(response):
        members = [obj, *obj.forms] if isinstance(obj, BaseFormSet) else [obj]
        for form in members:
            if isinstance(form, BaseFormSet):
                errors += [f"{form.prefix}: {e}" for e in form.non_form_errors()]
            elif form.is_bound and form.errors:
                errors += [f"{form.add_prefix(k)}: {' '.join(v)}" for k, v in form.errors.items()]
    return "; ".join(errors)[:400]


@dataclass
class Result:
    statuses: list
    problem: tuple | None = None  # (cause, description)
    errors: str = ""


def submit(target, client, data, stats, marks, twice=False):
    """Send one submission (twice for a double click) in a savepoint rolled back afterwards."""

    def on(problem):
        values = ", ".join(f"{k}={short(v)}" for k, v in data.items() if k != "csrfmiddlewaretoken")
        return f"{problem} on {target.label} at {target.action}\n  values: {values}"

    result = Result([])
    with transaction.atomic():
        try:
            for _ in range(2 if twice else 1):
                client.cookies.pop("messages", None)
                send = client.post if target.method == "post" else client.get
                stats["n"] += 1
                try:
                    response = send(target.action, data)
                except Exception as exc:  # noqa: BLE001 - the test client re-raises what would be a 500
                    cause, text = describe_exception(exc)
                    result.problem = (cause, f"{on('500')}\n{text}")
                    return result
                result.statuses.append(response.status_code)
                stats["status"][response.status_code] += 1
                if response.status_code >= 500:
                    result.problem = (response.status_code, on(response.status_code))
                    return result
                if 300 <= response.status_code < 400:
                    location = response["Location"]
                    if not url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}):
                        result.problem = ("off-site", on(f"off-site redirect to {location!r}"))
                        return result
                result.errors = form_errors(response) if response.status_code == 200 else ""
            problems = limit_problems(changed_rows(marks))
            if problems:
                cause = re.sub(r" #\d+", "", problems[0].split("=")[0])  # model and field
                result.problem = (cause, on("saved outside the declared limits") + "\n  " + "\n  ".join(problems[:10]))
        finally:
            transaction.set_rollback(True)
    return result


def sweep(target):
    """Deterministic submissions: each field blank or missing, each field at its declared limits, each
    raw parameter with the probes, and a double click. One member per group (first formset row)."""
    base = target.primary
    yield {}, True
    for group in target.groups(raw=False):
        name = group[0]
        control = target.controls[name]
        _, form_field = target.fields.get(name, (None, None))
        if control.kind == "checkbox":
            yield {name: MISSING if base.get(name) else control.options[0]}, False
            continue
        if base.get(name, [""]) != [""]:
            yield {name: ""}, False
        if control.kind == "hidden":
            yield {name: MISSING}, False
        for value in boundary_values(target, name, form_field):
            yield {name: value}, False
    for _, name in target.raw:
        for value in RAW_PROBES:
            yield {name: value}, False


ABSURD_TOTAL_SENT = set()  # formset classes already sent an absurd TOTAL_FORMS (seconds per request)


def boundary_values(target, name, form_field):
    if MANAGEMENT.search(name):
        if "TOTAL" not in name:
            return ["-1", "9" * 25]
        if target.form_classes in ABSURD_TOTAL_SENT:
            return ["-1"]
        ABSURD_TOTAL_SENT.add(target.form_classes)
        return ["-1", "9" * 25]
    if isinstance(form_field, (InlineForeignKeyField, forms.ModelChoiceField)):
        values = pk_values(form_field, target)
        own = 1 if isinstance(form_field, InlineForeignKeyField) else len(form_field.queryset[:5])
        return values[own : own + 1] + ["9" * 25]  # another patient's or site's row; an overflowing pk
    if isinstance(form_field, forms.ChoiceField):
        return ["INVALID"]
    if isinstance(form_field, (forms.BooleanField, forms.NullBooleanField)):
        return []
    if isinstance(form_field, forms.DateField):
        return ["0001-01-01", "9999-12-31"]  # date arithmetic past them overflows
    if isinstance(form_field, forms.DateTimeField):
        return ["0001-01-01T00:00", "9999-12-31T23:59"]
    if isinstance(form_field, forms.IntegerField):
        values = [str(v) for v in limits(form_field)] + ["9" * 25]
        if isinstance(form_field, forms.DecimalField) and form_field.max_digits:
            places = form_field.decimal_places or 0
            values.append("9" * (form_field.max_digits - places) + ("." + "9" * places if places else ""))
        return values
    if isinstance(form_field, forms.CharField):
        return ["x" * form_field.max_length] if form_field.max_length else ["x" * 200_000]
    return ["x" * 200_000, "\x00"]


def fuzz_target(target, world, observed):
    client = world["clients"][target.role]
    stats = {"n": 0, "status": Counter(), "started": time.perf_counter(), "refused": ""}
    STATS.append(stats)
    marks = row_marks()
    failures = {}

    def record(result):
        if result.problem:
            failures.setdefault(*result.problem)  # one report per cause (exception and place …)
        return result

    # Which baseline does the server accept? The first that redirects (saved, or nothing changed).
    refusals = []
    for index, base in enumerate(target.baselines):
        result = record(submit(target, client, base, stats, marks))
        accepted = (200, 299) if target.method == "get" else (300, 399)  # a search answers; a save redirects
        if result.statuses and accepted[0] <= result.statuses[0] <= accepted[1]:
            target.primary = base
            target.baselines.insert(0, target.baselines.pop(index))
            break
        refusals.append("500 (below)" if result.problem else result.errors or f"status {result.statuses}")
    else:
        stats["refused"] = " | ".join(refusals)
    for changes, twice in sweep(target):
        record(submit(target, client, apply_changes(target.primary, changes), stats, marks, twice))
        if len(failures) >= 5:
            break
    if failures:
        stats["seconds"] = time.perf_counter() - stats["started"]
        return list(failures.values())  # hypothesis would only shrink to the same causes

    @settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=EXAMPLES,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],  # no "explain"
        print_blob=False,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(submissions(target, observed))
    def run(submission):
        problem = submit(target, client, submission.data, stats, marks, submission.twice).problem
        if problem:
            raise FuzzFailure(problem[1])

    try:
        run()
    except FuzzFailure as failure:
        return [str(failure) + "\n" + "\n".join(getattr(failure, "__notes__", []))]
    finally:
        stats["seconds"] = time.perf_counter() - stats["started"]
    return []


# --- Tests --------------------------------------------------------------------------------------


def fail(message):
    pytest.fail(message, pytrace=False)  # the message says it all; the test's source would only add noise


@pytest.mark.parametrize("view_name", sorted(PATTERNS))
@pytest.mark.req("DAT-6")
def test_form_view_survives_fuzzing(view_name, fuzz_world, discovery):
    targets = discovery["targets"].get(view_name, [])
    reached = sorted(discovery["reached"].get(view_name, set()))
    if discovery["problems"].get(view_name):
        fail("\n".join(discovery["problems"][view_name]))
    if view_name in NO_INPUT_VIEWS:
        if not reached:
            fail(f"{view_name} was never reached: give the fuzz world the records it needs")
        if targets:
            fail(f"{view_name} takes input now: remove it from NO_INPUT_VIEWS so that it is fuzzed")
        return
    if not targets:
        fail(
            f"{view_name}: no form found as {' or '.join(ROLES)} (reached: {reached or 'never'}). Give the fuzz "
            "world the records this view needs, or list it in NO_INPUT_VIEWS with the reason it takes no input."
        )
    failures = []
    for target in targets:
        failures += fuzz_target(target, fuzz_world, discovery["observed"])
        stats = STATS[-1]
        statuses = " ".join(f"{code}×{n}" for code, n in sorted(stats["status"].items()))
        refused = (
            f"\n       no baseline accepted (save path not reached): {stats['refused']}" if stats["refused"] else ""
        )
        print(f"\n[fuzz] {target.label:62} {stats['n']:4d} submissions {stats['seconds']:5.1f} s  {statuses}{refused}")
    if failures:
        fail(f"{len(failures)} problem(s):\n\n" + "\n\n".join(failures))


@pytest.mark.req("DAT-6")
def test_at_least_1000_submissions():
    total = sum(stats["n"] for stats in STATS)
    seconds = sum(stats["seconds"] for stats in STATS)
    print(f"\n[fuzz] {total} submissions to {len(STATS)} forms in {seconds:.1f} s")
    if total < MIN_SUBMISSIONS:
        fail(
            f"only {total} submissions (the security issue asks for {MIN_SUBMISSIONS}): a form that failed stops "
            "early; otherwise raise FUZZ_EXAMPLES"
        )
