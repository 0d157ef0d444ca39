"""One visibility rule: a user sees their own sites' patients, and another site's patient does not exist."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from crf.models import Patient
from crf.views import RECORD_KINDS
from tests.factories import PatientFactory, UserFactory


def patient_url_patterns(resolver=None, namespace=""):
    """Every named URL that takes a screening number, so a new patient page is covered by default."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from patient_url_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and "screening_number" in entry.pattern.converters:
            yield f"{namespace}{entry.name}", set(entry.pattern.converters)


def patient_urls():
    """(url name, extra kwargs): one per record kind where the URL takes a kind."""
    for name, params in sorted(patient_url_patterns()):
        kinds = RECORD_KINDS if "kind" in params else [None]
        for kind in kinds:
            extra = {"kind": kind} if kind else {}
            if "pk" in params:
                extra["pk"] = 1
            yield pytest.param(name, extra, id=f"{name}-{kind}" if kind else name)


PATIENT_URLS = list(patient_urls())


def test_every_patient_page_is_checked():
    names = {param.values[0] for param in PATIENT_URLS}
    assert {"crf:patient_detail", "crf:patient_edit", "crf:patient_history", "crf:record_add"} <= names


@pytest.mark.parametrize("url_name, extra", PATIENT_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_nurse_cannot_open_other_site_patient(nurse_client, other_site_patient, url_name, extra, method):
    url = reverse(url_name, kwargs={"screening_number": other_site_patient.screening_number, **extra})
    response = getattr(nurse_client, method)(url, {"reason": "x", "reason_for_change": "x", "initials": "AB"})
    assert response.status_code == 404
    other_site_patient.refresh_from_db()
    assert not other_site_patient.voided
    assert other_site_patient.initials == "ZWL"


@pytest.mark.parametrize("url_name, extra", PATIENT_URLS)
def test_monitor_cannot_open_other_site_patient(client, monitor, other_site_patient, url_name, extra):
    client.force_login(monitor)
    url = reverse(url_name, kwargs={"screening_number": other_site_patient.screening_number, **extra})
    assert client.get(url).status_code == 404


def test_patient_list_shows_only_own_site(nurse_client, patient, other_site_patient):
    response = nurse_client.get(reverse("crf:patient_list"))
    assert patient.screening_number in response.content.decode()
    assert other_site_patient.screening_number not in response.content.decode()


def test_member_of_two_sites_sees_both(client, site, other_site, patient, other_site_patient):
    user = UserFactory(role="Research nurse", sites=[site, other_site])
    assert set(Patient.objects.visible_to(user)) == {patient, other_site_patient}


def test_user_without_site_sees_nothing(db, patient):
    user = UserFactory(role="Research nurse")
    assert not Patient.objects.visible_to(user).exists()


def test_superuser_sees_every_site(db, patient, other_site_patient):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert set(Patient.objects.visible_to(admin)) == {patient, other_site_patient}


def test_inactive_user_sees_nothing(nurse, patient):
    nurse.is_active = False
    assert not Patient.objects.visible_to(nurse).exists()


def test_search_cannot_reach_other_site(nurse_client, other_site_patient):
    response = nurse_client.get(reverse("crf:patient_list"), {"q": other_site_patient.screening_number})
    assert list(response.context["page"]) == []
    assert "No patient matches these filters" in response.content.decode()


def test_register_form_offers_only_own_sites(nurse_client, site, other_site):
    response = nurse_client.get(reverse("crf:patient_register"))
    choices = list(response.context["form"].fields["site"].queryset)
    assert choices == [site]


def test_nurse_cannot_register_patient_at_other_site(nurse_client, other_site):
    response = nurse_client.post(
        reverse("crf:patient_register"),
        {
            "site": other_site.pk,
            "initials": "AB",
            "sex": "F",
            "year_of_birth": 1958,
            "consent_date": "2025-01-10",
        },
    )
    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    assert not Patient.objects.filter(site=other_site).exists()


def test_admin_changelist_is_scoped(client, data_manager, patient, other_site_patient):
    client.force_login(data_manager)
    response = client.get(reverse("admin:crf_patient_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert patient.screening_number in body
    assert other_site_patient.screening_number not in body


def test_admin_change_page_of_other_site_patient_is_not_found(client, data_manager, other_site_patient):
    client.force_login(data_manager)
    response = client.get(reverse("admin:crf_patient_change", args=[other_site_patient.pk]), follow=True)
    # The admin redirects a missing object to its index with a message rather than a bare 404.
    assert other_site_patient.screening_number not in response.content.decode()
    assert "doesn’t exist" in response.content.decode()


@pytest.mark.parametrize("page", ["history", "history_form"])
def test_admin_history_of_other_site_patient_is_not_found(client, data_manager, other_site_patient, page):
    client.force_login(data_manager)
    if page == "history":
        url = reverse("admin:crf_patient_history", args=[other_site_patient.pk])
    else:
        version = other_site_patient.history.get()
        url = reverse("admin:crf_patient_simple_history", args=[other_site_patient.pk, version.history_id])
    response = client.get(url)
    assert response.status_code == 404
    assert other_site_patient.screening_number not in response.content.decode()


def test_patient_list_queries_do_not_grow_with_patients(nurse_client, site, django_assert_max_num_queries):
    PatientFactory.create_batch(3, site=site)
    with django_assert_max_num_queries(20) as few:
        nurse_client.get(reverse("crf:patient_list"))
    PatientFactory.create_batch(20, site=site)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = nurse_client.get(reverse("crf:patient_list"))
    assert response.context["page"].paginator.count == 23


def test_admin_lists_of_patient_records_are_scoped(client, data_manager, patient, other_site_patient):
    from tests.factories import EligibilityFactory, LesionFactory

    for owner in (patient, other_site_patient):
        LesionFactory(patient=owner, label="L1")
        EligibilityFactory(patient=owner)
    client.force_login(data_manager)
    for model in ("crf_metastaticlesion", "crf_eligibility", "randomization_allocation"):
        if model.startswith("randomization"):
            from tests.factories import AllocationFactory

            for owner in (patient, other_site_patient):
                AllocationFactory(patient=owner)
        response = client.get(reverse(f"admin:{model}_changelist"))
        assert response.status_code == 200
        rows = list(response.context["cl"].result_list)
        assert [row.patient for row in rows] == [patient]
