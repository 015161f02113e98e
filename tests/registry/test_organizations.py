"""Organizations over HTTP: the ladder, credit-code checks, hidden fields, If-Match, Idempotency-Key."""

import pytest

from services.registry.codes import make_credit_code
from tests.registry.conftest import OTHER_TOWN, TOWN, make_organization

pytestmark = pytest.mark.db


def body(**extra) -> dict:
    return {"credit_code": make_credit_code("N2", "110109", 7), "name": "爨底下村股份经济合作社", "level": "village",
            "unit_code": "110109104201", "legal_representative": "韩永", "representative_phone": "13900001111",
            "registered_on": "2019-05-20", **extra}


class TestCreateOrganization:
    def test_anonymous_is_401(self, district):
        assert district.post("/v1/organizations", json=body()).status_code == 401

    def test_viewer_is_403(self, district, as_role):
        assert district.post("/v1/organizations", json=body(), headers=as_role("viewer")).status_code == 403

    def test_officer_of_another_town_is_403(self, district, as_role):
        other = as_role("town_officer", towns=(OTHER_TOWN,))
        assert district.post("/v1/organizations", json=body(), headers=other).status_code == 403

    def test_wrong_check_character_is_refused_with_expected_one(self, district, officer):
        good = body()["credit_code"]
        wrong = good[:17] + ("A" if good[17] != "A" else "B")
        response = district.post("/v1/organizations", json=body(credit_code=wrong), headers=officer)
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "credit_code"
        assert f"校验位应为 {good[17]}" in error["message"] and f"should be {good[17]}" in error["message"]

    def test_real_format_code_with_wrong_check_is_refused(self, district, officer):
        response = district.post("/v1/organizations", json=body(credit_code="91350100M000100Y44"), headers=officer)
        assert response.status_code == 422 and "should be 3" in response.json()["errors"][0]["message"]

    @pytest.mark.parametrize("prefix,level", [("N1", "group"), ("N2", "village"), ("N3", "town")])
    def test_collective_prefixes_are_accepted(self, district, officer, prefix, level):
        code = make_credit_code(prefix, "110109", 99)
        response = district.post("/v1/organizations", json=body(credit_code=code, level=level), headers=officer)
        assert response.status_code == 201 and response.json()["credit_code"] == code

    def test_unknown_unit_is_422(self, district, admin):
        response = district.post("/v1/organizations", json=body(unit_code="110109104299"), headers=admin)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "unit_code"

    def test_duplicate_code_is_409(self, district, officer):
        district.post("/v1/organizations", json=body(), headers=officer)
        assert district.post("/v1/organizations", json=body(), headers=officer).status_code == 409

    def test_idempotency_key_creates_once(self, district, officer):
        headers = {**officer, "Idempotency-Key": "org-7"}
        first = district.post("/v1/organizations", json=body(), headers=headers)
        second = district.post("/v1/organizations", json=body(), headers=headers)
        assert first.status_code == second.status_code == 201 and second.headers["idempotent-replayed"] == "true"
        assert district.get("/v1/organizations", headers=officer).json()["total"] == 1
        reused = district.post("/v1/organizations", json=body(name="别的"), headers=headers)
        assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


class TestHiddenFields:
    def test_phone_is_shown_to_admin_and_own_officer_only(self, district, admin, officer, as_role):
        org = make_organization(district, admin, "110109104201", 11)
        path = f"/v1/organizations/{org['credit_code']}"
        assert district.get(path, headers=admin).json()["representative_phone"] == "13800000000"
        assert district.get(path, headers=officer).json()["representative_phone"] == "13800000000"
        for headers in (as_role("viewer"), as_role("auditor"), as_role("town_officer", towns=(OTHER_TOWN,))):
            shown = district.get(path, headers=headers).json()
            assert "representative_phone" not in shown and shown["legal_representative"] == "王建国"

    def test_list_hides_the_phone_of_other_towns(self, district, admin, as_role):
        make_organization(district, admin, "110109104201", 12)
        make_organization(district, admin, "110109105201", 13)
        other = as_role("town_officer", towns=(OTHER_TOWN,))
        items = district.get("/v1/organizations", headers=other).json()["items"]
        phones = {i["unit_code"]: "representative_phone" in i for i in items}
        assert phones == {"110109104201": False, "110109105201": True}


class TestEditOrganization:
    def test_officer_of_another_town_cannot_edit(self, district, admin, as_role):
        org = make_organization(district, admin, "110109104201", 21)
        other = as_role("town_officer", towns=(OTHER_TOWN,))
        response = district.patch(f"/v1/organizations/{org['credit_code']}", json={"status": "suspended"},
                                  headers={**other, "If-Match": '"1"'})
        assert response.status_code == 403

    def test_unknown_code_is_404(self, district, admin):
        assert district.get(f"/v1/organizations/{make_credit_code('N2', '110109', 5)}", headers=admin).status_code == 404

    def test_bad_status_is_422(self, district, admin, officer):
        org = make_organization(district, admin, "110109104201", 22)
        response = district.patch(f"/v1/organizations/{org['credit_code']}", json={"status": "gone"},
                                  headers={**officer, "If-Match": '"1"'})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status"

    def test_if_match_is_required_and_checked(self, district, admin, officer):
        org = make_organization(district, admin, "110109104201", 23)
        path = f"/v1/organizations/{org['credit_code']}"
        etag = district.get(path, headers=officer).headers["etag"]
        assert district.patch(path, json={"legal_representative": "李"}, headers=officer).status_code == 428
        ok = district.patch(path, json={"legal_representative": "李"}, headers={**officer, "If-Match": etag})
        assert ok.status_code == 200 and ok.json()["version"] == 2
        assert district.patch(path, json={"legal_representative": "赵"},
                              headers={**officer, "If-Match": etag}).status_code == 412
        assert district.get(path, headers=officer).json()["legal_representative"] == "李"

    def test_filters_by_town(self, district, admin):
        make_organization(district, admin, "110109104201", 31)
        make_organization(district, admin, "110109105201", 32)
        listed = district.get("/v1/organizations", params={"town": TOWN}, headers=admin).json()
        assert listed["total"] == 1 and listed["items"][0]["unit_code"] == "110109104201"
