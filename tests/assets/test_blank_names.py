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


def test_a_ledger_row_for_an_organization_the_registry_holds_without_a_name_is_refused_for_it_alone(
        assets, lead, district, registry):
    unnamed, named = village_organizations(district, 2)
    engine = registry.app.state.engine  # the registry is shared by the session: the name is put back
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE organization SET name = '' WHERE credit_code = '{unnamed['credit_code']}'")
    try:
        refused = assets.post("/v1/contracts", json=contract_body(unnamed["credit_code"], "HT-1"), headers=lead)
        accepted = assets.post("/v1/contracts", json=contract_body(named["credit_code"], "HT-2"), headers=lead)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE organization SET name = '{unnamed['name']}' "
                                       f"WHERE credit_code = '{unnamed['credit_code']}'")
    assert refused.status_code == 422 and refused.json()["code"] == "organization_unnamed", refused.text
    assert refused.json()["errors"][0]["field"] == "credit_code"
    assert accepted.status_code == 201, accepted.text
