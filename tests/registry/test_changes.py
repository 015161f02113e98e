"""The change feed: every change once, in order, across pages; written with its audit record."""

import pytest
from sqlmodel import Session

from services.common import audit
from services.common.database import make_engine
from tests.registry.conftest import TOWN, make_organization

pytestmark = pytest.mark.db


def follow(client, headers, limit: int) -> tuple[list[dict], str]:
    seen, cursor = [], None
    while True:
        params = {"limit": limit, **({"since": cursor} if cursor else {})}
        body = client.get("/v1/changes", params=params, headers=headers).json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return seen, cursor


def test_anonymous_is_401(registry):
    assert registry.get("/v1/changes").status_code == 401


def test_bad_cursor_is_422(registry, admin):
    response = registry.get("/v1/changes", params={"since": "garbage!"}, headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"


def test_each_change_is_returned_once_in_order_across_pages(district, admin, officer, as_role):
    reader = as_role("integration")
    first, cursor = follow(district, reader, limit=3)
    assert [(c["entity"], c["key"], c["action"]) for c in first[:2]] == [("unit", "110109000000", "create"),
                                                                         ("unit", TOWN, "create")]
    assert len(first) == 7
    make_organization(district, admin, "110109104201", 1)
    district.patch("/v1/units/110109104201", json={"name_en": "Cuandixia"}, headers={**officer, "If-Match": '"1"'})
    rest = district.get("/v1/changes", params={"since": cursor, "limit": 2}, headers=reader).json()
    assert [(c["entity"], c["action"]) for c in rest["items"]] == [("organization", "create"), ("unit", "update")]
    nothing = district.get("/v1/changes", params={"since": rest["next_cursor"]}, headers=reader).json()
    assert nothing["items"] == [] and nothing["next_cursor"] == rest["next_cursor"]
    seqs = [c["seq"] for c in first + rest["items"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_refused_change_leaves_no_feed_row_and_the_audit_chain_holds(district, officer):
    before = len(follow(district, officer, 100)[0])
    district.post("/v1/units", json={"unit_code": "110109104201", "name": "x", "parent_code": TOWN}, headers=officer)
    assert len(follow(district, officer, 100)[0]) == before
    engine = make_engine(str(district.app.state.settings.resolved_database_url()))
    with Session(engine) as session:
        report = audit.verify_chain(session)
    engine.dispose()
    assert report.ok and report.checked == before
