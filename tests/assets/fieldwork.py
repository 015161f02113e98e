"""Builders of the fieldwork tests: an approved plan's engagement, its team's headers, a filled checklist."""

from tests.assets.conftest import generate


def approve_plan(client, lead) -> list[dict]:
    plan = generate(client, lead).json()
    approved = client.post(f"/v1/plans/{plan['id']}/approve", json={}, headers=lead)
    assert approved.status_code == 200, approved.text
    return approved.json()["engagements"]


def team_headers(as_role, engagement: dict) -> tuple[dict, dict]:
    """(a member who is not the lead, the team's lead), both with the auditor role."""
    member = next(m for m in engagement["team"] if not m["lead"])
    lead = next(m for m in engagement["team"] if m["lead"])
    return as_role("auditor", member["username"]), as_role("auditor", lead["username"])


def step(client, engagement_id: int, action: str, headers: dict, body: dict | None = None):
    version = client.get(f"/v1/engagements/{engagement_id}", headers=headers).headers["ETag"]
    return client.post(f"/v1/engagements/{engagement_id}/{action}", json=body, headers=headers | {"If-Match": version})


def value_for(item: dict, no: set[str]):
    kind = item["type"]
    if kind == "yes_no":
        return "no" if item["code"] in no else ("no" if item["code"].endswith(".any") else "yes")
    return {"number": "3", "money": "12345.60", "text": "情况正常", "date": "2026-03-31",
            "choice": item["options"][0]["code"] if item["options"] else None,
            "choices": [o["code"] for o in item["options"][:2]], "evidence": []}[kind]


def answer(client, engagement_id: int, code: str, headers: dict, value, note: str | None = None, version: int = 0):
    return client.put(f"/v1/engagements/{engagement_id}/answers/{code}", json={"value": value, "note": note},
                      headers=headers | {"If-Match": f'"{version}"'})


def fill(client, engagement_id: int, headers: dict, no: frozenset[str] = frozenset()) -> dict[str, object]:
    """Answers every item shown, "no" (with a note) for those named; returns what was saved."""
    checklist = client.get(f"/v1/engagements/{engagement_id}/checklist", headers=headers).json()
    saved: dict[str, object] = {}
    for section in checklist["sections"]:
        for item in section["items"]:
            show_if = item["show_if"]
            if show_if and saved.get(show_if["item"]) not in show_if["in"]:
                continue
            value = value_for(item, no)
            version = item["answer"]["version"] if item["answer"] else 0
            response = answer(client, engagement_id, item["code"], headers, value,
                              "现场发现问题" if value == "no" else None, version)
            assert response.status_code == 200, response.text
            saved[item["code"]] = value
    return saved
