"""Yearly statistics: Decimal money, corrections kept in history, the bulk read for a year."""

import orjson
import pytest
from sqlalchemy import update

from services.registry import statistics
from services.registry.models import Unit
from tests.registry.conftest import OTHER_TOWN, TOWN

pytestmark = pytest.mark.db


def post(client, headers, code: str, year: int, values: dict, source: str = "年报"):
    return client.post(f"/v1/units/{code}/statistics", json={"year": year, "values": values, "source": source},
                       headers=headers)


class TestRecordStatistics:
    def test_anonymous_is_401(self, district):
        assert post(district, {}, "110109104201", 2024, {"households": 10}).status_code == 401

    def test_viewer_is_403(self, district, as_role):
        assert post(district, as_role("viewer"), "110109104201", 2024, {"households": 10}).status_code == 403

    def test_officer_of_another_town_is_403(self, district, officer):
        assert post(district, officer, "110109105201", 2024, {"households": 10}).status_code == 403

    def test_unknown_metric_and_fractional_count_are_422(self, district, officer):
        unknown = post(district, officer, "110109104201", 2024, {"nope": 1})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "values.nope"
        half = post(district, officer, "110109104201", 2024, {"households": "10.5"})
        assert half.json()["errors"][0]["field"] == "values.households"
        cents = post(district, officer, "110109104201", 2024, {"collective_debt": "1.005"})
        assert cents.json()["errors"][0]["field"] == "values.collective_debt"

    def test_money_keeps_its_cents_and_corrections_keep_history(self, district, officer, as_role):
        assert post(district, officer, "110109104201", 2024, {"collective_operating_income": "520000.10",
                                                              "households": 212}).status_code == 201
        assert post(district, officer, "110109104201", 2024, {"collective_operating_income": "530000.20"},
                    source="审计调整").status_code == 201
        items = district.get("/v1/units/110109104201/statistics", params={"year": 2024, "history": True},
                             headers=as_role("viewer")).json()["items"]
        income = next(i for i in items if i["metric_key"] == "collective_operating_income")
        assert income["value"] == "530000.20" and income["source"] == "审计调整"
        assert [h["value"] for h in income["history"]] == ["520000.10"]
        assert next(i for i in items if i["metric_key"] == "households")["value"] == 212

    def test_integration_may_push_statistics(self, district, as_role):
        assert post(district, as_role("integration"), "110109105201", 2024, {"households": 99}).status_code == 201


class TestReadYear:
    def test_bulk_read_returns_all_units_of_the_year_in_one_call(self, district, admin, as_role):
        post(district, admin, "110109104201", 2024, {"households": 212, "collective_debt": "12000.00"})
        post(district, admin, "110109105201", 2024, {"households": 80})
        post(district, admin, "110109105201", 2023, {"households": 78})
        body = district.get("/v1/statistics", params={"year": 2024, "metrics": "households,collective_debt"},
                            headers=as_role("assessment_officer")).json()
        assert body["year"] == 2024
        values = {i["unit_code"]: i["values"] for i in body["items"]}
        assert values == {"110109104201": {"households": 212, "collective_debt": "12000.00"},
                          "110109105201": {"households": 80}}
        one_town = district.get("/v1/statistics", params={"year": 2024, "town": OTHER_TOWN}, headers=admin).json()
        assert [i["unit_code"] for i in one_town["items"]] == ["110109105201"]

    def test_one_metric_reads_each_unit_in_code_order_with_its_type(self, district, admin):
        post(district, admin, "110109105201", 2024, {"households": 80, "collective_debt": "5.50"})
        post(district, admin, "110109104201", 2024, {"households": 212, "collective_debt": "12000.00"})
        households = district.get("/v1/statistics", params={"year": 2024, "metrics": "households"},
                                  headers=admin).json()
        assert households["metrics"] == ["households"]
        assert [(i["unit_code"], i["name"], i["values"]) for i in households["items"]] == [
            ("110109104201", "爨底下村", {"households": 212}), ("110109105201", "燕家台村", {"households": 80})]
        debt = district.get("/v1/statistics", params={"year": 2024, "metrics": "collective_debt", "town": TOWN},
                            headers=admin).json()
        assert [i["values"] for i in debt["items"]] == [{"collective_debt": "12000.00"}]

    def test_one_metric_is_the_bytes_orjson_writes_whole_or_sent_in_parts(self, district, admin):
        post(district, admin, "110109105201", 2024, {"households": 80, "collective_debt": "5.50"})
        post(district, admin, "110109104201", 2024, {"households": 212, "collective_debt": "12000.00"})
        engine = district.app.state.engine
        with engine.begin() as connection:  # a name to escape and a unit without a town
            connection.execute(update(Unit.__table__).where(Unit.__table__.c.unit_code == "110109105201")
                               .values(name='燕"家\\台\n村', town_code=None))
        units = [("110109104201", "爨底下村", TOWN), ("110109105201", '燕"家\\台\n村', None)]

        def expected(key: str, values: list, year: int = 2024) -> bytes:
            return orjson.dumps({"year": year, "metrics": [key], "items": [
                {"unit_code": code, "name": name, "town_code": town, "values": {key: value}}
                for (code, name, town), value in zip(units, values, strict=True)]})

        for key, values in (("households", [212, 80]), ("collective_debt", ["12000.00", "5.50"])):
            response = district.get("/v1/statistics", params={"year": 2024, "metrics": key}, headers=admin)
            assert response.status_code == 200 and response.headers["content-type"] == "application/json"
            assert response.content == expected(key, values)
            with engine.connect() as connection:
                assert statistics.read_year(connection, year=2024, metric_keys=[key]) == expected(key, values)
                parts = list(statistics.read_year(connection, year=2024, metric_keys=[key], chunk=1))
            assert len(parts) == 3 and b"".join(parts) == expected(key, values)
        with engine.connect() as connection:
            assert list(statistics.read_year(connection, year=1999, metric_keys=["households"], chunk=1)) == [
                orjson.dumps({"year": 1999, "metrics": ["households"], "items": []})]
        assert engine.pool.checkedout() == 0  # the streamed reads gave their connections back

    def test_unknown_metric_and_missing_year_are_422(self, district, admin):
        assert district.get("/v1/statistics", params={"year": 2024, "metrics": "x"},
                            headers=admin).json()["errors"][0]["field"] == "metrics"
        assert district.get("/v1/statistics", headers=admin).json()["errors"][0]["field"] == "year"

    def test_metric_catalogue_is_seeded(self, district, admin):
        keys = {m["key"]: m["type"] for m in district.get("/v1/metrics", headers=admin).json()["items"]}
        assert keys["collective_operating_income"] == "money" and keys["public_complaints"] == "integer"
        assert len(keys) == 11


class TestClassesAndDesignations:
    def test_unit_holds_one_class_per_scheme_and_year(self, district, officer, as_role):
        path = "/v1/units/110109104201/classes"
        for name in ("集聚提升类", "特色保护类"):
            assert district.post(path, json={"scheme_key": "planning_class", "year": 2024, "class_name": name},
                                 headers=officer).status_code == 201
        district.post(path, json={"scheme_key": "appearance_class", "year": 2024, "class_name": "传统村落"},
                      headers=officer)
        items = district.get(path, headers=as_role("viewer")).json()["items"]
        assert items == [{"scheme_key": "appearance_class", "year": 2024, "class_name": "传统村落"},
                         {"scheme_key": "planning_class", "year": 2024, "class_name": "特色保护类"}]

    def test_class_outside_the_scheme_is_422(self, district, officer):
        response = district.post("/v1/units/110109104201/classes", json={
            "scheme_key": "planning_class", "year": 2024, "class_name": "传统村落"}, headers=officer)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "class_name"

    def test_district_adds_a_scheme_and_a_kind(self, district, admin, officer):
        scheme = {"key": "operating_class", "name": "经营村庄分类", "classes": ["A类", "B类", "C类"]}
        assert district.post("/v1/classification-schemes", json=scheme, headers=officer).status_code == 403
        assert district.post("/v1/classification-schemes", json=scheme, headers=admin).status_code == 201
        kind = {"key": "art_village", "name": "艺术乡村"}
        assert district.post("/v1/designation-kinds", json=kind, headers=admin).status_code == 201
        kinds = [k["key"] for k in district.get("/v1/designation-kinds", headers=officer).json()["items"]]
        assert "shihua_village" in kinds and "art_village" in kinds

    def test_designation_lifecycle_and_counts(self, district, admin, officer, as_role):
        ids = []
        for code, year in (("110109104201", 2024), ("110109104202", 2024), ("110109104203", 2025)):
            made = district.post("/v1/designations", json={"unit_code": code, "kind_key": "shihua_village",
                                                           "year": year, "batch": "第一批"}, headers=officer)
            assert made.status_code == 201 and made.json()["status"] == "candidate"
            ids.append(made.json()["id"])
        for designation_id in ids:
            district.patch(f"/v1/designations/{designation_id}", json={"status": "awarded"},
                           headers={**admin, "If-Match": '"1"'})
        district.patch(f"/v1/designations/{ids[1]}", json={"status": "revoked"}, headers={**admin, "If-Match": '"2"'})
        back = district.patch(f"/v1/designations/{ids[1]}", json={"status": "awarded"},
                              headers={**admin, "If-Match": '"3"'})
        assert back.status_code == 422 and back.json()["errors"][0]["field"] == "status"
        counts = district.get("/v1/designations/counts", headers=as_role("assessment_officer")).json()["items"]
        assert counts == [{"kind_key": "shihua_village", "year": 2024, "count": 1},
                          {"kind_key": "shihua_village", "year": 2025, "count": 1}]

    def test_officer_cannot_designate_another_towns_village(self, district, officer):
        response = district.post("/v1/designations", json={"unit_code": "110109105201", "kind_key": "forest_village",
                                                           "year": 2024}, headers=officer)
        assert response.status_code == 403

    def test_unknown_kind_is_422(self, district, officer):
        response = district.post("/v1/designations", json={"unit_code": "110109104201", "kind_key": "nope",
                                                           "year": 2024}, headers=officer)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "kind_key"
