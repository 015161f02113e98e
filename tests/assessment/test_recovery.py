"""A run outlives a restart: recorded before it starts; at startup a run left running is computed again
from its stored snapshot, or marked failed with the reason when that cannot give what was recorded."""

import time

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session

from services.assessment import inputs, runs, schemes
from services.assessment.app import create_app
from services.assessment.models import Run
from tests.assessment.conftest import finished_run, make_period, make_scheme

pytestmark = pytest.mark.db


def recorded_as_running(assessment, scheme_id: int, period_id: int) -> int:
    """A run as a process that died while computing it leaves it: recorded, running, no results."""
    with Session(assessment.app.state.engine) as session, session.begin():
        run = runs.create(session, schemes.get(session, scheme_id), inputs.get_period(session, period_id),
                          actor="officer")
        session.flush()
        session.execute(update(Run).where(Run.id == run.id).values(status="running", progress=50))
        return run.id


def restarted(assessment, registry, assets_service) -> TestClient:
    client = TestClient(create_app(assessment.app.state.settings))
    client.__enter__()
    client.app.state.registry_client = registry
    client.app.state.assets_client = assets_service
    return client


def settled(client, headers, run_id: int) -> dict:
    for _ in range(300):
        run = client.get(f"/v1/runs/{run_id}", headers=headers).json()
        if run["status"] not in ("queued", "running"):
            return run
        time.sleep(0.05)
    raise AssertionError("the run stayed running")


def ranking(client, headers, run_id: int) -> list[tuple]:
    items = client.get(f"/v1/runs/{run_id}/results?limit=1000", headers=headers).json()["items"]
    return [(i["unit_code"], i["total"], i["rank"], i["class_rank"], i["grade"]) for i in items]


def test_a_run_left_running_is_resumed_at_startup_and_gives_what_a_normal_run_gives(
        assessment, officer, registry, assets_service):
    scheme = make_scheme(assessment, officer)
    period = make_period(assessment, officer)
    normal = finished_run(assessment, officer, scheme["id"], period["id"])
    run_id = recorded_as_running(assessment, scheme["id"], period["id"])
    client = restarted(assessment, registry, assets_service)
    try:
        run = settled(client, officer, run_id)
        assert run["status"] == "done", run["reason"]
        assert run["digest"] == normal["digest"] and run["units"] == normal["units"]
        assert ranking(client, officer, run_id) == ranking(client, officer, normal["id"])
    finally:
        client.__exit__(None, None, None)


def test_a_run_whose_inputs_changed_is_marked_failed_with_the_reason(assessment, officer, registry, assets_service):
    scheme = make_scheme(assessment, officer)
    period = make_period(assessment, officer)
    run_id = recorded_as_running(assessment, scheme["id"], period["id"])
    unit_code = ranking_unit(assessment, officer, period["id"])
    entered = assessment.post(f"/v1/periods/{period['id']}/manual-entries", headers=officer, json={
        "unit_code": unit_code, "indicator_code": "x", "value": 1, "evidence": "照片"})
    assert entered.status_code == 201
    client = restarted(assessment, registry, assets_service)
    try:
        run = client.get(f"/v1/runs/{run_id}", headers=officer).json()
        assert run["status"] == "failed" and "restarted" in run["reason"] and "manual entries changed" in run["reason"]
        assert client.get(f"/v1/runs/{run_id}/results", headers=officer).json()["items"] == []
    finally:
        client.__exit__(None, None, None)


def test_recover_says_which_runs_it_resumed_and_which_failed(assessment, officer):
    scheme = make_scheme(assessment, officer)
    period = make_period(assessment, officer)
    resumable = recorded_as_running(assessment, scheme["id"], period["id"])
    broken = recorded_as_running(assessment, scheme["id"], period["id"])
    engine = assessment.app.state.engine
    with Session(engine) as session, session.begin():
        session.execute(update(Run).where(Run.id == broken).values(digest=None))
    found = runs.recover(engine)
    for thread in found.threads:
        thread.join(60)
    assert (found.resumed, found.failed) == ([resumable], [broken])
    with Session(engine) as session:
        assert session.get(Run, resumable).status == "done"
        assert session.get(Run, broken).status == "failed"
    assert runs.recover(engine).resumed == []


def ranking_unit(assessment, headers, period_id: int) -> str:
    listed = assessment.get(f"/v1/periods/{period_id}/inputs", headers=headers).json()
    assert listed["units"] > 0
    with Session(assessment.app.state.engine) as session:
        snapshot = inputs.latest_snapshot(session, inputs.get_period(session, period_id))
        return orjson.loads(snapshot.payload)["unit_codes"][0]
