"""Dates under 简体中文: every date and date-time field of every eCRF and admin form accepts ISO 8601 (what
the browser's date pickers send) and the ways a Chinese user types a date; admin text widgets show ISO.

Django 5.2's zh_Hans input formats list "%Y年%n月%j日", which Python cannot parse; esotrial/formats
replaces them."""

import copy
import importlib
from datetime import date, datetime

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import UserFactory

APPS = ["accounts", "audit", "crf", "safety", "randomization", "visits", "exports"]
TYPED_DATES = ["2026-09-05", "2026/09/05", "2026/9/5", "2026年9月5日", "2026年09月05日"]
TYPED_DATETIMES = [
    "2026-09-05T08:15",
    "2026-09-05 08:15",
    "2026-09-05 08:15:00",
    "2026/09/05 08:15",
    "2026年9月5日 08:15",
]


def project_forms():
    """Every form class defined in the trial apps' forms modules."""
    found = []
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found.append(value)
    return found


def admin_forms():
    user = UserFactory(username="dates.admin", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = user
    return [
        model_admin.get_form(request)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS and hasattr(model_admin, "get_form")
    ]


def date_fields(form_classes):
    for form_class in form_classes:
        for name, field in form_class.base_fields.items():
            if isinstance(field, (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)):
                yield f"{form_class.__module__}.{form_class.__name__}.{name}", field


def check(field):
    if isinstance(field, forms.SplitDateTimeField):
        return [field.clean(["2026年9月5日", "08:15"]), field.clean(["2026-09-05", "08:15"])]
    if isinstance(field, forms.DateTimeField):
        return [field.clean(text) for text in TYPED_DATETIMES]
    return [field.clean(text) for text in TYPED_DATES]


@pytest.mark.req("I18N-6")
def test_every_date_field_of_every_form_takes_iso_and_chinese_dates_under_zh_hans(db):
    fields = list(date_fields(project_forms())) + list(date_fields(admin_forms()))
    assert len(fields) >= 20, "the walk found too few date fields: is it still discovering the forms?"
    refused = []
    with translation.override("zh-hans"):
        for where, field in fields:
            field = copy.deepcopy(field)  # base_fields are the form classes' own: never change them
            field.required = True
            try:
                values = check(field)
            except forms.ValidationError as error:
                refused.append(f"{where}: {error.messages}")
                continue
            for value in values:
                day = timezone.localtime(value).date() if isinstance(value, datetime) else value
                if day != date(2026, 9, 5):
                    refused.append(f"{where}: read as {value}")
    assert refused == []


@pytest.mark.req("I18N-6")
def test_the_admin_date_widget_shows_iso_in_chinese():
    with translation.override("zh-hans"):
        assert AdminDateWidget().format_value(date(2026, 9, 5)) == "2026-09-05"


@pytest.mark.req("I18N-6")
def test_a_date_typed_the_chinese_way_is_saved_from_a_form(nurse_client, site):
    from crf.models import Patient

    nurse_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = nurse_client.post(
        reverse("crf:patient_register"),
        {"site": site.pk, "initials": "WXY", "sex": "F", "year_of_birth": "1960", "consent_date": "2025年3月1日"},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Patient.objects.get().consent_date == date(2025, 3, 1)
