"""The lesion table: one page for all lesions, labels issued, removal is a void with a reason."""

import pytest
from django.urls import reverse

from crf.forms import lesion_table_version
from crf.models import MetastaticLesion
from tests.factories import LesionFactory


def row(organ="lung", mm="15", **extra):
    return {
        "organ": organ,
        "organ_other": "",
        "location": "segment 6",
        "longest_diameter_mm": mm,
        "imaging_method": "ct",
        "imaging_date": "2025-02-20",
        "pathologically_confirmed": "True",
        "target_lesion": "True",
        **extra,
    }


def post_lesions(client, patient, rows, initial=0, reason="", version=None):
    data = {
        "lesions-TOTAL_FORMS": str(len(rows)),
        "lesions-INITIAL_FORMS": str(initial),
        "lesions-MIN_NUM_FORMS": "0",
        "lesions-MAX_NUM_FORMS": "8",
        "reason_for_change": reason,
        "loaded_version": str(lesion_table_version(patient) if version is None else version),
    }
    for i, values in enumerate(rows):
        for key, value in values.items():
            data[f"lesions-{i}-{key}"] = value
    return client.post(reverse("crf:patient_lesions", args=[patient.screening_number]), data)


@pytest.mark.req("PRO-RECIST-2")
def test_nurse_enters_three_lesions_and_they_get_labels(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row("lung"), row("liver"), row("bone", target_lesion="False")])
    assert response.status_code == 302
    assert list(MetastaticLesion.objects.order_by("id").values_list("label", "organ")) == [
        ("L1", "lung"),
        ("L2", "liver"),
        ("L3", "bone"),
    ]


@pytest.mark.req("DAT-1", "DAT-3")
def test_lesion_over_300_mm_and_future_imaging_are_form_errors(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row(mm="450", imaging_date="2099-01-01")])
    errors = response.context["formset"].forms[0].errors
    assert errors["longest_diameter_mm"] and errors["imaging_date"] == ["The imaging date cannot be in the future."]
    assert not MetastaticLesion.objects.exists()


@pytest.mark.req("PRO-RECIST-2")
def test_other_organ_must_be_named(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row(organ="other")])
    assert response.context["formset"].forms[0].errors["organ_other"] == ["Name the organ."]


@pytest.mark.req("PRO-RECIST-2")
def test_more_than_two_target_lesions_in_one_organ_is_refused(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row("lung"), row("lung"), row("lung")])
    assert "at most 2 target lesions per organ" in str(response.context["formset"].non_form_errors())


def row_errors(response, index=0):
    return response.context["formset"].forms[index].errors


@pytest.mark.req("PRO-RECIST-1")
def test_a_lymph_node_needs_its_short_axis(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row("non_regional_ln", mm="20", target_lesion="False")])
    assert row_errors(response)["short_axis_mm"] == ["A lymph node is measured by its short axis (RECIST 1.1)."]


@pytest.mark.req("PRO-RECIST-1")
def test_short_axis_is_for_nodes_and_soft_tissue_for_bone_only(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row("lung", short_axis_mm="10", bone_soft_tissue_mm="12")])
    errors = row_errors(response)
    assert errors["short_axis_mm"] == ["Only for lymph nodes: leave empty."]
    assert errors["bone_soft_tissue_mm"] == ["Only for bone lesions: leave empty."]


@pytest.mark.req("PRO-RECIST-1")
def test_node_of_12_mm_short_axis_is_a_non_target_and_15_mm_may_be_a_target(nurse_client, patient):
    # RECIST 1.1: nodes ≥ 15 mm short axis are measurable; 10–15 mm pathological, non-target only.
    small = row("non_regional_ln", mm="18", short_axis_mm="12")
    response = post_lesions(nurse_client, patient, [small])
    assert "a lymph node is a target only with a short axis ≥ 15 mm" in row_errors(response)["target_lesion"][0]
    big = row("non_regional_ln", mm="22", short_axis_mm="15")
    assert post_lesions(nurse_client, patient, [{**small, "target_lesion": "False"}, big]).status_code == 302
    assert list(MetastaticLesion.objects.order_by("label").values_list("short_axis_mm", "target_lesion")) == [
        (12, False),
        (15, True),
    ]


@pytest.mark.req("PRO-RECIST-1")
def test_node_under_10_mm_short_axis_is_normal_unless_pathologically_confirmed(nurse_client, patient):
    normal = row("non_regional_ln", mm="12", short_axis_mm="8", target_lesion="False", pathologically_confirmed="False")
    response = post_lesions(nurse_client, patient, [normal])
    assert "normal by RECIST 1.1" in row_errors(response)["short_axis_mm"][0]
    assert post_lesions(nurse_client, patient, [{**normal, "pathologically_confirmed": "True"}]).status_code == 302


@pytest.mark.req("PRO-RECIST-1")
def test_bone_lesion_without_soft_tissue_component_is_not_a_target(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row("bone", mm="30")])
    assert "soft-tissue component ≥ 10 mm" in row_errors(response)["target_lesion"][0]
    response = post_lesions(nurse_client, patient, [row("bone", mm="30", bone_soft_tissue_mm="14")])
    assert response.status_code == 302


@pytest.mark.req("PRO-RECIST-1")
def test_previously_irradiated_lesion_is_a_target_only_after_progressing(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row("lung", previously_irradiated="on")])
    assert "previously irradiated" in row_errors(response)["target_lesion"][0]
    response = post_lesions(
        nurse_client, patient, [row("lung", previously_irradiated="on", progressed_since_irradiation="on")]
    )
    assert response.status_code == 302


@pytest.mark.req("PRO-RECIST-2")
def test_all_lymph_nodes_are_one_organ_for_target_selection(nurse_client, patient):
    node = {"mm": "25", "short_axis_mm": "16"}
    rows = [row("regional_ln", **node), row("non_regional_ln", **node), row("non_regional_ln", **node)]
    response = post_lesions(nurse_client, patient, rows)
    assert "at most 2 target lesions per organ: 3 in lymph nodes" in str(response.context["formset"].non_form_errors())


@pytest.mark.req("PRO-RECIST-2")
def test_other_organs_count_per_organ_named(nurse_client, patient):
    spleen = [
        row("other", organ_other="Spleen"),
        row("other", organ_other="spleen "),
        row("other", organ_other="SPLEEN"),
    ]
    response = post_lesions(nurse_client, patient, spleen)
    assert "at most 2 target lesions per organ: 3 in other: spleen" in str(
        response.context["formset"].non_form_errors()
    )
    two_organs = [*spleen[:2], row("other", organ_other="Kidney")]
    assert post_lesions(nurse_client, patient, two_organs).status_code == 302


@pytest.mark.req("P11-AUD-1")
def test_changing_a_saved_lesion_needs_a_reason(nurse_client, patient):
    lesion = LesionFactory(patient=patient, label="L1")
    saved = {**row(mm="22"), "id": str(lesion.pk), "patient": str(patient.pk)}
    response = post_lesions(nurse_client, patient, [saved], initial=1)
    assert response.context["reason_form"].errors["reason_for_change"]
    post_lesions(nurse_client, patient, [saved], initial=1, reason="Remeasured on the same CT")
    lesion.refresh_from_db()
    assert lesion.longest_diameter_mm == 22
    assert lesion.history.latest().history_change_reason == "Remeasured on the same CT"


@pytest.mark.req("P11-AUD-2", "P11-AUD-4")
def test_removed_lesion_is_voided_and_its_label_not_reused(nurse_client, patient):
    first = LesionFactory(patient=patient, label="L1")
    second = LesionFactory(patient=patient, label="L2", organ="liver")
    rows = [
        {**row(), "id": str(first.pk), "patient": str(patient.pk)},
        {**row("liver"), "id": str(second.pk), "patient": str(patient.pk), "DELETE": "on"},
        row("bone", target_lesion="False"),
    ]
    response = post_lesions(nurse_client, patient, rows, initial=2, reason="L2 was a cyst on review")
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.voided and second.void_reason == "L2 was a cyst on review"
    assert MetastaticLesion.objects.get(organ="bone").label == "L3"
    detail = nurse_client.get(reverse("crf:patient_detail", args=[patient.screening_number]))
    assert [lesion.label for lesion in detail.context["lesions"]] == ["L1", "L3"]
    history = nurse_client.get(reverse("crf:patient_history", args=[patient.screening_number]))
    assert any(c.action == "Voided" and c.record.endswith("L2") for c in history.context["changes"])


@pytest.mark.req("DAT-13")
def test_patient_page_queries_do_not_grow_with_lesions(nurse_client, patient, django_assert_max_num_queries):
    url = reverse("crf:patient_detail", args=[patient.screening_number])
    LesionFactory(patient=patient, label="L1")
    with django_assert_max_num_queries(20) as few:
        nurse_client.get(url)
    for n in range(2, 8):
        LesionFactory(patient=patient, label=f"L{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        nurse_client.get(url)


@pytest.mark.req("DAT-13")
def test_history_page_queries_do_not_grow_with_edits(nurse_client, nurse, patient, django_assert_max_num_queries):
    from audit.services import save_with_reason

    url = reverse("crf:patient_history", args=[patient.screening_number])
    lesion = LesionFactory(patient=patient, label="L1")
    with django_assert_max_num_queries(40) as few:
        nurse_client.get(url)
    for mm in range(20, 30):
        lesion.longest_diameter_mm = mm
        save_with_reason(lesion, nurse, "remeasured")
        LesionFactory(patient=patient, label=f"L{mm}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = nurse_client.get(url)
    assert len([c for c in response.context["changes"] if c.reason == "remeasured"]) == 10


@pytest.mark.req("DAT-5")
def test_second_of_two_concurrent_lesion_edits_is_refused(nurse_client, investigator, client, patient):
    lesion = LesionFactory(patient=patient, label="L1")
    url = reverse("crf:patient_lesions", args=[patient.screening_number])
    version = nurse_client.get(url).context["reason_form"]["loaded_version"].value()
    client.force_login(investigator)
    saved = {**row(mm="22"), "id": str(lesion.pk), "patient": str(patient.pk)}
    first = post_lesions(client, patient, [saved], initial=1, reason="Remeasured", version=version)
    assert first.status_code == 302
    second = post_lesions(
        nurse_client, patient, [{**saved, "longest_diameter_mm": "25"}], initial=1, reason="x", version=version
    )
    assert second.status_code == 200
    assert "Someone else saved this lesion table" in second.content.decode()
    lesion.refresh_from_db()
    assert lesion.longest_diameter_mm == 22


@pytest.mark.req("DAT-6")
def test_target_row_with_a_blank_organ_is_a_form_error(nurse_client, patient):
    response = post_lesions(nurse_client, patient, [row(""), row("lung")])
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["organ"]
    assert not MetastaticLesion.objects.exists()


@pytest.mark.req("DAT-6")
def test_tampered_form_count_builds_no_more_than_the_table_allows(nurse_client, patient):
    url = reverse("crf:patient_lesions", args=[patient.screening_number])
    data = {"lesions-TOTAL_FORMS": str(10**25), "lesions-INITIAL_FORMS": "0", "reason_for_change": ""}
    data["loaded_version"] = str(lesion_table_version(patient))
    response = nurse_client.post(url, data)
    assert response.status_code == 200
    assert len(response.context["formset"].forms) <= 8


@pytest.mark.req("PRO-ELIG-7")
def test_changing_the_lesions_before_randomization_clears_the_eligibility_confirmation(
    nurse_client, patient, investigator
):
    from tests.factories import EligibilityFactory

    lesion = LesionFactory(patient=patient, label="L1")
    eligibility = EligibilityFactory(patient=patient, confirmed_by=investigator)
    saved = {**row(mm="18"), "id": str(lesion.pk), "patient": str(patient.pk)}
    post_lesions(nurse_client, patient, [saved, row("liver", target_lesion="False")], initial=1, reason="New CT")
    eligibility.refresh_from_db()
    assert eligibility.confirmed_by is None  # the investigator confirmed other lesion counts
    assert eligibility.history.first().history_change_reason.startswith("Lesions changed after the eligibility")
