"""Exports to .xlsx: the import's columns, text never a formula, and an export imports back unchanged."""

import io
import zipfile

import openpyxl
import pytest

from tests.registry.conftest import make_organization
from tests.registry.test_imports import upload

pytestmark = pytest.mark.db

FORMULA_LIKE = ["=HYPERLINK(\"http://x\",\"点我\")", "+8613800000000", "-1+2", "@SUM(A1:A2)"]


def export(client, headers, name: str, **params):
    response = client.get(f"/v1/exports/{name}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def cells(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


class TestExports:
    def test_anonymous_is_401_and_statistics_need_a_year(self, district, admin):
        assert district.get("/v1/exports/units.xlsx").status_code == 401
        missing = district.get("/v1/exports/statistics.xlsx", headers=admin)
        assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "year"

    def test_units_export_has_the_import_columns_and_a_filename(self, district, as_role):
        response = export(district, as_role("viewer"), "units.xlsx")
        assert response.headers["content-disposition"].startswith('attachment; filename="units-')
        rows = cells(response.content)
        assert rows[0][:3] == ["区划代码(unit_code)", "名称(name)", "上级区划代码(parent_code)"]
        assert [r[0] for r in rows[1:]] == ["110109000000", "110109104000", "110109104201", "110109104202",
                                            "110109104203", "110109105000", "110109105201"]
        assert rows[3][:4] == ["110109104201", "爨底下村", "110109104000", "行政村"]

    def test_text_starting_with_formula_characters_stays_text(self, district, admin):
        for serial, name in enumerate(FORMULA_LIKE, start=1):
            make_organization(district, admin, "110109104201", serial, name=name, legal_representative=name)
        content = export(district, admin, "organizations.xlsx").content
        assert "<f>" not in sheet_xml(content) and "<f " not in sheet_xml(content)
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        names = [(c.value, c.data_type) for c in sheet["B"][1:]]
        assert sorted(names) == sorted((n, "s") for n in FORMULA_LIKE)

    def test_phone_is_left_out_where_the_caller_may_not_see_it(self, district, admin, as_role):
        make_organization(district, admin, "110109104201", 1)
        assert cells(export(district, admin, "organizations.xlsx").content)[1][5] == "13800000000"
        assert cells(export(district, as_role("viewer"), "organizations.xlsx").content)[1][5] is None


class TestRoundTrip:
    def test_units_export_imports_back_all_unchanged(self, district, admin):
        content = export(district, admin, "units.xlsx").content
        body = upload(district, admin, "units", content, "units.xlsx").json()
        assert (body["status"], body["applied"], body["unchanged"], body["errors"]) == ("applied", 0, 7, [])

    def test_organizations_with_formula_like_text_import_back_unchanged(self, district, admin):
        for serial, name in enumerate(FORMULA_LIKE, start=1):
            make_organization(district, admin, "110109104201", serial, name=name, registered_on="2019-05-01")
        content = export(district, admin, "organizations.xlsx").content
        body = upload(district, admin, "organizations", content, "orgs.xlsx").json()
        assert (body["applied"], body["unchanged"], body["errors"]) == (0, 4, [])

    def test_statistics_export_imports_back_unchanged(self, district, admin):
        district.post("/v1/units/110109104201/statistics", headers=admin, json={
            "year": 2024, "source": "年报", "values": {"households": 212, "collective_operating_income": "520000.10",
                                                      "collective_debt": "1234567890123.45"}})
        district.post("/v1/units/110109105201/statistics", headers=admin,
                      json={"year": 2024, "source": "=cmd", "values": {"households": 80}})
        content = export(district, admin, "statistics.xlsx", year=2024).content
        rows = cells(content)
        assert rows[1][:4] == ["110109104201", "爨底下村", 2024, "年报"] and rows[2][3] == "=cmd"
        body = upload(district, admin, "statistics", content, "stats.xlsx").json()
        assert (body["applied"], body["unchanged"], body["errors"]) == (0, 2, [])
