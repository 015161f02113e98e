"""Ledger imports through the API: the registry's row report, all-or-nothing, dry run and idempotence,
for contracts, debts, assets and resources; exports that import back unchanged and never hold a formula."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from services.assets.ledgers.contract_flags import STEP_NAMES, STEPS
from tests.assets.test_ledgers import COMPANY, ID_NUMBER, village_organizations

pytestmark = pytest.mark.db

CONTRACT_HEADER = ["统一社会信用代码", "合同编号", "承包方类型", "承包方名称", "承包方统一社会信用代码", "承包方身份证号",
                   "标的类型", "用途", "面积(亩)", "签订日期", "起始日期", "终止日期", "年租金", "付款周期(月)",
                   *[f"{STEP_NAMES[s][0]}日期" for s in STEPS]]
DEBT_HEADER = ["统一社会信用代码", "债务编号", "债权人类型", "债权人", "债务成因", "本金", "利息", "发生日期", "到期日期",
               "审批文号", "化解方式", "责任人"]
STEP_DATES = ["2024-01-05", "2024-01-12", "2024-01-19", "2024-01-26", "2024-02-02", "2024-02-09", "2024-03-10"]


def csv_file(rows: list[list]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


def xlsx_file(rows: list[list]) -> bytes:
    """A workbook written by another program (openpyxl), as a user's own spreadsheet would be."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, headers, kind: str, content: bytes, name: str = "ledger.csv", **params):
    return client.post("/v1/imports", params={"kind": kind, **params}, files={"file": (name, content)},
                       headers=headers)


def contract_row(credit_code: str, number: str, **changes) -> list:
    row = {"credit_code": credit_code, "number": number, "counterparty_kind": "个人", "name": "张建国",
           "company": "", "id_number": ID_NUMBER, "kind": "耕地", "use": "种植", "area": "12.5",
           "signed": "2024-03-01", "start": "2024-04-01", "end": "2034-03-31", "rent": "12000", "cycle": "12"}
    return list((row | changes).values()) + STEP_DATES


def debt_row(credit_code: str, number: str, **changes) -> list:
    row = {"credit_code": credit_code, "number": number, "creditor_kind": "银行", "creditor": "京西农商银行",
           "origin": "工程建设", "principal": "500000", "interest": "12000.50", "incurred": "2021-06-01",
           "due": "2026-06-01", "approval": "", "disposal": "偿还", "person": "王建国"}
    return list((row | changes).values())


def listed(client, headers, path: str) -> list[dict]:
    return client.get(path, params={"limit": 500}, headers=headers).json()["items"]


def audit_records(client, headers) -> int:
    return client.get("/v1/audit/verify", headers=headers).json()["checked"]


@pytest.fixture
def orgs(district):
    return village_organizations(district, 3)


class TestAccess:
    def test_anonymous_is_refused(self, assets):
        assert upload(assets, {}, "debts", b"x").status_code == 401

    def test_readers_may_not_import(self, assets, as_role):
        for role in ("viewer", "auditor", "assessment_officer"):
            assert upload(assets, as_role(role), "debts", csv_file([DEBT_HEADER])).status_code == 403

    def test_an_unknown_kind_is_refused_naming_it(self, assets, lead):
        response = upload(assets, lead, "payments", csv_file([DEBT_HEADER]))
        assert response.status_code == 422 and response.json()["errors"][0]["field"].endswith("kind")

    def test_a_town_officer_may_import_only_their_towns_rows(self, assets, as_role, district, orgs):
        own = orgs[0]
        other = next(o for o in village_organizations(district, 500) if o["town_code"] != own["town_code"])
        officer = as_role("town_officer", subject="officer", towns=(own["town_code"],))
        rows = [DEBT_HEADER, debt_row(own["credit_code"], "D-1"), debt_row(other["credit_code"], "D-2")]
        report = upload(assets, officer, "debts", csv_file(rows), dry_run="true").json()
        assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "统一社会信用代码(credit_code)")]


class TestImport:
    def test_a_clean_contract_file_applies(self, assets, lead, orgs):
        company = contract_row(orgs[1]["credit_code"], "HT-2", counterparty_kind="企业", name="京西农业发展有限公司",
                               company=COMPANY, id_number="", kind="construction", rent="1,200,000.00")
        content = csv_file([CONTRACT_HEADER, contract_row(orgs[0]["credit_code"], "HT-1"), company])
        response = upload(assets, lead, "contracts", content)
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["applied"]) == ("applied", 2)
        made = {c["number"]: c for c in listed(assets, lead, "/v1/contracts")}
        assert made["HT-1"]["counterparty_id_number"] == ID_NUMBER and made["HT-1"]["area_mu"] == "12.50"
        assert made["HT-1"]["procedure"]["result_public"]["on"] == "2024-03-10"
        assert made["HT-1"]["organization_name"] == orgs[0]["name"]
        assert (made["HT-2"]["counterparty_credit_code"], made["HT-2"]["annual_rent"]) == (COMPANY, "1200000.00")

    def test_three_bad_rows_apply_nothing_and_are_reported_exactly(self, assets, lead, orgs):
        code = orgs[0]["credit_code"]
        rows = [DEBT_HEADER, debt_row(code, "D-1"), debt_row(code, "D-2", principal="五十万"),
                debt_row(code, "D-3"), debt_row(code, "D-4", due="2020-01-01"),
                debt_row("91110109MA01ABCD2X", "D-5"), debt_row(code, "D-6", interest="1.50")]
        before = audit_records(assets, lead)
        response = upload(assets, lead, "debts", csv_file(rows))
        assert response.status_code == 422
        report = response.json()
        assert [(e["row"], e["column"]) for e in report["errors"]] == [
            (3, "本金(principal)"), (5, "到期日期(due_on)"), (6, "统一社会信用代码(credit_code)")]
        assert report["errors"][0]["value"] == "五十万"
        assert (report["rows"], report["clean_rows"], report["applied"]) == (6, 3, 0)
        assert listed(assets, lead, "/v1/debts") == []
        assert audit_records(assets, lead) == before

    def test_clean_rows_mode_keeps_the_clean_ones_and_a_dry_run_keeps_nothing(self, assets, lead, orgs):
        code = orgs[0]["credit_code"]
        content = csv_file([DEBT_HEADER, debt_row(code, "D-1"), debt_row(code, "D-2", disposal="赖账"),
                            debt_row(code, "D-3", interest="1.005")])
        checked = upload(assets, lead, "debts", content, mode="clean_rows", dry_run="true").json()
        assert (checked["status"], checked["applied"], listed(assets, lead, "/v1/debts")) == ("validated", 1, [])
        applied = upload(assets, lead, "debts", content, mode="clean_rows").json()
        assert (applied["status"], applied["applied"]) == ("applied", 1)
        assert [(e["row"], e["column"]) for e in applied["errors"]] == [(3, "化解方式(disposal)"), (4, "利息(interest)")]
        assert [d["number"] for d in listed(assets, lead, "/v1/debts")] == ["D-1"]

    def test_the_same_file_twice_changes_nothing(self, assets, lead, orgs):
        content = csv_file([DEBT_HEADER, *(debt_row(o["credit_code"], f"D-{i}") for i, o in enumerate(orgs))])
        assert upload(assets, lead, "debts", content).json()["applied"] == len(orgs)
        stored, records = listed(assets, lead, "/v1/debts"), audit_records(assets, lead)
        again = upload(assets, lead, "debts", content).json()
        assert (again["applied"], again["unchanged"]) == (0, len(orgs))
        assert listed(assets, lead, "/v1/debts") == stored and audit_records(assets, lead) == records

    def test_a_changed_cell_changes_only_that_record(self, assets, lead, orgs):
        code = orgs[0]["credit_code"]
        upload(assets, lead, "debts", csv_file([DEBT_HEADER, debt_row(code, "D-1"), debt_row(code, "D-2")]))
        report = upload(assets, lead, "debts", csv_file([DEBT_HEADER, debt_row(code, "D-1"),
                                                         debt_row(code, "D-2", approval="门政发〔2021〕3号")])).json()
        assert (report["applied"], report["unchanged"]) == (1, 1)
        found = {d["number"]: d for d in listed(assets, lead, "/v1/debts")}
        assert (found["D-1"]["version"], found["D-2"]["version"]) == (1, 2)
        assert found["D-2"]["approval_reference"] == "门政发〔2021〕3号"

    def test_a_file_naming_many_organizations_reads_them_in_pages_and_still_refuses_an_unknown_one(
            self, assets, lead, district):
        many = village_organizations(district, 30)
        rows = [debt_row(o["credit_code"], "D-1") for o in many]
        rows.insert(25, debt_row("91110109MA01ABCD2X", "D-1"))
        report = upload(assets, lead, "debts", csv_file([DEBT_HEADER, *rows]), mode="clean_rows").json()
        assert [(e["row"], e["column"]) for e in report["errors"]] == [(27, "统一社会信用代码(credit_code)")]
        assert report["applied"] == 30
        stored = {d["credit_code"]: d for d in listed(assets, lead, "/v1/debts")}
        assert {(o["credit_code"], o["name"], o["town_code"]) for o in many} == {
            (c, d["organization_name"], d["town_code"]) for c, d in stored.items()}
        assert all(d["unit_name"] for d in stored.values())

    def test_a_person_replaced_by_an_enterprise_leaves_no_id_number_behind(self, assets, lead, orgs):
        code = orgs[0]["credit_code"]
        upload(assets, lead, "contracts", csv_file([CONTRACT_HEADER, contract_row(code, "HT-1")]))
        company = contract_row(code, "HT-1", counterparty_kind="企业", name="京西农业发展有限公司", company=COMPANY,
                               id_number="")
        report = upload(assets, lead, "contracts", csv_file([CONTRACT_HEADER, company])).json()
        assert (report["applied"], report["unchanged"]) == (1, 0)
        stored = listed(assets, lead, "/v1/contracts")[0]
        assert (stored["counterparty_credit_code"], stored["counterparty_id_number"]) == (COMPANY, None)

    def test_a_row_repeated_in_the_file_is_refused_naming_the_first(self, assets, lead, orgs):
        code = orgs[0]["credit_code"]
        report = upload(assets, lead, "debts", csv_file([DEBT_HEADER, debt_row(code, "D-1"), debt_row(code, "D-1")]),
                        dry_run="true").json()
        assert [(e["row"], e["reason"].split(" / ")[1]) for e in report["errors"]] == [(3, "repeats row 2")]

    def test_an_openpyxl_workbook_of_assets_and_resources_imports(self, assets, lead, orgs):
        code = orgs[0]["credit_code"]
        asset_rows = [["统一社会信用代码", "资产编号", "资产名称", "资产类别", "账面价值", "取得日期", "坐落位置", "状态"],
                      [code, "ZC-1", "村委会办公楼", "房屋建筑", 820000.5, date(2012, 5, 1), "村中心", "在用"],
                      [code, "ZC-2", "旧库房", "building", 150000, None, "", "闲置"]]
        response = upload(assets, lead, "assets", xlsx_file(asset_rows), name="assets.xlsx")
        assert response.status_code == 200, response.text
        found = {a["code"]: a for a in listed(assets, lead, "/v1/inventory/assets")}
        assert (found["ZC-1"]["book_value"], found["ZC-1"]["acquired_on"]) == ("820000.50", "2012-05-01")
        assert (found["ZC-2"]["kind"], found["ZC-2"]["status"]) == ("building", "idle")
        resource_rows = [["统一社会信用代码", "资源编号", "资源名称", "资源类型", "面积（亩）", "状态"],
                         [code, "ZY-1", "东沟耕地", "耕地", 35.2, "已发包"], [code, "ZY-2", "后山林地", "林地", 0, "自营"]]
        report = upload(assets, lead, "resources", xlsx_file(resource_rows), name="r.xlsx").json()
        assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "面积亩(area_mu)")]


    def test_a_contract_names_the_resources_it_lets_by_their_codes(self, assets, lead, orgs):
        code = orgs[0]["credit_code"]
        resources = [["统一社会信用代码", "资源编号", "资源名称", "资源类型", "面积亩"], [code, "ZY-1", "东沟耕地", "耕地", "30"],
                     [code, "ZY-2", "西沟耕地", "耕地", "20"]]
        assert upload(assets, lead, "resources", csv_file(resources)).json()["applied"] == 2
        ids = {r["code"]: r["id"] for r in listed(assets, lead, "/v1/inventory/resources")}
        header = [*CONTRACT_HEADER, "发包资源编号"]
        refused = upload(assets, lead, "contracts", csv_file([header, [*contract_row(code, "HT-1"), "ZY-1、ZY-9"]]))
        assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [(2, "发包资源编号(resource_codes)")]
        applied = upload(assets, lead, "contracts", csv_file([header, [*contract_row(code, "HT-1"), "ZY-2, ZY-1"]]))
        assert applied.status_code == 200, applied.text
        assert listed(assets, lead, "/v1/contracts")[0]["resource_ids"] == [ids["ZY-2"], ids["ZY-1"]]
        exported = assets.get("/v1/exports/contracts.xlsx", headers=lead).content
        row = dict(zip(*[[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(exported)).active.iter_rows(
            max_row=2)], strict=True))
        assert row["发包资源编号(resource_codes)"] == "ZY-2、ZY-1"
        again = upload(assets, lead, "contracts", exported, name="c.xlsx").json()
        assert (again["applied"], again["unchanged"]) == (0, 1)


class TestExport:
    def test_an_exported_ledger_imports_back_unchanged(self, assets, lead, orgs):
        code = orgs[0]["credit_code"]
        upload(assets, lead, "contracts", csv_file([CONTRACT_HEADER, contract_row(code, "HT-1"),
                                                     contract_row(code, "HT-2", use="=HYPERLINK(\"x\")")]))
        for kind in ("contracts", "debts", "assets", "resources"):
            exported = assets.get(f"/v1/exports/{kind}.xlsx", headers=lead)
            assert exported.status_code == 200
            report = upload(assets, lead, kind, exported.content, name=f"{kind}.xlsx").json()
            assert (report["status"], report["applied"], report["error_count"]) == ("applied", 0, 0), report
        assert report is not None

    def test_text_is_never_a_formula_and_ids_are_masked_as_the_reader_sees_them(self, assets, lead, as_role, orgs):
        code = orgs[0]["credit_code"]
        upload(assets, lead, "contracts", csv_file([CONTRACT_HEADER, contract_row(code, "HT-1", use="=1+2",
                                                                                  name="@张三")]))
        exported = assets.get("/v1/exports/contracts.xlsx", headers=as_role("viewer")).content
        with zipfile.ZipFile(io.BytesIO(exported)) as archive:
            assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
        sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
        headings = [c.value for c in sheet[1]]
        row = dict(zip(headings, [c.value for c in sheet[2]], strict=False))
        assert (row["用途(use)"], row["承包方名称(counterparty_name)"]) == ("=1+2", "@张三")
        assert row["承包方身份证号(counterparty_id_number)"] == "110101********" + ID_NUMBER[-4:]
        assert Decimal(str(row["年租金(annual_rent)"])) == Decimal("12000")

    def test_a_masked_id_number_stands_for_the_stored_one_when_imported_back(self, assets, lead, as_role, orgs):
        code = orgs[0]["credit_code"]
        upload(assets, lead, "contracts", csv_file([CONTRACT_HEADER, contract_row(code, "HT-1")]))
        officer = as_role("town_officer", subject="officer", towns=(orgs[0]["town_code"],))
        exported = assets.get("/v1/exports/contracts.xlsx", headers=officer).content
        report = upload(assets, officer, "contracts", exported, name="c.xlsx").json()
        assert (report["applied"], report["unchanged"]) == (0, 1)
        assert listed(assets, lead, "/v1/contracts")[0]["counterparty_id_number"] == ID_NUMBER
