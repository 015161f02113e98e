"""Who sees what: ties are for leads, an auditor sees only their own record and engagements,
a town officer only the engagements in their towns."""

import pytest

from tests.assets.conftest import ZHAITANG, declare_tie, generate, make_auditor

pytestmark = pytest.mark.db


class TestTies:
    def test_anonymous_is_refused(self, assets):
        assert assets.get("/v1/auditors/1/ties").status_code == 401

    def test_an_auditor_may_not_read_ties_not_even_their_own(self, assets, lead, as_role):
        me = make_auditor(assets, lead, "auditor")
        declare_tie(assets, lead, me["id"], unit_code=ZHAITANG)
        assert assets.get(f"/v1/auditors/{me['id']}/ties", headers=as_role("auditor", "auditor")).status_code == 403

    def test_a_missing_auditor_is_not_found(self, assets, lead):
        assert assets.get("/v1/auditors/999/ties", headers=lead).json()["code"] == "auditor_not_found"

    def test_a_tie_must_name_a_place_and_a_good_code(self, assets, lead):
        me = make_auditor(assets, lead, "auditor")
        body = {"kind": "town", "reason": "x", "declared_on": "2026-01-05"}
        assert assets.post(f"/v1/auditors/{me['id']}/ties", json=body, headers=lead).status_code == 422
        bad = assets.post(f"/v1/auditors/{me['id']}/ties", json=body | {"unit_code": "1101"}, headers=lead)
        assert bad.json()["errors"][0]["field"] == "unit_code"

    def test_a_lead_declares_and_reads_ties(self, assets, lead):
        me = make_auditor(assets, lead, "auditor")
        declare_tie(assets, lead, me["id"], unit_code=ZHAITANG)
        items = assets.get(f"/v1/auditors/{me['id']}/ties", headers=lead).json()["items"]
        assert [(t["kind"], t["unit_code"]) for t in items] == [("town", ZHAITANG)]


class TestAuditors:
    def test_a_viewer_may_not_list_auditors(self, assets, as_role):
        assert assets.get("/v1/auditors", headers=as_role("viewer")).status_code == 403

    def test_an_auditor_sees_only_their_own_record(self, assets, lead, as_role):
        me = make_auditor(assets, lead, "auditor")
        other = make_auditor(assets, lead, "someone")
        headers = as_role("auditor", "auditor")
        assert [a["username"] for a in assets.get("/v1/auditors", headers=headers).json()["items"]] == ["auditor"]
        assert assets.get(f"/v1/auditors/{other['id']}", headers=headers).status_code == 404
        assert assets.get(f"/v1/auditors/{me['id']}", headers=headers).status_code == 200

    def test_a_bad_capacity_names_the_field(self, assets, lead):
        body = {"username": "x", "name": "x", "role": "auditor", "capacity_days": 0}
        response = assets.post("/v1/auditors", json=body, headers=lead)
        assert response.json()["errors"][0]["field"] == "capacity_days"

    @pytest.mark.parametrize("active", [0, 1, "true"])
    def test_active_must_be_a_json_boolean(self, assets, lead, active):
        body = {"username": "x", "name": "x", "role": "auditor", "capacity_days": 10, "active": active}
        response = assets.post("/v1/auditors", json=body, headers=lead)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "active"

    def test_editing_needs_the_current_version(self, assets, lead):
        me = make_auditor(assets, lead, "auditor")
        path = f"/v1/auditors/{me['id']}"
        assert assets.patch(path, json={"capacity_days": 150}, headers=lead).status_code == 428
        assert assets.patch(path, json={"capacity_days": 150}, headers=lead | {"If-Match": '"9"'}).status_code == 412
        changed = assets.patch(path, json={"capacity_days": 150}, headers=lead | {"If-Match": '"1"'})
        assert changed.json()["capacity_days"] == 150


def test_an_auditor_cannot_read_plans_and_so_not_other_auditors_loads(assets, as_role, lead, staffed):
    plan = generate(assets, lead).json()
    assert [load["days"] for load in plan["summary"]["loads"]]
    assert assets.get(f"/v1/plans/{plan['id']}", headers=as_role("auditor", "auditor")).status_code == 403


@pytest.fixture
def approved(assets, lead, staffed):
    plan = generate(assets, lead).json()
    assert assets.post(f"/v1/plans/{plan['id']}/approve", json={}, headers=lead).status_code == 200
    return plan


class TestEngagements:
    def test_anonymous_is_refused(self, assets):
        assert assets.get("/v1/engagements").status_code == 401

    def test_an_integration_client_may_not_list_them(self, assets, as_role):
        assert assets.get("/v1/engagements", headers=as_role("integration")).status_code == 403

    def test_a_bad_kind_names_the_field(self, assets, lead):
        response = assets.get("/v1/engagements", params={"kind": "party"}, headers=lead)
        assert response.json()["errors"][0]["field"] == "kind"

    def test_a_town_officer_sees_only_their_towns(self, assets, as_role, approved):
        items = assets.get("/v1/engagements", params={"limit": 500},
                           headers=as_role("town_officer", "town", towns=(ZHAITANG,))).json()["items"]
        assert items and {e["town_code"] for e in items} == {ZHAITANG}

    def test_an_auditor_sees_only_engagements_they_are_on(self, assets, as_role, approved, lead):
        items = assets.get("/v1/engagements", params={"limit": 500},
                           headers=as_role("auditor", "demo-auditor-5")).json()["items"]
        assert items and all(any(m["username"] == "demo-auditor-5" for m in e["team"]) for e in items)
        everyone = assets.get("/v1/engagements", params={"limit": 500}, headers=lead).json()["items"]
        assert len(everyone) == 150 > len(items)
