"""Spreadsheet imports: every row checked, a report naming row and column, all-or-nothing, idempotent."""

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import Session

from services.common import audit
from services.common.database import make_engine
from services.registry.codes import make_credit_code
from services.registry.models import Unit
from tests.registry.conftest import DISTRICT, OTHER_TOWN, TOWN

pytestmark = pytest.mark.db

UNIT_HEADER = ["区划代码", "名称", "上级区划代码", "类型", "城乡分类代码", "设立日期"]


def csv_file(rows: list[list], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_file(rows: list[list]) -> bytes:
    """A workbook written by another program (openpyxl), as a user's own spreadsheet would be."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, headers, kind: str, content: bytes, name: str = "data.csv", **params):
    return client.post("/v1/imports", params={"kind": kind, **params}, files={"file": (name, content)},
                       headers=headers)


def village(code: str, name: str, town: str = TOWN) -> list:
    return [code, name, town, "行政村", "220", "2021-01-01"]


def changes(client, headers) -> int:
    return len(client.get("/v1/changes", params={"limit": 500}, headers=headers).json()["items"])


def audit_count(client, headers) -> int:
    return client.get("/v1/audit/verify", headers=headers).json()["checked"]


CLEAN = [UNIT_HEADER, village("110109104204", "柏峪村"), village("110109104205", "黄岭西村"),
         village("110109104206", "双石头村")]


class TestImportAccess:
    def test_anonymous_is_401(self, district):
        assert upload(district, {}, "units", csv_file(CLEAN)).status_code == 401

    def test_viewer_is_403(self, district, as_role):
        assert upload(district, as_role("viewer"), "units", csv_file(CLEAN)).status_code == 403

    def test_integration_may_import_statistics_but_not_units(self, district, as_role):
        response = upload(district, as_role("integration"), "units", csv_file(CLEAN))
        assert response.status_code == 403 and response.json()["code"] == "role_forbidden"
        rows = [["区划代码", "年度", "户数"], ["110109104201", "2024", "212"]]
        assert upload(district, as_role("integration"), "statistics", csv_file(rows)).json()["applied"] == 1

    def test_officer_row_of_another_town_is_a_row_error_naming_unit_code(self, district, officer):
        rows = [UNIT_HEADER, village("110109104204", "柏峪村"), village("110109105204", "外镇村", OTHER_TOWN)]
        body = upload(district, officer, "units", csv_file(rows)).json()
        assert body["status"] == 422 and body["code"] == "import_rejected"  # the problem's status, not the report's
        assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "区划代码(unit_code)")]

    def test_unknown_kind_and_missing_file_are_422(self, district, admin):
        assert upload(district, admin, "farms", csv_file(CLEAN)).json()["errors"][0]["field"] == "kind"
        response = district.post("/v1/imports", params={"kind": "units"}, data={"x": "1"}, headers=admin)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"

    def test_file_over_the_limit_is_413_before_it_is_read(self, district, admin):
        response = district.post("/v1/imports", params={"kind": "units"}, content=b"x" * 10,
                                 headers={**admin, "Content-Length": str(60 * 1024 * 1024),
                                          "Content-Type": "multipart/form-data; boundary=b"})
        assert response.status_code == 413 and response.json()["code"] == "file_too_large"


class TestUnitsImport:
    def test_clean_file_applies(self, district, admin):
        body = upload(district, admin, "units", csv_file(CLEAN)).json()
        assert (body["status"], body["rows"], body["applied"], body["unchanged"]) == ("applied", 3, 3, 0)
        unit = district.get("/v1/units/110109104205", headers=admin).json()
        assert unit["name"] == "黄岭西村" and unit["town_code"] == TOWN and unit["kind"] == "village"

    def test_three_bad_rows_apply_nothing_and_are_reported_as_excel_shows_them(self, district, admin):
        rows = [UNIT_HEADER, village("110109104204", "柏峪村"), village("11010910420X", "坏码村"),
                village("110109104206", "双石头村"), ["110109104207", "", TOWN, "", "", ""],
                ["110109104208", "错类村", TOWN, "城市", "", ""], village("110109104209", "沿河城村")]
        before = changes(district, admin)
        response = upload(district, admin, "units", csv_file(rows))
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "import_rejected" and body["applied"] == 0 and body["rows"] == 6
        assert [(e["row"], e["column"], e["value"]) for e in body["errors"]] == [
            (3, "区划代码(unit_code)", "11010910420X"), (5, "名称(name)", ""), (6, "类型(kind)", "城市")]
        assert "12位数字 / must be 12 digits" in body["errors"][0]["reason"]
        assert district.get("/v1/units/110109104204", headers=admin).status_code == 404
        assert changes(district, admin) == before

    def test_clean_rows_mode_applies_only_the_clean_ones(self, district, admin):
        rows = [*CLEAN, village("110109104207", "柏峪村", "110109199000")]
        body = upload(district, admin, "units", csv_file(rows), mode="clean_rows").json()
        assert (body["status"], body["applied"], body["clean_rows"]) == ("applied", 3, 3)
        assert [(e["row"], e["column"]) for e in body["errors"]] == [(5, "上级区划代码(parent_code)")]
        assert district.get("/v1/units/110109104206", headers=admin).status_code == 200

    def test_same_file_twice_changes_nothing_the_second_time(self, district, admin):
        content = csv_file(CLEAN)
        upload(district, admin, "units", content)
        feed, audited = changes(district, admin), audit_count(district, admin)
        body = upload(district, admin, "units", content).json()
        assert (body["applied"], body["unchanged"]) == (0, 3)
        assert (changes(district, admin), audit_count(district, admin)) == (feed, audited)

    def test_changed_pinyin_updates_and_a_new_name_is_refused(self, district, admin):
        rows = [["区划代码", "名称", "拼音"], ["110109104201", "爨底下村", "CuanDiXia"], ["110109104202", "新灵水村", ""]]
        body = upload(district, admin, "units", csv_file(rows), mode="clean_rows").json()
        assert body["applied"] == 1 and body["errors"][0]["column"] == "名称(name)"
        assert district.get("/v1/units/110109104201", headers=admin).json()["name_pinyin"] == "CuanDiXia"

    def test_dry_run_reports_and_stores_nothing(self, district, admin):
        body = upload(district, admin, "units", csv_file(CLEAN), dry_run="true").json()
        assert (body["status"], body["applied"]) == ("validated", 3)
        assert district.get("/v1/units/110109104204", headers=admin).status_code == 404
        bad = upload(district, admin, "units", csv_file([*CLEAN, village("1", "x")]), dry_run="true")
        assert bad.status_code == 200 and bad.json()["status"] == "rejected"

    def test_idempotency_key_replays_the_report(self, district, admin):
        headers = {**admin, "Idempotency-Key": "import-1"}
        first = upload(district, headers, "units", csv_file(CLEAN))
        again = upload(district, headers, "units", csv_file(CLEAN))
        assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
        other = upload(district, headers, "units", csv_file(CLEAN[:2]))
        assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"

    def test_missing_required_column_rejects_the_file_at_the_header(self, district, admin):
        body = upload(district, admin, "units", csv_file([["名称"], ["柏峪村"]]), dry_run="true").json()
        assert body["status"] == "rejected" and body["errors"] == [
            {"row": 1, "column": "区划代码(unit_code)", "value": "", "reason": "缺少必需的列 / required column is missing"}]

    def test_spreadsheet_from_another_program_with_a_title_row_imports(self, district, admin):
        rows = [["2024年新增村庄"], ["序号", "统计用区划代码", "名称", "上级区划代码"],
                [1, 110109104204, "柏峪村", 110109104000], [2, 110109104205, "黄岭西村", "bad"]]
        body = upload(district, admin, "units", xlsx_file(rows), "村庄.xlsx", mode="clean_rows").json()
        assert body["applied"] == 1 and body["ignored_columns"] == ["序号"]
        assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "上级区划代码(parent_code)")]


class TestOrganizationsImport:
    HEADER = ["统一社会信用代码", "组织名称", "所属区划代码", "法定代表人", "状态"]

    def test_wrong_check_character_is_reported_with_the_expected_one(self, district, officer):
        good = make_credit_code("N2", "110109", 7)
        bad = good[:17] + ("0" if good[17] != "0" else "1")
        rows = [self.HEADER, [good, "爨底下村股份经济合作社", "110109104201", "王建国", "正常"],
                [bad, "灵水村股份经济合作社", "110109104202", "李明", ""]]
        body = upload(district, officer, "organizations", csv_file(rows)).json()
        assert [{k: e[k] for k in ("row", "column", "value", "reason")} for e in body["errors"]] == [{"row": 3, "column": "统一社会信用代码(credit_code)", "value": bad,
                                   "reason": f"统一社会信用代码校验位应为 {good[17]} / check character should be "
                                             f"{good[17]}"}]

    def test_xlsx_from_another_program_imports_and_again_is_unchanged(self, district, officer):
        rows = [self.HEADER, [make_credit_code("N2", "110109", 8), "爨底下村股份经济合作社", 110109104201, "王建国", "正常"]]
        content = xlsx_file(rows)
        first = upload(district, officer, "organizations", content, "orgs.xlsx").json()
        again = upload(district, officer, "organizations", content, "orgs.xlsx").json()
        assert (first["applied"], again["applied"], again["unchanged"]) == (1, 0, 1)
        org = district.get(f"/v1/organizations/{make_credit_code('N2', '110109', 8)}", headers=officer).json()
        assert (org["level"], org["unit_code"], org["town_code"]) == ("village", "110109104201", TOWN)


class TestStatisticsImport:
    def test_gb18030_csv_with_chinese_headings_applies(self, district, officer, admin):
        rows = [["区划代码", "村名", "户数", "集体经营性收入", "数据来源"],
                ["110109104201", "爨底下村", "212", "520000.1", "2024年报"],
                ["110109104202", "灵水村", "180", "", "2024年报"]]
        body = upload(district, officer, "statistics", csv_file(rows, "gb18030"), year=2024).json()
        assert (body["status"], body["applied"]) == ("applied", 2)
        values = district.get("/v1/statistics", params={"year": 2024}, headers=admin).json()["items"]
        assert values[0]["values"] == {"households": 212, "collective_operating_income": "520000.10"}

    def test_utf8_bom_csv_with_english_keys_applies(self, district, admin):
        rows = [["unit_code", "year", "households"], ["110109105201", "2023", "80"]]
        content = csv_file(rows, "utf-8-sig")
        assert content.startswith(b"\xef\xbb\xbf")
        assert upload(district, admin, "statistics", content).json()["applied"] == 1

    def test_bad_values_name_their_column(self, district, admin):
        rows = [["区划代码", "年度", "户数", "集体负债（村级债务）"], ["110109104201", "2024", "10.5", "1"],
                ["110109104202", "2024", "10", "1.005"], ["110109104203", "24", "", ""]]
        body = upload(district, admin, "statistics", csv_file(rows), dry_run="true").json()
        assert [(e["row"], e["column"]) for e in body["errors"]] == [
            (2, "户数(households)"), (3, "集体负债（村级债务）(collective_debt)"), (4, "年度(year)")]

    def test_a_changed_value_is_a_correction_kept_in_history(self, district, admin):
        first = [["区划代码", "年度", "户数"], ["110109104201", "2024", "212"]]
        upload(district, admin, "statistics", csv_file(first))
        second = [["区划代码", "年度", "户数", "数据来源"], ["110109104201", "2024", "215", "审计调整"]]
        assert upload(district, admin, "statistics", csv_file(second)).json()["applied"] == 1
        items = district.get("/v1/units/110109104201/statistics", params={"year": 2024, "history": True},
                             headers=admin).json()["items"]
        assert (items[0]["value"], items[0]["source"], items[0]["history"][0]["value"]) == (215, "审计调整", 212)


def feed(client, headers) -> list[dict]:
    return client.get("/v1/changes", params={"limit": 500}, headers=headers).json()["items"]


def stored(client, query):
    engine = make_engine(str(client.app.state.settings.resolved_database_url()))
    try:
        with Session(engine) as session:
            return query(session)
    finally:
        engine.dispose()


class TestImportWrites:
    """New rows go in a batch at a time (COPY on PostgreSQL): the same rows, ids and feed as one by one."""

    def test_each_new_row_is_in_the_feed_once_in_file_order_before_later_changes(self, district, admin):
        before = feed(district, admin)
        upload(district, admin, "units", csv_file(CLEAN))
        figures = [["区划代码", "年度", "户数", "collective_debt"], ["110109104204", "2024", "12", "3.5"],
                   ["110109104205", "2024", "14", ""]]
        upload(district, admin, "statistics", csv_file(figures))
        district.patch("/v1/units/110109104201", json={"name_en": "Cuandixia"}, headers={**admin, "If-Match": '"1"'})
        added = feed(district, admin)[len(before):]
        assert [(c["entity"], c["key"], c["action"]) for c in added] == [
            ("unit", "110109104204", "create"), ("unit", "110109104205", "create"), ("unit", "110109104206", "create"),
            ("statistic", "110109104204/2024/households", "create"),
            ("statistic", "110109104204/2024/collective_debt", "create"),
            ("statistic", "110109104205/2024/households", "create"), ("unit", "110109104201", "update")]
        seqs = [c["seq"] for c in before + added]
        assert seqs == sorted(set(seqs))
        assert stored(district, audit.verify_chain).ok

    def test_a_village_under_a_town_the_same_file_opens_points_at_that_town(self, district, admin):
        rows = [UNIT_HEADER, ["110109106000", "新镇", DISTRICT, "镇", "", "2021-01-01"],
                village("110109106201", "新村", "110109106000"), village("110109106202", "二村", "110109106000")]
        assert upload(district, admin, "units", csv_file(rows)).json()["applied"] == 3
        found = stored(district, lambda session: session.execute(
            select(Unit.unit_code, Unit.id, Unit.parent_id).where(Unit.unit_code.like("110109106%"))).all())
        ids = {code: unit_id for code, unit_id, _ in found}
        assert {code: parent for code, _, parent in found} == {
            "110109106000": ids_of(district, DISTRICT), "110109106201": ids["110109106000"],
            "110109106202": ids["110109106000"]}


def ids_of(client, code: str) -> int:
    return stored(client, lambda session: session.execute(select(Unit.id).where(Unit.unit_code == code)).scalar_one())
