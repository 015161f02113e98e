"""A review campaign from its start to no open items, with each outcome, and its progress by town."""

import pytest

from tests.assets.test_ledgers import ID_NUMBER, add_contract, pay, village_organizations

pytestmark = pytest.mark.db


@pytest.fixture
def flagged(assets, lead, district):
    """Four contracts in two towns that each break a rule, and one that breaks none."""
    towns = sorted({o["town_code"] for o in village_organizations(district, 400)})[:2]
    orgs = [village_organizations(district, 1, town)[0] for town in towns]
    made = [add_contract(assets, lead, orgs[i % 2]["credit_code"], f"C-{i}", procedure={}) for i in range(4)]
    clean = add_contract(assets, lead, orgs[0]["credit_code"], "C-clean")
    for contract in (*made, clean):
        pay(assets, lead, contract["id"], "30000.00")
    return made, clean, towns


def test_campaign_from_start_to_no_open_items_with_each_outcome(assets, lead, as_role, flagged):
    made, clean, towns = flagged
    started = assets.post("/v1/reviews", json={"name": "2026 回头看", "as_of": "2026-06-15",
                                               "reviewers": ["auditor", "demo-auditor-2"]}, headers=lead)
    assert started.status_code == 201, started.text
    campaign = started.json()
    assert campaign["progress"]["total"] == {"items": 4, "open": 4, "decided": 0, "lawful": 0, "renegotiated": 0,
                                             "terminated": 0, "referred": 0}
    assert [t["town_code"] for t in campaign["progress"]["towns"]] == towns
    mine = assets.get(f"/v1/reviews/{campaign['id']}/items", headers=as_role("auditor", subject="auditor")).json()
    assert len(mine["items"]) == 2 and {i["reviewer"] for i in mine["items"]} == {"auditor"}
    items = assets.get(f"/v1/reviews/{campaign['id']}/items", headers=lead).json()["items"]
    assert clean["id"] not in {i["contract_id"] for i in items}
    assert all(i["flags"][0]["code"] == "procedure" and "四议一审两公开" in i["flags"][0]["reason"] for i in items)
    other = next(i for i in items if i["reviewer"] != "auditor")
    refused = assets.post(f"/v1/reviews/{campaign['id']}/items/{other['id']}/outcome", json={"outcome": "lawful"},
                          headers=as_role("auditor", subject="auditor"))
    assert refused.status_code == 403
    no_note = assets.post(f"/v1/reviews/{campaign['id']}/items/{items[0]['id']}/outcome",
                          json={"outcome": "referred"}, headers=lead)
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    for item, outcome in zip(items, ("lawful", "renegotiated", "terminated", "referred"), strict=False):
        answer = assets.post(f"/v1/reviews/{campaign['id']}/items/{item['id']}/outcome",
                             json={"outcome": outcome, "note": "已核实"}, headers=lead)
        assert answer.status_code == 200, answer.text
    again = assets.post(f"/v1/reviews/{campaign['id']}/items/{items[0]['id']}/outcome",
                        json={"outcome": "lawful"}, headers=lead)
    assert again.status_code == 409
    progress = assets.get(f"/v1/reviews/{campaign['id']}/progress", headers=lead).json()
    assert progress["status"] == "completed"
    assert progress["total"] == {"items": 4, "open": 0, "decided": 4, "lawful": 1, "renegotiated": 1,
                                 "terminated": 1, "referred": 1}
    terminated = assets.get(f"/v1/contracts/{items[2]['contract_id']}", headers=lead).json()
    assert terminated["state"] == "terminated" and terminated["flags"] == []


def test_only_leads_start_a_campaign_and_one_at_a_time(assets, lead, as_role, flagged):
    body = {"name": "回头看", "as_of": "2026-06-15", "reviewers": ["auditor"]}
    assert assets.post("/v1/reviews", json=body, headers=as_role("auditor")).status_code == 403
    assert assets.post("/v1/reviews", json=body | {"reviewers": []}, headers=lead).status_code == 422
    assert assets.post("/v1/reviews", json=body, headers=lead).status_code == 201
    assert assets.post("/v1/reviews", json=body, headers=lead).json()["code"] == "campaign_open"


def test_a_reviewer_reads_their_item_with_the_contracts_facts_and_not_anothers(assets, lead, as_role, flagged):
    body = {"name": "回头看", "as_of": "2026-06-15", "reviewers": ["auditor", "other"]}
    campaign = assets.post("/v1/reviews", json=body, headers=lead).json()
    items = assets.get(f"/v1/reviews/{campaign['id']}/items", headers=lead).json()["items"]
    mine = next(i for i in items if i["reviewer"] == "auditor")
    theirs = next(i for i in items if i["reviewer"] == "other")
    auditor = as_role("auditor", subject="auditor")
    read = assets.get(f"/v1/reviews/{campaign['id']}/items/{mine['id']}", headers=auditor)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    facts = read.json()["contract"]
    assert (facts["counterparty_name"], facts["annual_rent"], facts["received"]) == ("张建国", "10000.00", "30000.00")
    assert ID_NUMBER not in read.text
    assert assets.get(f"/v1/reviews/{campaign['id']}/items/{theirs['id']}", headers=auditor).status_code == 404
    assert assets.get(f"/v1/reviews/{campaign['id']}/items/{theirs['id']}", headers=lead).status_code == 200
