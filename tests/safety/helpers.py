from django.urls import reverse


def ae_data(**overrides):
    return {
        "term": "Pneumonitis",
        "verbatim": "",
        "onset_date": "2025-04-20",
        "ongoing": "on",
        "resolution_date": "",
        "grade": "2",
        "relationship_to_anti_pd1": "possible",
        "relationship_to_chemotherapy": "unlikely",
        "immune_related": "on",
        "action_anti_pd1": "delayed",
        "action_chemotherapy": "none",
        "treatment_given": "corticosteroids",
        "outcome": "recovering",
        **overrides,
    }


def post_ae(client, patient, pk=None, **overrides):
    if pk:
        url = reverse("safety:ae_edit", args=[patient.screening_number, pk])
    else:
        url = reverse("safety:ae_add", args=[patient.screening_number])
    data = {k: v for k, v in ae_data(**overrides).items() if v is not None}
    if data.get("serious") == "on":  # what ICH E2A asks of every serious AE, unless the test says
        data.setdefault("site_aware_at", f"{data['onset_date']}T18:00")
        data.setdefault("expectedness", "expected")
    return client.post(url, data)
