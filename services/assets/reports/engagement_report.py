"""The engagement report (审计/检查报告): one engagement's checklist answers, findings and their
rectification, as a PDF the office files and as an .xlsx of its findings.

`engagement_report` reads everything into plain data; `report_pdf` and `write_findings` lay it out
without the database, so a slow render holds no connection. The PDF embeds WenQuanYi Micro Hei, a
TrueType CJK font that WeasyPrint subsets in a fraction of the time the big OpenType CJK fonts take.
"""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlmodel import Session

from services.assets.fieldwork import checklist_templates, engagements
from services.assets.fieldwork.findings import effective_status
from services.assets.fieldwork.models import ChecklistTemplate, Engagement, Finding, Rectification
from services.assets.plan.models import PlanRow
from services.common.spreadsheets import write_xlsx

TEMPLATES = Path(__file__).parent / "templates"
SHANGHAI = ZoneInfo("Asia/Shanghai")
KIND_NAMES = {"key_audit": ("重点审计", "Key audit"), "inspection": ("定期检查", "Periodic inspection")}
STATUS_NAMES = {"planned": "计划", "in_progress": "实施中", "submitted": "已提交", "returned": "已退回",
                "accepted": "已验收", "closed": "已关闭"}
SEVERITY_NAMES = {"general": ("一般", "General"), "major": ("较重", "Major"), "serious": ("严重", "Serious")}
RECTIFICATION_NAMES = {"open": "待整改", "submitted": "已报送", "verified": "已核实", "accepted": "接受现状",
                       "overdue": "逾期"}
YES_NO_NAMES = {"yes": "是", "no": "否", "na": "不适用"}
# Finding categories that are no checklist section of their own.
EXTRA_CATEGORIES = {"leasing": ("租赁发包", "Leasing and letting"), "resources": ("资源管理", "Resources")}
# Two cores render a report each at most; more would only slow every one of them down.
RENDERS = threading.BoundedSemaphore(2)


def category_names(session: Session) -> dict[str, tuple[str, str]]:
    """Category code → (Chinese, English): the checklist sections of every published template, and a few more."""
    names = dict(EXTRA_CATEGORIES)
    for sections in session.scalars(select(ChecklistTemplate.sections).order_by(ChecklistTemplate.version)):
        names |= {s["code"]: (s["zh"], s["en"]) for s in sections}
    return names


def village_of(session: Session, engagement: Engagement) -> PlanRow:
    """The plan's row names the village and town (the engagement keeps only their codes)."""
    return session.get(PlanRow, engagement.plan_row_id)


def engagement_report(session: Session, engagement: Engagement, today: date | None = None) -> dict:
    """Everything the report shows, as plain data."""
    today = today or datetime.now(UTC).date()
    row = village_of(session, engagement)
    work = engagements.fieldwork_of(session, engagement)
    kind_zh, kind_en = KIND_NAMES[engagement.kind]
    report = {
        "id": engagement.id, "year": engagement.year, "kind": engagement.kind, "kind_zh": kind_zh, "kind_en": kind_en,
        "quarter": engagement.quarter, "status": engagement.status, "status_zh": STATUS_NAMES[engagement.status],
        "organization_name": engagement.organization_name, "credit_code": engagement.credit_code,
        "unit_code": engagement.unit_code, "unit_name": row.unit_name, "town_name": row.town_name,
        "team": [{"name": m["name"], "lead": m["lead"]} for m in engagement.team],
        "dates": _dates(work), "template": None, "sections": [],
        "printed_at": _local(datetime.now(UTC)), "today": today.isoformat()}
    if work is not None:
        template = checklist_templates.get_template(session, work.template_id)
        report["template"] = {"title_zh": template.title_zh, "title_en": template.title_en,
                              "version": template.version}
        report["sections"] = _sections(template, checklist_templates.template_items(session, template.id),
                                       engagements.answers_of(session, engagement.id))
        report["review_comment"] = work.review_comment
    report["findings"] = _findings(session, engagement.id, category_names(session), today)
    report["totals"] = _totals(report["findings"])
    return report


def _local(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _dates(work) -> dict:
    names = ("started_at", "submitted_at", "reviewed_at", "closed_at")
    return {name: _local(getattr(work, name)) if work else None for name in names}


def _sections(template: ChecklistTemplate, items: dict[str, checklist_templates.Item], answers: dict) -> list[dict]:
    values = {code: (a.value or {}).get("v") for code, a in answers.items()}
    sections = []
    for section in template.sections:
        rows = []
        for item in items.values():
            if item.section != section["code"] or not checklist_templates.visible(item, values):
                continue
            answer = answers.get(item.code)
            rows.append({"code": item.code, "label_zh": item.label_zh, "label_en": item.label_en,
                         "value": answer_text(item, values.get(item.code)), "no": values.get(item.code) == "no",
                         "note": answer.note if answer else None})
        sections.append({"code": section["code"], "zh": section["zh"], "en": section["en"], "items": rows})
    return sections


def answer_text(item: checklist_templates.Item, value) -> str:
    """An answer as a reader of the report says it: 是/否, the option's name, the amount with its unit."""
    if value in (None, "", []):
        return "—"
    if item.type == "yes_no":
        return YES_NO_NAMES.get(value, str(value))
    if item.type in ("choice", "choices"):
        names = {o["code"]: o["zh"] for o in item.extra["options"]}
        return "、".join(names.get(v, v) for v in (value if isinstance(value, list) else [value]))
    if item.type == "money":
        return f"{Decimal(value):,.2f} 元"
    if item.type == "evidence":
        return f"{len(value)} 份证据"
    return f"{value} {item.unit}" if item.unit else str(value)


def _findings(session: Session, engagement_id: int, categories: dict, today: date) -> list[dict]:
    rows = session.execute(select(Finding, Rectification).join(Rectification, Rectification.finding_id == Finding.id)
                           .where(Finding.engagement_id == engagement_id).order_by(Finding.id)).all()
    found = []
    for number, (finding, rectification) in enumerate(rows, start=1):
        status = effective_status(rectification, today)
        found.append({
            "number": number, "id": finding.id, "severity": finding.severity,
            "severity_zh": SEVERITY_NAMES[finding.severity][0], "category": finding.category,
            "category_zh": categories.get(finding.category, (finding.category,))[0], "title": finding.title,
            "description": finding.description, "basis": finding.basis, "amount": finding.amount,
            "responsible_unit": finding.responsible_unit, "responsible_person": finding.responsible_person,
            "status": status, "status_zh": RECTIFICATION_NAMES[status], "owner": rectification.owner,
            "deadline": rectification.deadline, "actions": rectification.actions,
            "verified_by": rectification.verified_by, "comment": rectification.comment})
    return found


def _totals(found: list[dict]) -> dict:
    by_severity = {code: sum(f["severity"] == code for f in found) for code in SEVERITY_NAMES}
    rectified = sum(f["status"] in ("verified", "accepted") for f in found)
    return {"findings": len(found), "by_severity": by_severity, "rectified": rectified,
            "overdue": sum(f["status"] == "overdue" for f in found),
            "amount": sum((f["amount"] or Decimal("0") for f in found), Decimal("0.00"))}


@cache
def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)))
    environment.filters["money"] = lambda value: "—" if value is None else f"{Decimal(value):,.2f}"
    return environment


def report_html(report: dict) -> str:
    """The report's HTML; its stylesheet, report.css, sits beside the template."""
    return _environment().get_template("engagement.html").render(r=report, severities=SEVERITY_NAMES)


@cache
def warm_up() -> None:
    """Loads WeasyPrint, Pango and the report's font once per process, so the first report is no slower."""
    from weasyprint import HTML

    HTML(string='<link rel="stylesheet" href="report.css"><p>振兴 Zhenxing 报告</p>', base_url=str(TEMPLATES)).write_pdf()


def report_pdf(report: dict) -> bytes:
    """The report as a PDF with its Chinese font embedded (WeasyPrint; a second or so for 20 pages)."""
    from weasyprint import HTML  # loads Pango and the fonts: only the processes that print pay for it

    with RENDERS:
        return HTML(string=report_html(report), base_url=str(TEMPLATES)).write_pdf()


FINDING_HEADERS = ["序号 No.", "村 Village", "镇/街道 Town", "组织名称 Organization", "类型 Kind", "年度 Year",
                   "严重程度 Severity", "类别 Category", "问题 Finding", "情况说明 Description", "依据 Rule basis",
                   "涉及金额 Amount", "责任单位 Responsible unit", "责任人 Responsible person",
                   "整改状态 Rectification", "整改责任人 Owner", "整改期限 Deadline", "整改措施 Actions"]


def write_findings(path: Path, report: dict) -> int:
    """The report's findings, one row each with the engagement's village, for filtering in Excel."""
    rows = ([f["number"], report["unit_name"], report["town_name"], report["organization_name"], report["kind_zh"],
             report["year"], f["severity_zh"], f["category_zh"], f["title"], f["description"], f["basis"],
             f["amount"], f["responsible_unit"], f["responsible_person"], f["status_zh"], f["owner"],
             f["deadline"], f["actions"]] for f in report["findings"])
    return write_xlsx(path, sheet=f"{report['year']}-{report['id']}", headers=FINDING_HEADERS, rows=rows,
                      widths=[6, 14, 12, 30, 10, 6, 8, 16, 40, 40, 40, 14, 24, 14, 10, 14, 12, 40])
