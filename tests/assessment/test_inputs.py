"""Inputs from the assets service: finding measures of the period's year, read over its API into the snapshot."""

import orjson
import pytest
from sqlmodel import Session, select

from services.assessment.models import InputSnapshot
from tests.assessment.conftest import finished_run, make_period, make_scheme, scheme_body

pytestmark = pytest.mark.db


def findings_indicator(**changes) -> dict:
    return {"code": "findings", "dimension": "governance", "name_zh": "审计发现问题", "name_en": "Audit findings",
            "unit": "个", "direction": "lower", "source": "assets", "key": "findings", "method": "deduction",
            "params": {"per": 1, "cap": 5}, "missing": "zero", **changes}


def snapshot_of(assessment, period_id: int) -> dict:
    with Session(assessment.app.state.engine) as session:
        snapshot = session.exec(select(InputSnapshot).where(InputSnapshot.period_id == period_id)).one()
        return orjson.loads(snapshot.payload)


def by_village(measures: list[dict]) -> dict[str, dict]:
    """The direct count: findings and rectified per village over its accepted or closed engagements."""
    found: dict[str, dict] = {}
    for item in measures:
        if any(e["status"] in ("accepted", "closed") for e in item["engagements"]):
            sums = found.setdefault(item["unit_code"], {"findings": 0, "rectified": 0, "overdue": 0})
            for key in sums:
                sums[key] += item["findings"]["total"] if key == "findings" else item[key]
    return found


def test_a_period_gathers_the_assets_measures_of_its_year(assessment, officer, assets_service, as_role):
    period = make_period(assessment, officer, year=2026)
    document = snapshot_of(assessment, period["id"])
    measures = assets_service.get("/v1/measures?year=2026", headers=as_role("assessment_officer",
                                                                           subject="x")).json()["items"]
    expected = by_village(measures)
    assert sum(v["findings"] for v in expected.values()) >= 5  # the demo's fieldwork has findings
    at = {code: n for n, code in enumerate(document["unit_codes"])}
    for unit_code, sums in expected.items():
        n = at[unit_code]
        assert document["columns"]["assets:findings"][n] == sums["findings"]
        assert document["columns"]["assets:overdue"][n] == sums["overdue"]
        rate = round(sums["rectified"] / sums["findings"], 4) if sums["findings"] else 1.0
        assert document["columns"]["assets:rectification_rate"][n] == rate
    unvisited = [c for c in document["unit_codes"] if c not in expected]
    assert unvisited and all(document["columns"]["assets:findings"][at[c]] is None for c in unvisited)


def test_another_year_has_no_measures(assessment, officer):
    document = snapshot_of(assessment, make_period(assessment, officer, year=2025)["id"])
    assert set(document["columns"]["assets:findings"]) == {None}


def test_an_assets_indicator_scores_what_the_assets_service_counted(assessment, officer, assets_service, as_role):
    body = scheme_body()
    body["indicators"].append(findings_indicator())
    scheme = make_scheme(assessment, officer, **{k: body[k] for k in ("indicators",)})
    period = make_period(assessment, officer, year=2026)
    run = finished_run(assessment, officer, scheme["id"], period["id"])
    assert run["status"] == "done", run["reason"]
    measures = assets_service.get("/v1/measures?year=2026", headers=as_role("assessment_officer",
                                                                           subject="x")).json()["items"]
    unit_code, sums = max(by_village(measures).items(), key=lambda kv: kv[1]["findings"])
    detail = assessment.get(f"/v1/runs/{run['id']}/results/{unit_code}", headers=officer).json()
    shown = next(i for i in detail["indicators"] if i["code"] == "findings")
    assert shown["raw"] == sums["findings"] and shown["points"] == -min(sums["findings"], 5)


def test_an_unknown_measure_is_named(assessment, officer):
    body = scheme_body()
    body["indicators"].append(findings_indicator(key="finding_count"))
    response = assessment.post("/v1/schemes", json=body, headers=officer)
    assert response.status_code == 422 and response.json()["code"] == "unknown_measure"
    assert response.json()["errors"][0]["field"] == f"indicators[{len(body['indicators']) - 1}].key"


def test_without_the_assets_service_the_snapshot_says_so_and_its_measures_are_missing(assessment, officer):
    assessment.app.state.assets_client = None
    assessment.app.state.settings = assessment.app.state.settings.model_copy(
        update={"assets_url": "http://127.0.0.1:9", "assets_timeout": 2.0})
    body = scheme_body()
    body["indicators"].append(findings_indicator(missing="block"))
    scheme = make_scheme(assessment, officer, indicators=body["indicators"])
    created = assessment.post("/v1/periods", json={"district_code": "110109000000", "year": 2026}, headers=officer)
    gathered = assessment.post(f"/v1/periods/{created.json()['id']}/inputs", headers=officer)
    assert gathered.status_code == 201, gathered.text
    assert "assets" in gathered.json()["unavailable"] and "assets:findings" not in gathered.json()["columns"]
    report = assessment.get(f"/v1/periods/{created.json()['id']}/inputs?scheme_id={scheme['id']}", headers=officer).json()
    findings = next(i for i in report["indicators"] if i["indicator"] == "findings")
    assert findings["present"] == 0 and findings["blocks"] and report["ready"] is False
    assert report["unavailable"]["assets"].startswith("The assets cannot be reached")
