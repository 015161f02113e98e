"""A plan's solve is bounded, and holds no write lock: other writes go through while it runs."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from gateway.settings import GatewaySettings
from services.assets.plan import lifecycle
from services.assets.plan.feasibility import PlanTimeLimit
from services.assets.plan.proposal import propose
from services.assets.plan.rules import PlanSettings
from services.assets.settings import AssetsSettings
from services.common.errors import install_error_handlers
from tests.assets.conftest import generate, make_auditor

pytestmark = pytest.mark.db
# Scoring before the solve and writing the plan after it: well under a second at the demo size.
WRITE_MARGIN = 5.0


def test_the_reads_the_solve_and_a_margin_end_before_the_gateway_gives_up():
    assets = AssetsSettings()
    work = assets.plan_read_seconds + assets.plan_solve_seconds
    assert work + WRITE_MARGIN < GatewaySettings().upstream_timeout
    assert assets.registry_timeout <= assets.plan_read_seconds


@pytest.mark.parametrize("limit", [0.0001, 0.05])
def test_a_solve_that_hits_its_limit_answers_within_it(candidates, members, limit):
    started = time.perf_counter()
    try:
        proposal = propose(candidates(), members, PlanSettings(), year=2026, seed=3, time_limit=limit)
    except PlanTimeLimit as exc:
        assert exc.status == 422 and exc.extra["time_limit"] == limit
    else:
        assert len(proposal.picks) == 150  # the best plan found in time
    assert time.perf_counter() - started < limit + 1.0  # scoring and checks before the solver, not the solve


def test_a_plan_past_its_time_limit_is_a_problem_and_nothing_is_stored(assets, lead, staffed):
    assets.app.state.settings = assets.app.state.settings.model_copy(update={"plan_solve_seconds": 0.0001})
    response = generate(assets, lead)
    assert response.status_code == 422 and response.json()["code"] == "plan_time_limit", response.text
    assert assets.get("/v1/plans", headers=lead).json()["items"] == []


def test_a_write_during_a_plan_solve_goes_through(assets, lead, staffed, monkeypatch):
    solving, written = threading.Event(), threading.Event()
    solve = lifecycle.propose

    def slow_solve(*args, **kwargs):
        solving.set()
        assert written.wait(20), "the write waited for the solve"
        return solve(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "propose", slow_solve)
    with ThreadPoolExecutor(1) as pool:
        planned = pool.submit(generate, assets, lead)
        assert solving.wait(20)
        started = time.perf_counter()
        added = make_auditor(assets, lead, "written-while-solving")
        written.set()
        assert planned.result().status_code == 201, planned.result().text
    assert added["username"] == "written-while-solving" and time.perf_counter() - started < 5


def test_a_locked_database_is_a_503_to_retry():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/locked")
    def locked(request: Request):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    response = TestClient(app).get("/locked")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.json()["code"] == "database_busy"


def test_an_organization_the_plan_cannot_name_is_reported_and_the_plan_made(assets, lead, staffed, registry):
    engine = registry.app.state.engine  # the registry is shared by the session: the name is put back
    with engine.begin() as connection:
        credit_code, name = connection.exec_driver_sql("SELECT credit_code, name FROM organization WHERE level = "
                                                       "'village' ORDER BY credit_code LIMIT 1").one()
        connection.exec_driver_sql(f"UPDATE organization SET name = ' ' WHERE credit_code = '{credit_code}'")
    try:
        response = generate(assets, lead)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE organization SET name = '{name}' WHERE credit_code = '{credit_code}'")
    assert response.status_code == 201, response.text
    assert response.json()["summary"]["skipped"] == [{"source": "registry", "record": f"organizations/{credit_code}",
                                                      "field": "name", "reason": "为空 / is blank"}]


def test_a_plan_whose_registry_reads_pass_their_limit_is_a_504_and_nothing_is_stored(assets, lead, staffed):
    assets.app.state.settings = assets.app.state.settings.model_copy(update={"plan_read_seconds": 0.0})
    response = generate(assets, lead)
    assert response.status_code == 504 and response.json()["code"] == "time_limit", response.text
    assert assets.get("/v1/plans", headers=lead).json()["items"] == []
