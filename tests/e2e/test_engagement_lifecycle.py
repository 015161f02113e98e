"""An engagement's whole life through the gateway on the four real processes: the audit lead plans and
approves the year, the team starts, fills and submits the checklist, its lead returns it with comments
and accepts it, every finding is rectified and verified, the engagement closes; each step refused to
the wrong role; two team members saving one checklist at once both keep their answers."""

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, select

from gateway.auth import accounts
from gateway.demo import DEMO_USERS
from gateway.models import User
from services.common.database import make_engine
from tests.assets.fieldwork import answer, fill, step
from tests.e2e.helpers import form_token, sign_in

pytestmark = pytest.mark.db

PASSWORD = "field-work-2026"


def assets_api(platform, username: str, role: str = "auditor") -> httpx.Client:
    """A person of the role signs in at the gateway (made on first use); their client for /api/assets
    sends the CSRF token as the pages' scripts do."""
    make_user(platform, username, role)
    signed_in, response = sign_in(platform.gateway, username, PASSWORD)
    assert response.status_code == 303, response.text
    token = form_token(signed_in, "/")
    signed_in.close()
    return httpx.Client(base_url=platform.gateway + "/api/assets", cookies=signed_in.cookies, timeout=30,
                        headers={"X-CSRF-Token": token})


def make_user(platform, username: str, role: str) -> None:
    """What `zhenxing create-user` does, without starting a process for it."""
    engine = make_engine(platform.database_urls["gateway"], pool_size=1)
    with Session(engine) as session, session.begin():
        if session.exec(select(User).where(User.username == username)).first() is None:
            accounts.create_user(session, username=username, password=PASSWORD, role=role,
                                 display_name=f"{role} {username}", actor="test")
    engine.dispose()


@pytest.fixture(scope="module")
def lead(platform):
    with assets_api(platform, "fw-lead", "audit_lead") as client:
        yield client


@pytest.fixture(scope="module")
def approved(platform, lead) -> list[dict]:
    """A plan for a year nobody planned yet, generated and approved by the audit lead: its engagements."""
    year = max(plan["year"] for plan in lead.get("/v1/plans").json()["items"]) + 1
    with assets_api(platform, "fw-outsider") as auditor:
        assert auditor.post("/v1/plans", json={"year": year, "seed": 7}).status_code == 403
    plan = lead.post("/v1/plans", json={"year": year, "seed": 7})
    assert plan.status_code == 201, plan.text
    with assets_api(platform, "fw-outsider") as auditor:
        assert auditor.post(f"/v1/plans/{plan.json()['id']}/approve", json={}).status_code == 403
    made = lead.post(f"/v1/plans/{plan.json()['id']}/approve", json={})
    assert made.status_code == 200, made.text
    return made.json()["engagements"]


def inspections_of_auditors(approved: list[dict]) -> list[dict]:
    """Inspections whose whole team are auditors without a demo account of another role."""
    demo_accounts = {username for username, *_ in DEMO_USERS}
    return [e for e in approved if e["kind"] == "inspection" and len(e["team"]) >= 2
            and not {m["username"] for m in e["team"]} & demo_accounts]


def team_of(platform, engagement: dict) -> tuple[httpx.Client, httpx.Client]:
    """(a member who is not the team's lead, the team's lead), signed in through the gateway."""
    member = next(m["username"] for m in engagement["team"] if not m["lead"])
    team_lead = next(m["username"] for m in engagement["team"] if m["lead"])
    return assets_api(platform, member), assets_api(platform, team_lead)


def test_an_engagement_goes_from_the_approved_plan_to_closed_each_step_by_its_role(platform, lead, approved):
    engagement = inspections_of_auditors(approved)[0]
    eid = engagement["id"]
    member, team_lead = team_of(platform, engagement)
    viewer = assets_api(platform, "fw-viewer", "viewer")
    assessor = assets_api(platform, "fw-assessor", "assessment_officer")
    with assets_api(platform, "fw-outsider") as outsider:
        assert outsider.get(f"/v1/engagements/{eid}").status_code == 404  # not on the team: not even seen
    assert step(viewer, eid, "start", {}).status_code == 403

    started = step(member, eid, "start", {})
    assert started.status_code == 200 and started.json()["status"] == "in_progress", started.text
    assert answer(viewer, eid, "cash.count", {}, "yes").status_code == 403
    fill(member, eid, {}, no=frozenset({"cash.count", "democracy.villagers_resolution"}))
    assert step(team_lead, eid, "accept", {}).json()["code"] == "wrong_status"  # nothing submitted yet

    submitted = step(member, eid, "submit", {})
    assert submitted.status_code == 200, submitted.text
    assert {f["item_code"] for f in submitted.json()["drafted_findings"]} == {
        "cash.count", "democracy.villagers_resolution"}
    assert answer(member, eid, "cash.on_hand", {}, "1.00", version=1).status_code == 409  # frozen
    assert step(member, eid, "return", {}, {"comment": "自己退回"}).status_code == 403
    returned = step(team_lead, eid, "return", {}, {"comment": "请补充现金盘点表 / add the cash count sheet"})
    assert returned.json()["status"] == "returned", returned.text
    assert answer(member, eid, "cash.on_hand", {}, "888.00", version=1).status_code == 200
    assert step(member, eid, "submit", {}).json()["drafted_findings"] == []
    assert step(member, eid, "accept", {}).status_code == 403
    assert step(assessor, eid, "accept", {}).status_code == 403
    assert step(team_lead, eid, "accept", {}).json()["status"] == "accepted"

    findings = member.get(f"/v1/engagements/{eid}/findings").json()["items"]
    assert step(team_lead, eid, "close", {}).json()["code"] == "rectification_open"
    for finding in findings:
        rectify(finding, member, team_lead, viewer)
    assert step(assessor, eid, "close", {}).status_code == 403
    closed = step(lead, eid, "close", {})
    assert closed.json()["status"] == "closed", closed.text

    trail(platform, eid, member_name=engagement_member(engagement), team_lead_name=engagement_lead(engagement))
    for client in (member, team_lead, viewer, assessor):
        client.close()


def rectify(finding: dict, member: httpx.Client, team_lead: httpx.Client, viewer: httpx.Client) -> None:
    """The member records and submits the village's rectification; only the team's lead verifies it."""
    path = f"/v1/findings/{finding['id']}/rectification"
    version = finding["rectification"]["version"]
    plan = {"owner": "村会计 张某", "deadline": "2099-06-30", "actions": "补录凭证，重新盘点"}
    assert viewer.patch(path, json=plan, headers={"If-Match": f'"{version}"'}).status_code == 403
    changed = member.patch(path, json=plan, headers={"If-Match": f'"{version}"'})
    assert changed.status_code == 200, changed.text
    submitted = member.post(f"{path}/submit", headers={"If-Match": f'"{version + 1}"'})
    assert submitted.json()["rectification"]["status"] == "submitted", submitted.text
    verify = {"outcome": "verified"}
    assert member.post(f"{path}/verify", json=verify, headers={"If-Match": f'"{version + 2}"'}).status_code == 403
    verified = team_lead.post(f"{path}/verify", json=verify, headers={"If-Match": f'"{version + 2}"'})
    assert verified.json()["rectification"]["status"] == "verified", verified.text


def engagement_member(engagement: dict) -> str:
    return next(m["username"] for m in engagement["team"] if not m["lead"])


def engagement_lead(engagement: dict) -> str:
    return next(m["username"] for m in engagement["team"] if m["lead"])


def trail(platform, eid: int, *, member_name: str, team_lead_name: str) -> None:
    """Each step is in the assets service's audit trail under the person who took it, and every chain holds."""
    with assets_api(platform, "fw-admin", "admin") as admin:
        records = admin.get("/v1/audit", params={"entity": "engagement", "limit": 500}).json()["items"]
        steps = [(r["action"], r["actor"]) for r in records if r["entity_id"] == str(eid)]
        assert steps == [("in_progress", f"user:{member_name}"), ("submitted", f"user:{member_name}"),
                         ("returned", f"user:{team_lead_name}"), ("submitted", f"user:{member_name}"),
                         ("accepted", f"user:{team_lead_name}"), ("closed", "user:fw-lead")]
        assert admin.get("/v1/audit/verify").json()["ok"] is True
    verified = platform.cli("verify-audit", check=False)
    assert verified.returncode == 0, verified.stdout


def test_two_members_saving_one_checklist_at_once_keep_every_answer_and_see_a_true_conflict(platform, approved):
    engagement = inspections_of_auditors(approved)[1]
    eid = engagement["id"]
    member, team_lead = team_of(platform, engagement)
    assert step(member, eid, "start", {}).status_code == 200
    checklist = member.get(f"/v1/engagements/{eid}/checklist").json()
    values = {"yes_no": "yes", "money": "10.50", "number": "7", "text": "正常", "date": "2026-04-01"}
    items = [i for s in checklist["sections"] for i in s["items"]
             if i["type"] in values and i["code"] != "cash.on_hand"]
    work = [(i["code"], values[i["type"]], member if n % 2 else team_lead) for n, i in enumerate(items)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda w: answer(w[2], eid, w[0], {}, w[1]), work))
    assert [r.status_code for r in results] == [200] * len(work)

    both = threading.Barrier(2)

    def save(client: httpx.Client, value: str) -> httpx.Response:
        both.wait()
        return answer(client, eid, "cash.on_hand", {}, value)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(save, (member, team_lead), ("100.00", "200.00"))
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert loser.json()["code"] == "answer_conflict"
    assert loser.json()["current"]["value"] == winner.json()["value"] and loser.json()["current_etag"] == '"1"'

    stored = {i["code"]: i["answer"] for s in team_lead.get(f"/v1/engagements/{eid}/checklist").json()["sections"]
              for i in s["items"]}
    assert {code: stored[code]["value"] for code, _, _ in work} == {code: value for code, value, _ in work}
    assert {stored[code]["version"] for code, _, _ in work} == {1}
    assert stored["cash.on_hand"]["value"] == winner.json()["value"]
    member.close()
    team_lead.close()
