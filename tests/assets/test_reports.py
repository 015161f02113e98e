"""Reports: an engagement's report as PDF (its text read back with pypdf) and .xlsx (read with
openpyxl), who may fetch it, and the year's summary against a direct count of hand-made findings."""

import io
from collections import Counter
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.assets.fieldwork import approve_plan, fill, step, team_headers

pytestmark = pytest.mark.db
YEAR = 2026


@pytest.fixture
def planned(assets, lead, staffed):
    return approve_plan(assets, lead)


def village_names(assets, lead) -> dict[str, tuple[str, str]]:
    """credit code → (village, town) as the approved plan names them."""
    plan = assets.get("/v1/plans", headers=lead).json()["items"][0]
    rows = assets.get(f"/v1/plans/{plan['id']}", headers=lead).json()
    return {r["credit_code"]: (r["unit_name"], r["town_name"]) for r in rows["key_audits"] + rows["inspections"]}


def accepted(assets, as_role, lead, engagement: dict, no: frozenset[str], manual: list[dict] = ()) -> list[dict]:
    """Takes an engagement through the field to accepted; returns its findings as the API lists them."""
    member, team_lead = team_headers(as_role, engagement)
    eid = engagement["id"]
    assert step(assets, eid, "start", member).status_code == 200
    fill(assets, eid, member, no=no)
    assert step(assets, eid, "submit", member).status_code == 200
    for index, body in enumerate(manual):
        made = assets.post(f"/v1/engagements/{eid}/findings", json=body,
                           headers=team_lead | {"Idempotency-Key": f"report-{eid}-{index}"})
        assert made.status_code == 201, made.text
    assert step(assets, eid, "accept", lead).json()["status"] == "accepted"
    return assets.get(f"/v1/engagements/{eid}/findings", headers=member).json()["items"]


def set_deadline(assets, finding: dict, headers: dict, deadline: str) -> None:
    changed = assets.patch(f"/v1/findings/{finding['id']}/rectification",
                           json={"owner": "村会计 李某", "deadline": deadline, "actions": "补办手续"},
                           headers=headers | {"If-Match": f'"{finding["rectification"]["version"]}"'})
    assert changed.status_code == 200, changed.text


def inspections(planned: list[dict]) -> list[dict]:
    return [e for e in planned if e["kind"] == "inspection"]


MANUAL = {"severity": "serious", "category": "leasing", "title": "机动地低价发包给村干部亲属",
          "basis": "《农村土地承包法》；涉地经济合同管理办法", "amount": "56800.00",
          "responsible_unit": "村股份经济合作社", "responsible_person": "村委会主任 王某"}


class TestEngagementReport:
    @pytest.fixture
    def reported(self, assets, as_role, lead, planned):
        target = inspections(planned)[0]
        found = accepted(assets, as_role, lead, target, frozenset({"cash.count", "bank.reconciled"}), [MANUAL])
        member, _ = team_headers(as_role, target)
        set_deadline(assets, next(f for f in found if f["item_code"] == "cash.count"), member, "2020-03-31")
        return target, member, village_names(assets, lead)[target["credit_code"]]

    def test_anonymous_is_refused(self, assets, planned):
        assert assets.get(f"/v1/engagements/{planned[0]['id']}/report.pdf").status_code == 401

    def test_an_integration_client_may_not_read_reports(self, assets, as_role, planned):
        response = assets.get(f"/v1/engagements/{planned[0]['id']}/report.xlsx", headers=as_role("integration"))
        assert response.status_code == 403

    def test_an_auditor_of_another_team_gets_neither_file(self, assets, as_role, planned):
        target = inspections(planned)[0]
        members = {m["username"] for m in target["team"]}
        other = next(m["username"] for e in planned for m in e["team"] if m["username"] not in members)
        for suffix in ("pdf", "xlsx"):
            response = assets.get(f"/v1/engagements/{target['id']}/report.{suffix}", headers=as_role("auditor", other))
            assert response.status_code == 404
            assert response.json()["code"] == "engagement_not_found"

    def test_the_pdf_holds_the_village_the_findings_and_their_rectification(self, assets, reported):
        target, member, (village, town) = reported
        response = assets.get(f"/v1/engagements/{target['id']}/report.pdf", headers=member)
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        assert "filename*=UTF-8''" in response.headers["content-disposition"]
        pdf = PdfReader(io.BytesIO(response.content))
        text = "".join(page.extract_text() for page in pdf.pages).replace(" ", "")
        assert village in text and town in text and target["organization_name"] in text
        for words in ("现场盘点库存现金，账实相符", "按月编制银行存款余额调节表", MANUAL["title"], "56,800.00",
                      "村委会主任王某", "涉地经济合同管理办法", "逾期", "严重", "较重", "现金管理", "现场发现问题"):
            assert words in text, words
        fonts = {font.get_object()["/BaseFont"]: font.get_object() for page in pdf.pages
                 for font in page["/Resources"]["/Font"].values()}
        assert fonts and all("WenQuanYi" in name or "ZX" in name for name in fonts)
        for font in fonts.values():  # a CID font whose TrueType program is in the file
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"].get_object()

    def test_the_xlsx_has_a_row_for_each_finding(self, assets, reported):
        target, member, (village, _) = reported
        response = assets.get(f"/v1/engagements/{target['id']}/report.xlsx", headers=member)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0].startswith("序号")
        by_title = {r[8]: r for r in rows[1:]}
        assert set(by_title) == {"现场盘点库存现金，账实相符", "按月编制银行存款余额调节表，账账相符", MANUAL["title"]}
        manual = by_title[MANUAL["title"]]
        assert manual[1] == village and manual[6] == "严重" and manual[11] == 56800.0
        assert by_title["现场盘点库存现金，账实相符"][14] == "逾期"


def test_a_report_before_the_start_says_the_checklist_is_not_started(assets, lead, planned):
    response = assets.get(f"/v1/engagements/{planned[0]['id']}/report.pdf", headers=lead)
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).replace(" ", "")
    assert "检查尚未开始" in text and "未发现问题" in text


class TestSummary:
    def test_a_year_out_of_range_is_refused_naming_the_field(self, assets, lead):
        response = assets.get("/v1/summary", params={"year": 1999}, headers=lead)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "year"

    def test_figures_equal_a_direct_count_of_the_findings_made(self, assets, as_role, lead, planned):
        first, second, third = inspections(planned)[:3]
        made = accepted(assets, as_role, lead, first, frozenset({"cash.count", "spending.approval"}), [MANUAL])
        made += accepted(assets, as_role, lead, second, frozenset({"bank.single_account"}),
                         [MANUAL | {"severity": "general", "amount": "100.25", "title": "凭证不全"}])
        member, _ = team_headers(as_role, first)
        overdue = next(f for f in made if f["engagement_id"] == first["id"] and f["item_code"] == "cash.count")
        set_deadline(assets, overdue, member, "2020-01-31")
        verified = next(f for f in made if f["engagement_id"] == second["id"] and f["source"] == "manual")
        _, second_lead = team_headers(as_role, second)
        done = assets.post(f"/v1/findings/{verified['id']}/rectification/verify", json={
            "outcome": "accepted", "comment": "历史遗留"}, headers=second_lead | {"If-Match": '"1"'})
        assert done.status_code == 200, done.text
        third_member, _ = team_headers(as_role, third)  # submitted, not accepted: its findings do not count yet
        step(assets, third["id"], "start", third_member)
        fill(assets, third["id"], third_member, no=frozenset({"debt.ledger"}))
        step(assets, third["id"], "submit", third_member)

        summary = assets.get("/v1/summary", params={"year": YEAR}, headers=lead).json()
        towns = {e["id"]: e["town_code"] for e in planned}
        assert summary["findings"] == len(made) == 5
        assert {g["code"]: g["findings"] for g in summary["by_severity"]} == (
            {"general": 0, "major": 0, "serious": 0} | Counter(f["severity"] for f in made))
        assert {g["code"]: g["findings"] for g in summary["by_category"]} == Counter(f["category"] for f in made)
        assert {g["code"]: g["findings"] for g in summary["by_town"]} == Counter(towns[f["engagement_id"]]
                                                                               for f in made)
        assert Decimal(summary["amount"]) == sum(Decimal(f["amount"] or 0) for f in made) == Decimal("56900.25")
        assert summary["rectified"] == 1 and summary["rectification_rate"] == round(1 / 5, 4)
        assert summary["overdue"] == 1 and [o["id"] for o in summary["overdue_items"]] == [overdue["id"]]
        assert summary["overdue_items"][0]["unit_name"] == village_names(assets, lead)[first["credit_code"]][0]
        key, inspection = summary["progress"]
        assert (key["kind"], key["target"], key["engagements"], key["done"]) == (
            "key_audit", 60, sum(e["kind"] == "key_audit" for e in planned), 0)
        assert (inspection["target"], inspection["done"]) == (90, 2)
        assert inspection["by_status"] | {"planned": 0} == {"planned": 0, "in_progress": 0, "submitted": 1,
                                                            "returned": 0, "accepted": 2, "closed": 0}
        assert inspection["engagements"] == sum(e["kind"] == "inspection" for e in planned)

        sheet = load_workbook(io.BytesIO(assets.get("/v1/summary.xlsx", params={"year": YEAR}, headers=lead)
                                         .content), read_only=True).active
        rows = [r for r in sheet.iter_rows(values_only=True)]
        assert ("整改 Rectification", "问题总数 findings", 5, None, None, 56900.25) in rows
        assert any(r[0] == "逾期问题 Overdue" and overdue["title"] in r[1] for r in rows)

    def test_an_auditor_sees_the_year_of_their_own_engagements(self, assets, as_role, planned):
        target = inspections(planned)[0]
        member, _ = team_headers(as_role, target)
        username = next(m["username"] for m in target["team"] if not m["lead"])
        mine = sum(username in {m["username"] for m in e["team"]} for e in planned)
        progress = assets.get("/v1/summary", params={"year": YEAR}, headers=member).json()["progress"]
        assert sum(p["engagements"] for p in progress) == mine < len(planned)


def test_answers_read_as_a_report_says_them():
    from services.assets.fieldwork.checklist_templates import Item
    from services.assets.reports.engagement_report import answer_text

    def item(kind: str, **extra) -> Item:
        return Item(code="x", type=kind, section="s", label_zh="项", label_en="item", **extra)

    assert [answer_text(item("yes_no"), v) for v in ("yes", "no", "na", None)] == ["是", "否", "不适用", "—"]
    assert answer_text(item("money"), "38600.5") == "38,600.50 元"
    assert answer_text(item("number", unit="个"), "2") == "2 个"
    options = {"options": [{"code": "party", "zh": "党务", "en": "Party"}, {"code": "village", "zh": "村务", "en": "V"}]}
    assert answer_text(item("choices", extra=options), ["party", "village"]) == "党务、村务"
    assert answer_text(item("choice", extra=options), "village") == "村务"
    assert answer_text(item("evidence"), ["a", "b"]) == "2 份证据"
