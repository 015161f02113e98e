"""The demo: both districts' published schemes with a computed run each, 郫都区's hand-reported figures,
loading twice changes nothing; and the plan targets on the demo data equal a direct count."""

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.assessment import demo, demo_pidu, inputs
from services.assessment.models import ManualEntry, Run, RunResult, Scheme

pytestmark = pytest.mark.db


@pytest.fixture
def loaded(assessment, registry, token_for):
    registry.headers.update(token_for("admin", audience="assessment"))
    documents = {d: inputs.read_registry(registry, d, y) for d, y in demo.PERIODS}
    engine = assessment.app.state.engine
    with Session(engine) as session, session.begin():
        made = demo.load_demo(session, documents)
    return {"made": made, "documents": documents, "engine": engine}


def counts(engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Scheme, Run, RunResult, ManualEntry))


def test_the_second_district_is_scored_on_ten_aspects_for_its_villages_and_communities(loaded, assessment, officer):
    document = loaded["documents"][demo_pidu.DISTRICT]
    assert len(document["unit_codes"]) == 77 + 21
    assert loaded["made"] == {demo.SCHEME["code"]: len(loaded["documents"][demo.DISTRICT]["unit_codes"]),
                              demo_pidu.SCHEME["code"]: 98}
    schemes = assessment.get("/v1/schemes", headers=officer).json()["items"]
    pidu = next(s for s in schemes if s["code"] == demo_pidu.SCHEME["code"])
    scheme = assessment.get(f"/v1/schemes/{pidu['id']}", headers=officer).json()
    assert scheme["status"] == "published" and len(scheme["dimensions"]) == 10
    assert [d["name_zh"] for d in scheme["dimensions"][:3]] == ["一村一主业", "消费场景营造", "艺术乡村建设"]
    run = next(r for r in assessment.get(f"/v1/runs?scheme_id={pidu['id']}", headers=officer).json()["items"])
    assert run["status"] == "done" and run["published_at"] and run["units"] == 98
    ranking = assessment.get(f"/v1/runs/{run['id']}/results?limit=1000", headers=officer).json()["items"]
    assert len(ranking) == 98 and {i["unit_code"][:6] for i in ranking} == {"510117"}
    vetoed = {i["unit_code"] for i in ranking if i["vetoes"]}
    assert vetoed == {c for c in document["unit_codes"] if "major_incident" in demo_pidu.reported(c)}
    assert all(i["grade"] == "不合格" for i in ranking if i["unit_code"] in vetoed)


def test_a_villages_score_follows_from_its_reported_figures(loaded, assessment, officer):
    pidu = next(s for s in assessment.get("/v1/schemes", headers=officer).json()["items"]
                if s["code"] == demo_pidu.SCHEME["code"])
    run = assessment.get(f"/v1/runs?scheme_id={pidu['id']}", headers=officer).json()["items"][0]
    code = loaded["documents"][demo_pidu.DISTRICT]["unit_codes"][0]
    figures = demo_pidu.reported(code)
    detail = assessment.get(f"/v1/runs/{run['id']}/results/{code}", headers=officer).json()
    shown = {i["code"]: i for i in detail["indicators"]}
    assert shown["main_industry"]["raw"] == figures["main_industry"]
    assert shown["main_industry"]["points"] == (shown["main_industry"]["weight"] if figures["main_industry"] else 0)
    assert shown["consumption_scenes"]["raw"] == figures["consumption_scenes"]


def test_loading_again_changes_nothing(loaded):
    before = counts(loaded["engine"])
    with Session(loaded["engine"]) as session, session.begin():
        assert demo.load_demo(session, loaded["documents"]) == {}
    assert counts(loaded["engine"]) == before and before[3] > 98 * 4


def test_the_second_seeds_targets_equal_a_direct_count_from_the_registry(assessment, officer, registry, token_for):
    items = assessment.get(f"/v1/targets?district_code={demo_pidu.DISTRICT}", headers=officer).json()["items"]
    assert {t["code"] for t in items} == {"pidu_demo_village", "pidu_disposable_income"}
    registry.headers.update(token_for("admin", audience="registry"))
    awarded = registry.get("/v1/designations?kind=revitalization_demo_village&status=awarded&limit=500").json()["items"]
    villages = next(t for t in items if t["code"] == "pidu_demo_village")
    assert villages["current"] == len([d for d in awarded if d["unit_code"].startswith("510117") and d["year"] <= 2025])
    assert villages["current"] == 8 and villages["reached"]
    stats = registry.get("/v1/statistics?year=2025&metrics=per_capita_disposable_income").json()["items"]
    values = [float(s["values"]["per_capita_disposable_income"]) for s in stats
              if s["unit_code"].startswith("510117") and s["unit_code"] != s["town_code"]]
    income = next(t for t in items if t["code"] == "pidu_disposable_income")
    assert len(values) == 98 and income["current"] == round(sum(values) / len(values), 2)
    assert income["reached"] == (income["current"] >= 33000)
