"""Every conditional field of every form, in Chromium: shown exactly when its condition holds, and
never hidden while the server reports an error on it.

The forms are discovered (every clinical form class that declares `show_when`, reached through the
eCRF's own "add" URLs), so a new conditional form is walked without touching this test.
"""

import pytest
from django import forms as django_forms
from django.test import Client
from django.urls import get_resolver, reverse

from crf.forms import PatientRecordForm
from crf.views import RECORD_KINDS
from safety import ctcae
from safety.models import CtcaeTerm
from tests.factories import PASSWORD, AllocationFactory, CycleFactory, LesionFactory

from .conftest import log_in

pytestmark = pytest.mark.browser


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def add_urls(patient):
    """The eCRF pages that open a new clinical form for `patient` (crf and safety namespaces)."""
    urls = [reverse("crf:record_add", args=[patient.screening_number, slug]) for slug in RECORD_KINDS]
    resolver = get_resolver()
    for namespace in ("safety",):
        for pattern in resolver.namespace_dict[namespace][1].url_patterns:
            if pattern.name and pattern.name.endswith("_add"):
                urls.append(reverse(f"{namespace}:{pattern.name}", args=[patient.screening_number]))
    return urls


def conditional_forms(patient, nurse):
    """{form class: URL} for every form with show_when; fails for one no URL opens."""
    client = Client()
    client.force_login(nurse)
    found = {}
    for url in add_urls(patient):
        response = client.get(url)
        form = response.context and response.context.get("form")
        if form is not None and form.show_when:
            found[type(form)] = url
    declared = {cls for cls in subclasses(PatientRecordForm) if cls.show_when}
    assert declared <= set(found), f"conditional forms no eCRF page opens: {declared - set(found)}"
    return found


def values_of(field):
    if isinstance(field, django_forms.BooleanField) or isinstance(field, django_forms.NullBooleanField):
        return ["True", "False"]
    return [str(value) for value, _ in field.choices if value not in ("", None)]


def set_control(page, name, value):
    control = page.locator(f'[name="{name}"]')
    kind = control.first.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
    if kind == "select":
        control.first.select_option(value)
    elif kind == "checkbox" and control.count() == 1:
        control.first.set_checked(value == "True")
    else:
        page.locator(f'[name="{name}"][value="{value}"]').check()


def reveal(page, show_when, name):
    """Meet the condition of a controlling field that is itself conditional (death cause → other)."""
    if name in show_when:
        controlling, value = show_when[name].split("=")
        reveal(page, show_when, controlling)
        set_control(page, controlling, value)


def visible(page, name):
    return page.locator(f'[name="{name}"]').first.is_visible()


@pytest.mark.req("DAT-11")
def test_every_conditional_field_follows_its_condition(page, nurse, patient):
    ctcae.load(CtcaeTerm)
    lesion = LesionFactory(patient=patient, label="L1", organ="lung")
    AllocationFactory(patient=patient, randomized_on="2025-03-10", arm="combined")
    CycleFactory(patient=patient, day1_date="2025-03-12")
    forms = conditional_forms(patient, nurse)
    assert lesion.pk and len(forms) >= 4  # cycles, interventions, follow-up, adverse event

    log_in(page, "nurse.sh01", PASSWORD)
    checked = 0
    for form_class, url in forms.items():
        form = form_class(patient=patient)
        controls = {}
        for dependent, condition in form_class.show_when.items():
            controlling, value = condition.split("=")
            controls.setdefault(controlling, []).append((dependent, value))
        page.goto(url)
        for controlling, dependents in controls.items():
            reveal(page, form_class.show_when, controlling)
            for value in values_of(form.fields[controlling]):
                set_control(page, controlling, value)
                for dependent, shown_for in dependents:
                    assert visible(page, dependent) == (value == shown_for), (
                        f"{form_class.__name__}: {dependent} with {controlling}={value}"
                    )
                    checked += 1
        # With each condition that reveals fields met and those fields left empty, every message
        # the server sends back is where the nurse can see it.
        for controlling, dependents in controls.items():
            page.goto(url)
            reveal(page, form_class.show_when, controlling)
            set_control(page, controlling, dependents[0][1])
            with page.expect_navigation():
                page.get_by_role("button", name="Save", exact=True).click()
            messages = page.locator(".invalid-feedback, .errorlist, .alert-danger")
            assert messages.count() > 0, f"{form_class.__name__} ({controlling}): no message after an incomplete save"
            for index in range(messages.count()):
                assert messages.nth(index).is_visible(), (
                    f"{form_class.__name__} ({controlling}={dependents[0][1]}): hidden message "
                    f"{messages.nth(index).inner_text()!r}"
                )
    assert checked > 30
