"""Answers saved item by item: two team members on one checklist both keep theirs; the same item
changed by both is a conflict showing the other's answer; a resend of a saved answer is no conflict."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.assets.fieldwork import answer, approve_plan, step, team_headers

pytestmark = pytest.mark.db


@pytest.fixture
def started(assets, lead, as_role, staffed):
    target = next(e for e in approve_plan(assets, lead) if e["kind"] == "inspection")
    member, team_lead = team_headers(as_role, target)
    assert step(assets, target["id"], "start", member).status_code == 200
    return target["id"], member, team_lead


def items_of(assets, eid, headers) -> list[dict]:
    checklist = assets.get(f"/v1/engagements/{eid}/checklist", headers=headers).json()
    return [i for s in checklist["sections"] for i in s["items"] if i["type"] in ("text", "money", "number",
                                                                                     "yes_no", "date")]


def test_two_members_saving_concurrently_keep_every_answer(assets, started):
    eid, member, team_lead = started
    items = items_of(assets, eid, member)
    values = {"yes_no": "yes", "money": "10.50", "number": "7", "text": "正常", "date": "2026-04-01"}
    work = [(i["code"], values[i["type"]], member if n % 2 else team_lead) for n, i in enumerate(items)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda w: answer(assets, eid, w[0], w[2], w[1]), work))
    assert [r.status_code for r in results] == [200] * len(work)
    stored = {i["code"]: i["answer"] for i in items_of(assets, eid, member)}
    assert {code: stored[code]["value"] for code, _, _ in work} == {code: value for code, value, _ in work}
    assert {stored[code]["version"] for code, _, _ in work} == {1}


def test_the_same_item_changed_by_both_is_a_conflict_with_the_other_answer(assets, started):
    eid, member, team_lead = started
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda h: answer(assets, eid, "cash.on_hand", h[0], h[1]),
                                 [(member, "100.00"), (team_lead, "200.00")])
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert loser.json()["code"] == "answer_conflict"
    assert loser.json()["current"]["value"] == winner.json()["value"]
    assert loser.json()["current_etag"] == '"1"'


def test_a_stale_edit_is_refused_and_a_current_one_goes_through(assets, started):
    eid, member, team_lead = started
    assert answer(assets, eid, "cash.count", member, "yes").headers["ETag"] == '"1"'
    assert answer(assets, eid, "cash.count", team_lead, "no", "少 20 元", version=1).headers["ETag"] == '"2"'
    stale = answer(assets, eid, "cash.count", member, "na", version=1)
    assert stale.status_code == 412 and stale.json()["current"] == stale.json()["current"] | {
        "value": "no", "note": "少 20 元", "version": 2}


def test_resending_an_answer_already_saved_is_no_conflict(assets, started):
    eid, member, _ = started
    assert answer(assets, eid, "cash.on_hand", member, "55.00").status_code == 200
    again = answer(assets, eid, "cash.on_hand", member, "55.00")  # the reply was lost; the browser sends again
    assert again.status_code == 200 and again.json()["version"] == 1


def test_each_saved_answer_is_audited(assets, started, as_role):
    eid, member, _ = started
    answer(assets, eid, "bank.accounts", member, "2")
    records = assets.get("/v1/audit", params={"entity": "answer"}, headers=as_role("admin")).json()["items"]
    assert [(r["entity_id"], r["action"]) for r in records] == [(f"{eid}/bank.accounts", "answer")]
