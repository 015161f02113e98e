"""The ledgers through the API: inventory and its yearly round, contracts with masked ID numbers and flags."""

from datetime import date, timedelta

import pytest

from services.assets.ledgers.contract_flags import STEPS
from services.assets.ledgers.contracts import credit_check_character, id_check_character

pytestmark = pytest.mark.db
ID_NUMBER = "11010119900101123" + id_check_character("11010119900101123")
COMPANY = "91110109MA01ABCD2" + credit_check_character("91110109MA01ABCD2")


def village_organizations(district, count: int = 2, town: str | None = None) -> list[dict]:
    found = [o for o in sorted(district.organizations, key=lambda o: o["credit_code"])
             if o["level"] == "village" and o["status"] == "active" and (town is None or o["town_code"] == town)]
    return found[:count]


def procedure(signed: date) -> dict:
    steps = {step: {"on": (signed - timedelta(days=60 - 7 * i)).isoformat(), "document": f"文号-{i}"}
             for i, step in enumerate(STEPS[:6])}
    return steps | {"result_public": {"on": (signed + timedelta(days=5)).isoformat(), "document": "公示-1"}}


def contract_body(credit_code: str, number: str, **changes) -> dict:
    signed = date(2024, 3, 1)
    body = {"credit_code": credit_code, "number": number, "counterparty_kind": "person",
            "counterparty_name": "张建国", "counterparty_id_number": ID_NUMBER, "kind": "arable",
            "use": "种植", "area_mu": "10.00", "signed_on": signed.isoformat(), "term_start": "2024-04-01",
            "term_end": "2034-03-31", "annual_rent": "10000.00", "payment_cycle_months": 12,
            "procedure": procedure(signed)}
    return body | changes


def add_contract(client, headers, credit_code: str, number: str, **changes) -> dict:
    response = client.post("/v1/contracts", json=contract_body(credit_code, number, **changes), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def pay(client, headers, contract_id: int, amount: str, on: str = "2026-01-05") -> None:
    response = client.post(f"/v1/contracts/{contract_id}/payments", json={"paid_on": on, "amount": amount},
                           headers=headers)
    assert response.status_code == 201, response.text


class TestContracts:
    def test_anonymous_is_refused(self, assets):
        assert assets.get("/v1/contracts").status_code == 401

    def test_integration_role_may_not_read_the_ledger(self, assets, as_role):
        assert assets.get("/v1/contracts", headers=as_role("integration")).status_code == 403

    def test_a_wrong_check_character_is_refused_naming_the_field(self, assets, lead, district):
        org = village_organizations(district, 1)[0]
        bad = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")
        response = assets.post("/v1/contracts", json=contract_body(org["credit_code"], "C-1",
                                                                     counterparty_id_number=bad), headers=lead)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "counterparty_id_number"
        company = contract_body(org["credit_code"], "C-2", counterparty_kind="enterprise",
                                counterparty_name="某公司", counterparty_credit_code=COMPANY[:17] + "0")
        if COMPANY[17] != "0":
            response = assets.post("/v1/contracts", json=company, headers=lead)
            assert response.json()["errors"][0]["field"] == "counterparty_credit_code"

    def test_id_numbers_are_whole_for_leads_and_masked_for_everyone_else(self, assets, lead, as_role, district):
        org = village_organizations(district, 1)[0]
        made = add_contract(assets, lead, org["credit_code"], "C-1")
        assert made["counterparty_id_number"] == ID_NUMBER
        for role in ("auditor", "viewer", "assessment_officer"):
            shown = assets.get(f"/v1/contracts/{made['id']}", headers=as_role(role)).json()
            assert shown["counterparty_id_number"] == "110101********" + ID_NUMBER[-4:]
            assert ID_NUMBER not in assets.get("/v1/contracts", headers=as_role(role)).text

    def test_a_town_officer_keeps_only_their_towns_contracts(self, assets, lead, as_role, district):
        org = village_organizations(district, 1)[0]
        other_town = "110109999000"
        officer = as_role("town_officer", towns=(other_town,))
        response = assets.post("/v1/contracts", json=contract_body(org["credit_code"], "C-9"), headers=officer)
        assert response.status_code == 403
        made = add_contract(assets, lead, org["credit_code"], "C-9")
        assert assets.get(f"/v1/contracts/{made['id']}", headers=officer).status_code == 404
        mine = as_role("town_officer", towns=(org["town_code"],))
        assert assets.get(f"/v1/contracts/{made['id']}", headers=mine).status_code == 200

    def test_the_ledger_filters_by_flag_and_payments_clear_arrears(self, assets, lead, district):
        org = village_organizations(district, 1)[0]
        paid = add_contract(assets, lead, org["credit_code"], "C-1")
        owing = add_contract(assets, lead, org["credit_code"], "C-2")
        sloppy = add_contract(assets, lead, org["credit_code"], "C-3", procedure={})
        for contract in (paid, sloppy):
            pay(assets, lead, contract["id"], "30000.00")
        arrears = assets.get("/v1/contracts", params={"flag": "arrears", "as_of": "2026-06-15"}, headers=lead).json()
        assert [c["number"] for c in arrears["items"]] == ["C-2"]
        assert arrears["items"][0]["flags"][0]["code"] == "arrears"
        procedure_flagged = assets.get("/v1/contracts", params={"flag": "procedure", "as_of": "2026-06-15"},
                                       headers=lead).json()
        assert [c["number"] for c in procedure_flagged["items"]] == ["C-3"]
        pay(assets, lead, owing["id"], "30000.00")
        after = assets.get("/v1/contracts", params={"flag": "arrears", "as_of": "2026-06-15"}, headers=lead).json()
        assert after["items"] == []
        assert assets.get("/v1/contracts", params={"flag": "nonsense"}, headers=lead).status_code == 422


class TestInventory:
    def test_assets_resources_a_round_and_idle_by_town(self, assets, lead, district):
        org = village_organizations(district, 1)[0]
        asset = assets.post("/v1/inventory/assets", json={
            "credit_code": org["credit_code"], "code": "A-1", "name": "村委会办公楼", "kind": "building",
            "book_value": "1200000.00", "acquired_on": "2010-05-01", "location": "村中心", "status": "idle"},
            headers=lead)
        assert asset.status_code == 201, asset.text
        resource = assets.post("/v1/inventory/resources", json={
            "credit_code": org["credit_code"], "code": "R-1", "name": "东沟林地", "kind": "forest", "area_mu": "350.50",
            "status": "idle"}, headers=lead)
        assert resource.status_code == 201, resource.text
        idle = assets.get("/v1/inventory-idle", headers=lead).json()["items"]
        assert idle == [{"town_code": org["town_code"], "assets": 1, "book_value": "1200000.00", "resources": 1,
                         "area_mu": "350.50"}]
        started = assets.post("/v1/inventory-rounds", json={"year": 2026, "credit_code": org["credit_code"]},
                              headers=lead).json()
        assert started["unchecked"] == 2
        refused = assets.post(f"/v1/inventory-rounds/{started['id']}/close", headers=lead)
        assert refused.status_code == 409 and refused.json()["code"] == "round_incomplete"
        for item_type, item, outcome in (("asset", asset.json(), "confirmed"), ("resource", resource.json(),
                                                                                 "changed")):
            marked = assets.put(f"/v1/inventory-rounds/{started['id']}/checks", json={
                "item_type": item_type, "item_id": item["id"], "outcome": outcome, "note": "面积复测"}, headers=lead)
            assert marked.status_code == 200, marked.text
        closed = assets.post(f"/v1/inventory-rounds/{started['id']}/close", headers=lead).json()
        assert closed["status"] == "closed" and closed["outcomes"]["confirmed"] == 1
        assert closed["checks"][0]["checked_by"] == "user:lead"
