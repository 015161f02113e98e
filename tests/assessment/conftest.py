"""Fixtures of the assessment tests: the registry's and the assets service's demo data served in-process,
a migrated assessment service reading them over HTTP with the caller's token, and headers per role."""

import copy
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from services.assessment import demo
from services.assessment.app import create_app
from services.assessment.settings import AssessmentSettings
from services.assets.app import create_app as create_assets
from services.assets.clients.registry import read_district
from services.assets.fieldwork import demo as fieldwork_demo
from services.assets.plan import demo as assets_demo
from services.assets.settings import AssetsSettings
from services.common.database import make_engine
from services.common.migrate import upgrade


@pytest.fixture(scope="session")
def assets_service(databases, key_dir, tmp_path_factory, registry, token_for):
    """The real assets service with its demo plan and fieldwork (findings of 2026), in-process."""
    url = databases.new("assets_for_assessment")
    upgrade("assets", url)
    registry.headers.update(token_for("admin", audience="assets"))
    district = read_district(registry, demo.DISTRICT, assets_demo.CURRENT_YEAR)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        assets_demo.load_demo(session, district)
        fieldwork_demo.load_fieldwork(session)
    engine.dispose()
    settings = AssetsSettings(database_url=url, var_dir=tmp_path_factory.mktemp("assets"), log_level="WARNING",
                              token_public_key=(key_dir / "gateway-public.pem").read_text())
    with TestClient(create_assets(settings)) as client:
        client.app.state.registry_client = registry
        yield client


@pytest.fixture
def assessment(service_client, registry, assets_service):
    client = service_client("assessment", create_app, AssessmentSettings)
    client.app.state.registry_client = registry
    client.app.state.assets_client = assets_service
    return client


@pytest.fixture
def as_role(token_for):
    def make(role: str, subject: str = "", towns: tuple[str, ...] = ()) -> dict[str, str]:
        return token_for(role, audience="assessment", subject=subject, towns=towns)

    return make


@pytest.fixture
def officer(as_role):
    return as_role("assessment_officer", subject="officer")


def scheme_body(**changes) -> dict:
    body = copy.deepcopy(demo.SCHEME)
    body.update(changes)
    return body


def make_scheme(client, headers, publish: bool = True, **changes) -> dict:
    response = client.post("/v1/schemes", json=scheme_body(**changes), headers=headers)
    assert response.status_code == 201, response.text
    if publish:
        response = client.post(f"/v1/schemes/{response.json()['id']}/publish", headers=headers)
        assert response.status_code == 200, response.text
    return response.json()


def make_period(client, headers, year: int = 2025, district_code: str = demo.DISTRICT) -> dict:
    response = client.post("/v1/periods", json={"district_code": district_code, "year": year}, headers=headers)
    assert response.status_code == 201, response.text
    gathered = client.post(f"/v1/periods/{response.json()['id']}/inputs", headers=headers)
    assert gathered.status_code == 201, gathered.text
    return response.json()


def finished_run(client, headers, scheme_id: int, period_id: int) -> dict:
    response = client.post("/v1/runs", json={"scheme_id": scheme_id, "period_id": period_id}, headers=headers)
    assert response.status_code == 202, response.text
    for _ in range(300):
        run = client.get(f"/v1/runs/{response.json()['id']}", headers=headers).json()
        if run["status"] in ("done", "failed"):
            return run
        time.sleep(0.05)
    raise AssertionError("the run did not finish")
