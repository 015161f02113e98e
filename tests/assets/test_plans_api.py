"""/v1/plans: the ladder, then generate, adjust with warnings, approve with a reason, amend, export."""

import io

import pytest
from openpyxl import load_workbook

from tests.assets.conftest import QINGSHUI, ZHAITANG, generate

pytestmark = pytest.mark.db


class TestGeneratePlan:
    def test_anonymous_is_refused(self, assets):
        assert generate(assets, {}).status_code == 401

    def test_an_auditor_may_not_plan(self, assets, as_role):
        assert generate(assets, as_role("auditor", subject="auditor")).status_code == 403

    def test_a_missing_plan_is_not_found(self, assets, lead):
        assert assets.get("/v1/plans/999", headers=lead).json()["code"] == "plan_not_found"

    def test_a_bad_setting_names_the_field(self, assets, lead):
        response = generate(assets, lead, key_audits=-1)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "settings.key_audits"

    def test_too_few_auditors_is_a_problem_naming_the_constraint(self, assets, lead):
        response = generate(assets, lead)
        assert response.status_code == 422
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert (body["code"], body["constraint"]) == ("plan_infeasible", "team_lead")

    def test_more_audits_than_organizations_is_named_with_the_shortfall(self, assets, lead, staffed):
        body = generate(assets, lead, key_audits=100, inspections=100).json()
        assert (body["constraint"], body["shortfall"]) == ("organizations", 25)

    def test_the_plan_has_sixty_and_ninety_with_reasons_and_teams(self, assets, lead, staffed):
        response = generate(assets, lead)
        assert response.status_code == 201, response.text
        plan = response.json()
        assert (len(plan["key_audits"]), len(plan["inspections"])) == (60, 90)
        first = plan["key_audits"][0]
        assert first["risk_rank"] == 1 and " / " in first["reason"]
        assert sum(m["lead"] for m in first["team"]) == 1 and len(first["team"]) == 3
        assert all(not row["warnings"] for row in plan["key_audits"] + plan["inspections"])
        assert response.headers["ETag"] == '"1"'


def test_a_plan_retried_with_its_key_is_the_first_plan_again(assets, lead, staffed):
    """The key is only looked at before the solve and claimed in the write after it."""
    body, headers = {"year": 2026, "seed": 1, "settings": {}}, {**lead, "Idempotency-Key": "plan-2026"}
    first = assets.post("/v1/plans", json=body, headers=headers)
    again = assets.post("/v1/plans", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    reused = assets.post("/v1/plans", json={**body, "seed": 2}, headers=headers)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def find_row(plan: dict, town: str, kind: str = "inspection") -> dict:
    return next(r for r in plan[kind + "s"] if r["town_code"] == town)


@pytest.fixture
def plan(assets, lead, staffed):
    response = generate(assets, lead)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_swap_bringing_in_a_conflicted_auditor_is_flagged(assets, lead, staffed, plan):
    row = find_row(plan, ZHAITANG)
    tied = staffed["auditor"]["id"]  # declared a tie to 斋堂镇
    team = [m["auditor_id"] for m in row["team"] if m["lead"]] + [tied]
    response = assets.patch(f"/v1/plans/{plan['id']}/rows/{row['id']}", json={"team": team},
                            headers=lead | {"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert [w["rule"] for w in response.json()["warnings"]] == ["conflict_of_interest"]


def test_approving_with_a_conflict_needs_a_reason_which_is_recorded(assets, lead, staffed, plan):
    row = find_row(plan, ZHAITANG)
    team = [m["auditor_id"] for m in row["team"] if m["lead"]] + [staffed["auditor"]["id"]]
    assets.patch(f"/v1/plans/{plan['id']}/rows/{row['id']}", json={"team": team}, headers=lead | {"If-Match": '"1"'})
    refused = assets.post(f"/v1/plans/{plan['id']}/approve", json={}, headers=lead)
    assert refused.status_code == 409 and refused.json()["code"] == "unresolved_warnings"
    reason = "李强与该村无直接关系，经组长核实（测试）"
    approved = assets.post(f"/v1/plans/{plan['id']}/approve", json={"reason": reason}, headers=lead)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval_reason"] == reason and len(approved.json()["engagements"]) == 150
    trail = assets.get("/v1/audit", params={"entity": "plan"}, headers=lead).json()["items"]
    assert reason in trail[-1]["after"]


def test_a_swapped_organization_takes_its_own_risk_and_reason(assets, lead, plan):
    row = find_row(plan, QINGSHUI)
    chosen = {r["credit_code"] for r in plan["key_audits"] + plan["inspections"]}
    other = next(r for r in assets.get(f"/v1/plans/{plan['id']}", headers=lead).json()["inspections"])
    outside = next(c for c in _snapshot_codes(assets, plan) if c not in chosen)
    response = assets.patch(f"/v1/plans/{plan['id']}/rows/{row['id']}", json={"credit_code": outside},
                            headers=lead | {"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.json()["credit_code"] == outside and response.json()["reason"] != other["reason"]
    again = assets.patch(f"/v1/plans/{plan['id']}/rows/{row['id']}", json={"credit_code": outside},
                         headers=lead | {"If-Match": '"1"'})
    assert again.status_code == 412


def _snapshot_codes(assets, plan) -> list[str]:
    from sqlmodel import Session

    from services.assets.plan.models import Plan

    with Session(assets.app.state.engine) as session:
        return [e["credit_code"] for e in session.get(Plan, plan["id"]).snapshot]


def test_an_approved_plan_is_frozen_and_amended_only_with_a_reason(assets, lead, plan):
    assert assets.post(f"/v1/plans/{plan['id']}/approve", json={}, headers=lead).status_code == 200
    row = plan["inspections"][0]
    frozen = assets.patch(f"/v1/plans/{plan['id']}/rows/{row['id']}", json={"team": [1, 2]},
                          headers=lead | {"If-Match": '"2"'})
    assert frozen.json()["code"] == "plan_frozen"
    no_reason = assets.post(f"/v1/plans/{plan['id']}/amendments", json={"row_id": row["id"], "team": [1]},
                            headers=lead)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    team = [m["auditor_id"] for m in reversed(row["team"])]
    amended = assets.post(f"/v1/plans/{plan['id']}/amendments",
                          json={"row_id": row["id"], "team": team, "reason": "组员调换以平衡工作量"}, headers=lead)
    assert amended.status_code == 201, amended.text
    listed = assets.get(f"/v1/plans/{plan['id']}/amendments", headers=lead).json()["items"]
    assert listed[0]["reason"] == "组员调换以平衡工作量"


def test_regenerating_with_the_same_seed_gives_the_same_plan_and_another_seed_may_differ(assets, lead, plan):
    same = assets.patch(f"/v1/plans/{plan['id']}", json={"seed": 1}, headers=lead | {"If-Match": '"1"'}).json()
    shape = lambda p: [(r["credit_code"], [m["auditor_id"] for m in r["team"]], r["quarter"])  # noqa: E731
                       for r in p["key_audits"] + p["inspections"]]
    assert shape(same) == shape(plan)
    fewer = assets.patch(f"/v1/plans/{plan['id']}", json={"seed": 1, "settings": {"key_audits": 30}},
                         headers=lead | {"If-Match": '"2"'}).json()
    assert len(fewer["key_audits"]) == 30


def test_the_plan_exports_to_a_spreadsheet(assets, lead, plan):
    response = assets.get(f"/v1/plans/{plan['id']}/export.xlsx", headers=lead)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 151
    assert sheet.cell(2, 1).value == "重点审计" and sheet.cell(2, 3).value == plan["key_audits"][0]["credit_code"]
