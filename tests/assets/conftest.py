"""Fixtures of the assets tests: the registry's demo district served in-process, a migrated assets
service that reads it over HTTP, headers per role, and builders of auditors."""

import pytest

from services.assets.app import create_app
from services.assets.clients.registry import read_district, snapshot_of
from services.assets.plan import demo
from services.assets.plan.feasibility import Member
from services.assets.plan.risk import candidates_from
from services.assets.settings import AssetsSettings

ZHAITANG, QINGSHUI = "110109104000", "110109109000"


@pytest.fixture(scope="session")
def district(registry, token_for):
    registry.headers.update(token_for("admin", audience="assets"))
    return read_district(registry, "110109000000", demo.CURRENT_YEAR)


@pytest.fixture(scope="session")
def candidates(district):
    return lambda: candidates_from(snapshot_of(district, ["village"]), {})


@pytest.fixture(scope="session")
def members(district) -> list[Member]:
    return [Member(i, username, name, role == "lead", capacity, frozenset(
        code for tie in demo.ties_of(username, district) for code in (tie.get("unit_code"), tie.get("credit_code"))
        if code)) for i, (username, name, role, capacity) in enumerate(demo.AUDITORS, 1)]


@pytest.fixture
def assets(service_client, registry):
    client = service_client("assets", create_app, AssetsSettings)
    client.app.state.registry_client = registry
    return client


@pytest.fixture
def as_role(token_for):
    """`as_role("auditor", subject="auditor")` gives that caller's headers for the assets service."""

    def make(role: str, subject: str = "", towns: tuple[str, ...] = ()) -> dict[str, str]:
        return token_for(role, audience="assets", subject=subject, towns=towns)

    return make


@pytest.fixture
def lead(as_role):
    return as_role("audit_lead", subject="lead")


def make_auditor(client, headers, username: str, role: str = "auditor", capacity: int = 200, **extra) -> dict:
    body = {"username": username, "name": f"审计员 {username}", "role": role, "capacity_days": capacity, **extra}
    response = client.post("/v1/auditors", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def declare_tie(client, headers, auditor_id: int, **tie) -> dict:
    body = {"kind": "town", "reason": "亲属在该镇任职", "declared_on": "2026-01-05", **tie}
    response = client.post(f"/v1/auditors/{auditor_id}/ties", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def staffed(assets, lead, district):
    """The demo's twenty auditors and their ties, entered through the API; returns username → auditor."""
    made = {}
    for username, name, role, capacity in demo.AUDITORS:
        made[username] = make_auditor(assets, lead, username, "lead" if role == "lead" else "auditor", capacity,
                                      name=name)
        for tie in demo.ties_of(username, district):
            declare_tie(assets, lead, made[username]["id"], **{k: str(v) for k, v in tie.items() if v})
    return made


def generate(client, headers, year: int = 2026, **settings):
    return client.post("/v1/plans", json={"year": year, "seed": 1, "settings": settings}, headers=headers)
