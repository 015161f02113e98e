"""Blank names of auditors and ledger records are refused, naming the field."""

import pytest

from tests.assets.test_ledgers import contract_body, village_organizations

pytestmark = pytest.mark.db
BLANK = "不能为空或只含空白 / must not be empty or blank"


def test_a_blank_auditor_name_is_refused(assets, lead):
    body = {"username": "zhang", "name": "  ", "role": "auditor", "capacity_days": 200}
    response = assets.post("/v1/auditors", json=body, headers=lead)
    assert response.status_code == 422
    assert {"field": "name", "message": BLANK} in response.json()["errors"]


@pytest.mark.parametrize("field", ["number", "counterparty_name"])
def test_a_blank_contract_name_or_number_is_refused(assets, lead, district, field):
    organization = village_organizations(district, 1)[0]
    body = contract_body(organization["credit_code"], "HT-1") | {field: " "}
    response = assets.post("/v1/contracts", json=body, headers=lead)
    assert response.status_code == 422
    assert {"field": field, "message": BLANK} in response.json()["errors"]
