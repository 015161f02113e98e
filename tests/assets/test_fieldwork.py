"""An engagement from an approved plan to closed, through the API: start, fill, submit, return with
comments, submit again, accept, rectify each finding, verify, close; and who may do which step."""

import pytest
from sqlmodel import Session

from services.assets.plan import visit_history
from tests.assets.fieldwork import answer, approve_plan, fill, step, team_headers

pytestmark = pytest.mark.db


@pytest.fixture
def planned(assets, lead, staffed):
    return approve_plan(assets, lead)


def inspection(planned: list[dict]) -> dict:
    return next(e for e in planned if e["kind"] == "inspection")


class TestLadder:
    def test_anonymous_is_refused(self, assets, planned):
        assert assets.get(f"/v1/engagements/{planned[0]['id']}/checklist").status_code == 401

    def test_an_integration_client_may_not_read_engagements(self, assets, as_role, planned):
        assert assets.get(f"/v1/engagements/{planned[0]['id']}", headers=as_role("integration")).status_code == 403

    def test_an_auditor_of_another_team_finds_nothing(self, assets, as_role, planned):
        target = inspection(planned)
        members = {m["username"] for m in target["team"]}
        other = next(m["username"] for e in planned for m in e["team"] if m["username"] not in members)
        headers = as_role("auditor", other)
        assert assets.get(f"/v1/engagements/{target['id']}", headers=headers).status_code == 404
        assert assets.get(f"/v1/engagements/{target['id']}/checklist", headers=headers).status_code == 404
        assert answer(assets, target["id"], "cash.count", headers, "yes").status_code == 404

    def test_a_viewer_reads_but_may_not_start(self, assets, as_role, planned):
        target = inspection(planned)
        viewer = as_role("viewer")
        assert assets.get(f"/v1/engagements/{target['id']}", headers=viewer).status_code == 200
        assert step(assets, target["id"], "start", viewer).json()["code"] == "not_team_member"

    def test_a_step_needs_the_current_version(self, assets, as_role, planned):
        target = inspection(planned)
        member, _ = team_headers(as_role, target)
        path = f"/v1/engagements/{target['id']}/start"
        assert assets.post(path, headers=member).status_code == 428
        assert assets.post(path, headers=member | {"If-Match": '"7"'}).status_code == 412

    def test_answers_wait_for_the_start_and_are_checked_by_type(self, assets, as_role, planned):
        target = inspection(planned)
        member, _ = team_headers(as_role, target)
        assert answer(assets, target["id"], "cash.count", member, "yes").json()["code"] == "checklist_not_started"
        assert step(assets, target["id"], "start", member).status_code == 200
        bad = answer(assets, target["id"], "cash.on_hand", member, "12.345")
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "value"
        assert answer(assets, target["id"], "cash.count", member, "maybe").status_code == 422
        assert answer(assets, target["id"], "nope", member, "yes").json()["code"] == "item_not_found"
        no_version = assets.put(f"/v1/engagements/{target['id']}/answers/cash.count", json={"value": "yes"},
                                headers=member)
        assert no_version.status_code == 428


def test_an_incomplete_checklist_cannot_be_submitted_and_names_the_item(assets, as_role, planned):
    target = inspection(planned)
    member, _ = team_headers(as_role, target)
    step(assets, target["id"], "start", member)
    assert answer(assets, target["id"], "cash.count", member, "no").status_code == 200
    refused = step(assets, target["id"], "submit", member)
    assert refused.status_code == 422 and refused.json()["code"] == "checklist_incomplete"
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {"cash.count", "cash.on_hand", "democracy.party_proposal"} <= fields  # "no" without a note; unanswered
    assert "disposals.market" not in fields  # shown only when disposals.any is "yes"


def test_the_whole_lifecycle_from_approved_plan_to_closed(assets, as_role, lead, planned):
    target = inspection(planned)
    eid = target["id"]
    member, team_lead = team_headers(as_role, target)
    started = step(assets, eid, "start", member)
    assert started.json()["status"] == "in_progress" and started.json()["fieldwork"]["template_id"]
    fill(assets, eid, member, no=frozenset({"cash.count", "democracy.villagers_resolution"}))

    submitted = step(assets, eid, "submit", member)
    assert submitted.status_code == 200, submitted.text
    drafted = {f["item_code"]: f for f in submitted.json()["drafted_findings"]}
    assert drafted["cash.count"]["severity"] == "major"
    assert drafted["democracy.villagers_resolution"]["severity"] == "serious"
    assert "四议一审两公开" in drafted["democracy.villagers_resolution"]["basis"]
    frozen = answer(assets, eid, "cash.on_hand", member, "1.00", version=1)
    assert frozen.status_code == 409 and frozen.json()["code"] == "checklist_frozen"

    assert step(assets, eid, "accept", member).json()["code"] == "not_reviewer"
    returned = step(assets, eid, "return", team_lead, {"comment": "请补充现金盘点表 / add the cash count sheet"})
    assert returned.json()["status"] == "returned"
    assert returned.json()["fieldwork"]["review_comment"].startswith("请补充")
    assert answer(assets, eid, "cash.on_hand", member, "888.00", version=1).status_code == 200
    again = step(assets, eid, "submit", member)
    assert again.json()["drafted_findings"] == []  # the "no" answers drafted their findings once

    manual = assets.post(f"/v1/engagements/{eid}/findings", headers=team_lead | {"Idempotency-Key": "f-1"}, json={
        "severity": "general", "category": "vouchers", "title": "白条入账 3 张", "basis": "会计基础工作规范",
        "amount": "1200.50", "responsible_unit": "村股份经济合作社", "responsible_person": "会计 张某"})
    assert manual.status_code == 201, manual.text
    assert manual.json()["amount"] == "1200.50" and manual.json()["source"] == "manual"
    assert step(assets, eid, "accept", lead).json()["status"] == "accepted"

    assert step(assets, eid, "close", lead).json()["code"] == "rectification_open"
    items = assets.get(f"/v1/engagements/{eid}/findings", headers=member).json()["items"]
    assert len(items) == 3
    for index, finding in enumerate(items):
        rectify(assets, finding, member, team_lead, accept_as_is=index == 2)
    closed = step(assets, eid, "close", team_lead)
    assert closed.json()["status"] == "closed", closed.text

    measures = assets.get("/v1/measures", params={"year": 2026}, headers=as_role("assessment_officer")).json()
    mine = next(m for m in measures["items"] if m["credit_code"] == target["credit_code"])
    assert mine["findings"] == {"general": 1, "major": 1, "serious": 1, "total": 3}
    assert mine["rectification_rate"] == 1.0 and mine["overdue"] == 0 and mine["amount"] == "1200.50"
    history = assets.get("/v1/audit", params={"entity": "engagement", "limit": 500}, headers=as_role("admin"))
    actions = [r["action"] for r in history.json()["items"] if r["entity_id"] == str(eid)]
    assert actions == ["in_progress", "submitted", "returned", "submitted", "accepted", "closed"]
    assert assets.get("/v1/audit/verify", headers=as_role("admin")).json()["ok"] is True


def rectify(client, finding: dict, member: dict, team_lead: dict, *, accept_as_is: bool) -> None:
    path = f"/v1/findings/{finding['id']}/rectification"
    version = finding["rectification"]["version"]
    if accept_as_is:
        done = client.post(f"{path}/verify", json={"outcome": "accepted", "comment": "已作历史遗留问题处理"},
                           headers=team_lead | {"If-Match": f'"{version}"'})
        assert done.json()["rectification"]["status"] == "accepted", done.text
        return
    assert client.post(f"{path}/submit", headers=member | {"If-Match": f'"{version}"'}).status_code == 422
    changed = client.patch(path, json={"owner": "村会计 张某", "deadline": "2099-06-30", "actions": "补录凭证，重新盘点"},
                           headers=member | {"If-Match": f'"{version}"'})
    assert changed.status_code == 200, changed.text
    submitted = client.post(f"{path}/submit", headers=member | {"If-Match": f'"{version + 1}"'})
    assert submitted.json()["rectification"]["status"] == "submitted"
    refused = client.post(f"{path}/verify", json={"outcome": "verified"}, headers=member | {"If-Match": f'"{version + 2}"'})
    assert refused.status_code == 403
    verified = client.post(f"{path}/verify", json={"outcome": "verified"},
                           headers=team_lead | {"If-Match": f'"{version + 2}"'})
    assert verified.json()["rectification"]["status"] == "verified", verified.text


def test_a_rectification_past_its_deadline_is_listed_as_overdue(assets, as_role, lead, planned):
    target = inspection(planned)
    eid = target["id"]
    member, team_lead = team_headers(as_role, target)
    step(assets, eid, "start", member)
    fill(assets, eid, member, no=frozenset({"bank.single_account"}))
    step(assets, eid, "submit", member)
    step(assets, eid, "accept", team_lead)
    finding = assets.get(f"/v1/engagements/{eid}/findings", headers=member).json()["items"][0]
    assert finding["severity"] == "serious"
    assets.patch(f"/v1/findings/{finding['id']}/rectification", json={"owner": "出纳", "deadline": "2026-01-31",
                                                                       "actions": "销户"},
                 headers=member | {"If-Match": '"1"'})
    overdue = assets.get("/v1/findings", params={"status": "overdue", "year": 2026}, headers=lead).json()["items"]
    assert [f["id"] for f in overdue] == [finding["id"]]
    assert overdue[0]["rectification"]["status"] == "overdue"
    assert overdue[0]["engagement"]["organization_name"] == target["organization_name"]
    measure = next(m for m in assets.get("/v1/measures", params={"year": 2026}, headers=lead).json()["items"]
                   if m["credit_code"] == target["credit_code"])
    assert measure["overdue"] == 1 and measure["rectification_rate"] == 0.0
    others = assets.get("/v1/findings", headers=as_role("auditor", "nobody")).json()["items"]
    assert others == []


def test_serious_findings_and_overdue_rectifications_raise_next_years_risk(assets, as_role, lead, planned):
    target = inspection(planned)
    eid = target["id"]
    member, team_lead = team_headers(as_role, target)
    step(assets, eid, "start", member)
    fill(assets, eid, member, no=frozenset({"bank.single_account"}))
    step(assets, eid, "submit", member)
    step(assets, eid, "accept", team_lead)
    finding = assets.get(f"/v1/engagements/{eid}/findings", headers=member).json()["items"][0]
    assets.patch(f"/v1/findings/{finding['id']}/rectification", json={"owner": "出纳", "deadline": "2026-06-30",
                                                                       "actions": "销户"},
                 headers=member | {"If-Match": '"1"'})
    with Session(assets.app.state.engine) as session:
        past = visit_history.past_visits(session, 2027)[target["credit_code"]]
        assert past["serious_findings"] == 1 and past["overdue_rectifications"] == 1
        assert "overdue_rectifications" not in visit_history.past_visits(session, 2026).get(target["credit_code"], {})
