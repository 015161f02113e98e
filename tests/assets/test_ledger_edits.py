"""Editing ledger records over the API: PATCH with If-Match (412 stale, 428 missing), field-named errors,
town scope; creates with Idempotency-Key replay the first answer."""

import pytest

from services.assets.ledgers.contracts import credit_check_character
from tests.assets.test_ledgers import COMPANY, ID_NUMBER, add_contract, village_organizations

pytestmark = pytest.mark.db


def debt_body(credit_code: str, number: str = "D-1", **changes) -> dict:
    body = {"credit_code": credit_code, "number": number, "creditor_kind": "bank", "creditor_name": "京西农商银行",
            "origin": "construction", "principal": "500000.00", "interest": "0.00", "incurred_on": "2021-06-01",
            "due_on": "2026-06-01", "disposal": "repay", "responsible_person": "王建国"}
    return body | changes


def add_debt(client, headers, credit_code: str, number: str = "D-1", **extra_headers) -> dict:
    response = client.post("/v1/debts", json=debt_body(credit_code, number), headers=headers | extra_headers)
    assert response.status_code == 201, response.text
    return response.json()


def add_asset(client, headers, credit_code: str) -> dict:
    body = {"credit_code": credit_code, "code": "ZC-1", "name": "村委会办公楼", "kind": "building",
            "book_value": "800000.00", "status": "in_use"}
    response = client.post("/v1/inventory/assets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def patch(client, headers, path: str, body: dict, version: int | None = 1):
    extra = {"If-Match": f'"{version}"'} if version is not None else {}
    return client.patch(path, json=body, headers=headers | extra)


@pytest.fixture
def org(district):
    return village_organizations(district, 1)[0]


class TestEditDebt:
    def test_anonymous_and_readers_are_refused(self, assets, lead, as_role, org):
        debt = add_debt(assets, lead, org["credit_code"])
        assert patch(assets, {}, f"/v1/debts/{debt['id']}", {"interest": "1.00"}).status_code == 401
        assert patch(assets, as_role("viewer"), f"/v1/debts/{debt['id']}", {"interest": "1.00"}).status_code == 403

    def test_another_towns_officer_does_not_find_it(self, assets, lead, as_role, org):
        debt = add_debt(assets, lead, org["credit_code"])
        officer = as_role("town_officer", subject="officer", towns=("110109999000",))
        assert patch(assets, officer, f"/v1/debts/{debt['id']}", {"interest": "1.00"}).status_code == 404

    def test_without_if_match_428_and_with_an_old_etag_412(self, assets, lead, org):
        debt = add_debt(assets, lead, org["credit_code"])
        missing = patch(assets, lead, f"/v1/debts/{debt['id']}", {"interest": "1.00"}, version=None)
        assert missing.status_code == 428
        assert patch(assets, lead, f"/v1/debts/{debt['id']}", {"interest": "1.00"}).status_code == 200
        stale = patch(assets, lead, f"/v1/debts/{debt['id']}", {"interest": "2.00"}, version=1)
        assert stale.status_code == 412 and stale.json()["current_etag"] == '"2"'
        assert assets.get(f"/v1/debts/{debt['id']}", headers=lead).json()["interest"] == "1.00"

    def test_bad_input_names_the_field_and_keeps_what_was_saved(self, assets, lead, org):
        debt = add_debt(assets, lead, org["credit_code"])
        for body, field in (({"due_on": "2020-01-01"}, "due_on"), ({"principal": "-1"}, "principal"),
                            ({"creditor_name": None}, "creditor_name"), ({"number": "D-9"}, "number"), ({}, "body")):
            response = patch(assets, lead, f"/v1/debts/{debt['id']}", body)
            assert response.status_code == 422, body
            assert response.json()["errors"][0]["field"].split(".")[-1] == field
        shown = assets.get(f"/v1/debts/{debt['id']}", headers=lead)
        assert shown.headers["ETag"] == '"1"' and shown.json()["due_on"] == "2026-06-01"

    def test_an_approval_clears_the_new_debt_flag_and_a_null_clears_an_optional_field(self, assets, lead, org):
        response = assets.post("/v1/debts", json=debt_body(org["credit_code"], incurred_on="2025-03-01", due_on="2030-06-01"),
                               headers=lead)
        debt = response.json()
        assert [f["code"] for f in debt["flags"]] == ["new_debt_unapproved"]
        changed = patch(assets, lead, f"/v1/debts/{debt['id']}", {"approval_reference": "门政发〔2025〕7号",
                                                                  "approved_on": "2025-02-20", "due_on": None})
        assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
        assert (changed.json()["flags"], changed.json()["due_on"], changed.json()["version"]) == ([], None, 2)

    def test_a_repeated_idempotency_key_makes_one_debt(self, assets, lead, org):
        first = add_debt(assets, lead, org["credit_code"], **{"Idempotency-Key": "debt-1"})
        again = assets.post("/v1/debts", json=debt_body(org["credit_code"]), headers=lead | {"Idempotency-Key": "debt-1"})
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first
        assert len(assets.get("/v1/debts", headers=lead).json()["items"]) == 1


class TestEditContract:
    def test_switching_to_an_enterprise_checks_its_credit_code_and_drops_the_id_number(self, assets, lead, org):
        contract = add_contract(assets, lead, org["credit_code"], "C-1")
        wrong = COMPANY[:17] + next(c for c in "0123456789" if c != COMPANY[17])
        refused = patch(assets, lead, f"/v1/contracts/{contract['id']}",
                        {"counterparty_kind": "enterprise", "counterparty_credit_code": wrong})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "counterparty_credit_code"
        changed = patch(assets, lead, f"/v1/contracts/{contract['id']}",
                        {"counterparty_kind": "enterprise", "counterparty_name": "京西农业发展有限公司",
                         "counterparty_credit_code": COMPANY})
        assert changed.status_code == 200, changed.text
        shown = changed.json()
        assert (shown["counterparty_credit_code"], shown["counterparty_id_number"]) == (COMPANY, None)
        assert credit_check_character(COMPANY[:17]) == COMPANY[17]

    def test_a_term_ending_before_it_starts_is_refused_naming_term_end(self, assets, lead, org):
        contract = add_contract(assets, lead, org["credit_code"], "C-1")
        response = patch(assets, lead, f"/v1/contracts/{contract['id']}", {"term_end": "2024-01-01"})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "term_end"

    def test_a_longer_term_raises_its_flag_and_the_id_number_stays_masked_for_officers(self, assets, lead, as_role,
                                                                                      org):
        contract = add_contract(assets, lead, org["credit_code"], "C-1")
        officer = as_role("town_officer", subject="officer", towns=(org["town_code"],))
        read = assets.get(f"/v1/contracts/{contract['id']}", headers=officer)
        response = patch(assets, officer, f"/v1/contracts/{contract['id']}", {"term_end": "2064-03-31"},
                         version=int(read.headers["ETag"].strip('"')))
        assert response.status_code == 200, response.text
        assert "term_too_long" in [f["code"] for f in response.json()["flags"]]
        assert ID_NUMBER not in response.text
        assert assets.get(f"/v1/contracts/{contract['id']}", headers=lead).json()["counterparty_id_number"] == ID_NUMBER

    def test_an_unknown_procedure_step_is_refused_naming_procedure(self, assets, lead, org):
        contract = add_contract(assets, lead, org["credit_code"], "C-1")
        response = patch(assets, lead, f"/v1/contracts/{contract['id']}",
                         {"procedure": {"signing_ceremony": {"on": "2024-01-01"}}})
        assert response.status_code == 422 and "procedure" in response.json()["errors"][0]["field"]


class TestEditAsset:
    def test_an_asset_is_read_with_its_etag_and_changed_with_it(self, assets, lead, org):
        asset = add_asset(assets, lead, org["credit_code"])
        read = assets.get(f"/v1/inventory/assets/{asset['id']}", headers=lead)
        assert read.headers["ETag"] == '"1"'
        changed = patch(assets, lead, f"/v1/inventory/assets/{asset['id']}", {"status": "idle", "location": "村东"})
        assert changed.status_code == 200 and (changed.json()["status"], changed.json()["version"]) == ("idle", 2)
        assert patch(assets, lead, f"/v1/inventory/assets/{asset['id']}", {"status": "leased"}).status_code == 412
        bad = patch(assets, lead, f"/v1/inventory/assets/{asset['id']}", {"status": "sold"}, version=2)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("status")
