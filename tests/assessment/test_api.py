"""The assessment API end to end on a migrated database, reading the real registry in-process."""

import io
import re

import pytest
import python_calamine
from sqlalchemy import func, select
from sqlmodel import Session

from services.assessment.models import Run, RunResult
from tests.assessment.conftest import finished_run, make_period, make_scheme, scheme_body

pytestmark = pytest.mark.db


class TestSchemes:
    def test_anonymous_is_refused(self, assessment):
        assert assessment.post("/v1/schemes", json=scheme_body()).status_code == 401

    def test_town_officer_may_not_write(self, assessment, as_role):
        response = assessment.post("/v1/schemes", json=scheme_body(), headers=as_role("town_officer"))
        assert response.status_code == 403

    def test_bad_input_names_the_field(self, assessment, officer):
        response = assessment.post("/v1/schemes", json=scheme_body(district_code="1101"), headers=officer)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "district_code"

    def test_weights_not_adding_up_are_named(self, assessment, officer):
        body = scheme_body()
        body["indicators"][0]["weights"]["特色保护类"] = 35
        response = assessment.post("/v1/schemes", json=body, headers=officer)
        assert response.status_code == 422
        assert response.json()["code"] == "weights_not_100"
        assert response.json()["errors"][0]["field"] == "weights.特色保护类"

    def test_unknown_reference_is_named(self, assessment, officer):
        body = scheme_body()
        body["indicators"][2]["key"] = "operating_income / residentz"
        response = assessment.post("/v1/schemes", json=body, headers=officer)
        assert response.json()["code"] == "unknown_reference"
        assert response.json()["errors"][0]["field"] == "indicators[2].key"

    def test_a_published_scheme_refuses_change_and_a_new_version_follows(self, assessment, officer):
        scheme = make_scheme(assessment, officer)
        response = assessment.put(f"/v1/schemes/{scheme['id']}", json=scheme_body(),
                                  headers={**officer, "If-Match": f'"{scheme["row_version"]}"'})
        assert response.status_code == 409 and response.json()["code"] == "scheme_frozen"
        second = make_scheme(assessment, officer, publish=False)
        assert second["version"] == 2 and second["status"] == "draft"

    def test_a_draft_is_edited_with_if_match(self, assessment, officer):
        draft = make_scheme(assessment, officer, publish=False)
        body = scheme_body(name_zh="改名")
        assert assessment.put(f"/v1/schemes/{draft['id']}", json=body, headers=officer).status_code == 428
        response = assessment.put(f"/v1/schemes/{draft['id']}", json=body,
                                  headers={**officer, "If-Match": f'"{draft["row_version"]}"'})
        assert response.status_code == 200 and response.json()["name_zh"] == "改名"


class TestRuns:
    def test_a_run_scores_every_village_deterministically(self, assessment, officer):
        scheme = make_scheme(assessment, officer)
        period = make_period(assessment, officer)
        first = finished_run(assessment, officer, scheme["id"], period["id"])
        second = finished_run(assessment, officer, scheme["id"], period["id"])
        assert first["status"] == "done", first["reason"]
        assert first["digest"] == second["digest"]
        def ranking(run):
            return assessment.get(f"/v1/runs/{run['id']}/results?limit=1000", headers=officer).json()

        a, b = ranking(first), ranking(second)
        assert len(a["items"]) == first["units"] > 100
        assert [(i["unit_code"], i["total"], i["rank"]) for i in a["items"]] == [
            (i["unit_code"], i["total"], i["rank"]) for i in b["items"]]
        assert [i["rank"] for i in a["items"]] == sorted(i["rank"] for i in a["items"])

    def test_runs_list_newest_first_and_hides_unpublished_from_town_officers(self, assessment, officer, as_role):
        scheme = make_scheme(assessment, officer)
        period = make_period(assessment, officer)
        older = finished_run(assessment, officer, scheme["id"], period["id"])
        newer = finished_run(assessment, officer, scheme["id"], period["id"])
        listed = assessment.get(f"/v1/runs?scheme_id={scheme['id']}&limit=1", headers=officer).json()
        rest = assessment.get(f"/v1/runs?scheme_id={scheme['id']}&cursor={listed['next_cursor']}",
                              headers=officer).json()
        assert [r["id"] for r in listed["items"] + rest["items"]] == [newer["id"], older["id"]]
        clerk = as_role("town_officer", subject="clerk", towns=("110109104000",))
        assert assessment.get("/v1/runs", headers=clerk).json()["items"] == []
        assessment.post(f"/v1/runs/{older['id']}/publish", headers=officer)
        assert [r["id"] for r in assessment.get("/v1/runs", headers=clerk).json()["items"]] == [older["id"]]

    def test_results_page_and_filter(self, assessment, officer):
        scheme = make_scheme(assessment, officer)
        run = finished_run(assessment, officer, scheme["id"], make_period(assessment, officer)["id"])
        page = assessment.get(f"/v1/runs/{run['id']}/results?limit=10", headers=officer).json()
        rest = assessment.get(f"/v1/runs/{run['id']}/results?limit=1000&cursor={page['next_cursor']}",
                              headers=officer).json()
        assert len(page["items"]) == 10 and len(page["items"]) + len(rest["items"]) == run["units"]
        town = page["items"][0]["town_code"]
        only = assessment.get(f"/v1/runs/{run['id']}/results?town={town}&limit=1000", headers=officer).json()
        assert only["items"] and {i["town_code"] for i in only["items"]} == {town}

    def test_breakdown_explains_each_indicator(self, assessment, officer):
        scheme = make_scheme(assessment, officer)
        run = finished_run(assessment, officer, scheme["id"], make_period(assessment, officer)["id"])
        top = assessment.get(f"/v1/runs/{run['id']}/results?limit=1", headers=officer).json()["items"][0]
        detail = assessment.get(f"/v1/runs/{run['id']}/results/{top['unit_code']}", headers=officer).json()
        assert len(detail["indicators"]) == len(scheme["indicators"])
        for item in detail["indicators"]:
            assert re.search(r"[\u4e00-\u9fff]", item["sentence"]["zh"]) and not re.search(r"[A-Za-z]", item["sentence"]["zh"])
            assert item["sentence"]["en"] and not re.search(r"[\u4e00-\u9fff]", item["sentence"]["en"])
        income = next(i for i in detail["indicators"] if i["code"] == "operating_income")
        written = re.match(r"Operating income: ([\d.]+) yuan; ", income["sentence"]["en"])
        assert written and float(written.group(1)) == income["raw"]
        assert round(sum(i["points"] for i in detail["indicators"]), 2) == pytest.approx(detail["total"])

    def test_town_officer_sees_only_published_results_of_their_towns(self, assessment, officer, as_role):
        scheme = make_scheme(assessment, officer)
        run = finished_run(assessment, officer, scheme["id"], make_period(assessment, officer)["id"])
        everyone = assessment.get(f"/v1/runs/{run['id']}/results?limit=1000", headers=officer).json()["items"]
        town = everyone[0]["town_code"]
        clerk = as_role("town_officer", subject="clerk", towns=(town,))
        assert assessment.get(f"/v1/runs/{run['id']}/results", headers=clerk).status_code == 404
        assert assessment.post(f"/v1/runs/{run['id']}/publish", headers=officer).status_code == 200
        seen = assessment.get(f"/v1/runs/{run['id']}/results?limit=1000", headers=clerk).json()["items"]
        assert seen and {i["town_code"] for i in seen} == {town}
        other = next(i for i in everyone if i["town_code"] != town)
        assert assessment.get(f"/v1/runs/{run['id']}/results/{other['unit_code']}", headers=clerk).status_code == 404

    def test_what_if_writes_nothing(self, assessment, officer):
        scheme = make_scheme(assessment, officer)
        period = make_period(assessment, officer)
        finished_run(assessment, officer, scheme["id"], period["id"])
        body = scheme_body()
        for indicator in body["indicators"]:
            if indicator["code"] == "operating_income":
                indicator["params"]["target"] = 300000
        draft = assessment.post("/v1/schemes", json=body, headers=officer).json()
        engine = assessment.app.state.engine
        with Session(engine) as session:
            before = (session.scalar(select(func.count()).select_from(Run)),
                      session.scalar(select(func.count()).select_from(RunResult)))
        answer = assessment.get(f"/v1/schemes/{draft['id']}/what-if?period={period['id']}&limit=500", headers=officer)
        assert answer.status_code == 200 and answer.json()["baseline_run_id"]
        assert any(i["rank_change"] for i in answer.json()["items"])
        with Session(engine) as session:
            assert before == (session.scalar(select(func.count()).select_from(Run)),
                              session.scalar(select(func.count()).select_from(RunResult)))

    def test_compare_names_who_moved(self, assessment, officer):
        scheme = make_scheme(assessment, officer)
        period = make_period(assessment, officer)
        first = finished_run(assessment, officer, scheme["id"], period["id"])
        village = assessment.get(f"/v1/runs/{first['id']}/results?limit=1000", headers=officer).json()["items"][-1]
        response = assessment.post(f"/v1/periods/{period['id']}/manual-entries", headers=officer, json={
            "unit_code": village["unit_code"], "indicator_code": "x", "value": 1, "evidence": "照片"})
        assert response.status_code == 201
        second = finished_run(assessment, officer, scheme["id"], period["id"])
        assert second["digest"] != first["digest"]
        compared = assessment.get(f"/v1/runs/compare?a={first['id']}&b={second['id']}", headers=officer).json()
        assert compared["moved"] == 0


class TestTargets:
    def test_targets_equal_a_direct_count_from_the_registry(self, assessment, officer, registry, token_for):
        items = assessment.get("/v1/targets?district_code=110109000000", headers=officer).json()["items"]
        shihua = next(t for t in items if t["code"] == "shihua_village")
        registry.headers.update(token_for("admin", audience="registry"))
        direct = registry.get("/v1/designations?kind=shihua_village&status=awarded&limit=500").json()["items"]
        assert shihua["current"] == len([d for d in direct if d["unit_code"].startswith("110109") and d["year"] <= 2025])
        assert shihua["target"] == 100 and shihua["pace_needed"] == (100 - shihua["current"]) / 2
        income = next(t for t in items if t["code"] == "operating_income_500k")
        stats = registry.get("/v1/statistics?year=2025&metrics=collective_operating_income").json()["items"]
        villages = [s for s in stats if s["unit_code"].startswith("110109") and s["unit_code"] != s["town_code"]]
        share = sum(float(s["values"]["collective_operating_income"]) >= 500000 for s in villages) * 100 / len(villages)
        assert income["current"] == round(share, 2)


class TestExport:
    def read(self, response) -> list[list[str]]:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        return workbook.get_sheet_by_index(0).to_python()

    def test_an_officer_exports_every_village_in_rank_order(self, assessment, officer):
        scheme = make_scheme(assessment, officer)
        run = finished_run(assessment, officer, scheme["id"], make_period(assessment, officer)["id"])
        response = assessment.get(f"/v1/runs/{run['id']}/results.xlsx", headers=officer)
        assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
        sheet = self.read(response)
        ranking = assessment.get(f"/v1/runs/{run['id']}/results?limit=1000", headers=officer).json()["items"]
        assert sheet[0][:3] == ["排名", "类内排名", "村代码"] and "村集体经营性收入（得分）" in sheet[0]
        assert [(r[2], r[6], r[0]) for r in sheet[1:]] == [(i["unit_code"], i["total"], i["rank"]) for i in ranking]
        english = self.read(assessment.get(f"/v1/runs/{run['id']}/results.xlsx?lang=en", headers=officer))
        assert english[0][0] == "Rank" and "Operating income (points)" in english[0]

    def test_a_town_officer_exports_published_results_of_their_villages_only(self, assessment, officer, as_role):
        scheme = make_scheme(assessment, officer)
        run = finished_run(assessment, officer, scheme["id"], make_period(assessment, officer)["id"])
        town = assessment.get(f"/v1/runs/{run['id']}/results?limit=1", headers=officer).json()["items"][0]["town_code"]
        clerk = as_role("town_officer", subject="clerk", towns=(town,))
        assert assessment.get(f"/v1/runs/{run['id']}/results.xlsx").status_code == 401
        assert assessment.get(f"/v1/runs/{run['id']}/results.xlsx", headers=clerk).status_code == 404
        assessment.post(f"/v1/runs/{run['id']}/publish", headers=officer)
        sheet = self.read(assessment.get(f"/v1/runs/{run['id']}/results.xlsx", headers=clerk))
        mine = assessment.get(f"/v1/runs/{run['id']}/results?town={town}&limit=1000", headers=officer).json()["items"]
        assert len(sheet) - 1 == len(mine) > 0 and {r[4] for r in sheet[1:]} == {town}
        viewer = self.read(assessment.get(f"/v1/runs/{run['id']}/results.xlsx", headers=as_role("viewer")))
        assert len(viewer) - 1 == run["units"]


class TestManualEntries:
    def test_town_officer_may_not_enter(self, assessment, officer, as_role):
        period = make_period(assessment, officer)
        response = assessment.post(f"/v1/periods/{period['id']}/manual-entries", headers=as_role("town_officer"),
                                   json={"unit_code": "110109104200", "indicator_code": "x", "value": 1, "evidence": "e"})
        assert response.status_code == 403

    def test_each_bad_part_is_named(self, assessment, officer):
        period = make_period(assessment, officer)
        village = assessment.get(f"/v1/periods/{period['id']}/villages", headers=officer).json()["items"][0]
        path = f"/v1/periods/{period['id']}/manual-entries"
        good = {"unit_code": village["unit_code"], "indicator_code": "x", "value": 2.5, "evidence": "镇报送表"}
        for change, field in (({"value": "many"}, "value"), ({"evidence": ""}, "evidence"),
                              ({"unit_code": "510117999999"}, "unit_code")):
            response = assessment.post(path, headers=officer, json={**good, **change})
            assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, response.text
        assert assessment.get(path, headers=officer).json()["items"] == []
        assert assessment.post(path, headers=officer, json=good).status_code == 201
        assert assessment.post(path, headers=officer, json={**good, "value": 3}).status_code == 201
        [entry] = assessment.get(path, headers=officer).json()["items"]
        assert (entry["value"], entry["evidence"], entry["entered_by"]) == ("3.0", "镇报送表", "user:officer")

    def test_the_completeness_report_counts_manual_values(self, assessment, officer):
        body = scheme_body()
        body["indicators"].append({"code": "plan_made", "dimension": "governance", "name_zh": "村规划编制完成",
                                   "source": "manual", "method": "veto", "missing": "block"})
        scheme = make_scheme(assessment, officer, indicators=body["indicators"])
        period = make_period(assessment, officer)
        village = assessment.get(f"/v1/periods/{period['id']}/villages", headers=officer).json()["items"][0]
        report = assessment.get(f"/v1/periods/{period['id']}/inputs?scheme_id={scheme['id']}", headers=officer).json()
        row = next(i for i in report["indicators"] if i["indicator"] == "plan_made")
        assert (row["present"], row["blocks"], report["ready"], report["year"]) == (0, True, False, 2025)
        assessment.post(f"/v1/periods/{period['id']}/manual-entries", headers=officer, json={
            "unit_code": village["unit_code"], "indicator_code": "plan_made", "value": 0, "evidence": "规划批复"})
        report = assessment.get(f"/v1/periods/{period['id']}/inputs?scheme_id={scheme['id']}", headers=officer).json()
        assert next(i for i in report["indicators"] if i["indicator"] == "plan_made")["present"] == 1
