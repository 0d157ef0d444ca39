import pytest
from django.urls import reverse

from esotrial import protocol


@pytest.mark.req("PRO-PARAM-1")
def test_every_parameter_is_marked_protocol_or_default():
    assert {p.source for p in protocol.PARAMETERS.values()} <= {"protocol", "default"}


@pytest.mark.req("PRO-PARAM-1")
def test_protocol_page_shows_values_and_defaults(nurse_client):
    body = nurse_client.get(reverse("protocol")).content.decode()
    assert "Max lesions total" in body and "Cycle window late days" in body
    assert "Camrelizumab 200 mg" in body
    table = body.split('data-testid="protocol-table"')[1]
    assert table.count(">default<") == sum(p.is_default for p in protocol.PARAMETERS.values())
