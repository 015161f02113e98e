"""The year at a glance (年度汇总): progress against the plan's key audits and inspections (60 and 90
by default), findings by severity, category and town, the rectification rate, overdue rectifications
and the amounts involved, over the engagements the principal may see.

As in `measures.py`, findings count once their engagement is accepted or closed: a checklist still in
the field or under review has no final findings.
"""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from services.assets.fieldwork.access import engagement_scope
from services.assets.fieldwork.findings import effective_status
from services.assets.fieldwork.models import Engagement, Finding, Rectification
from services.assets.plan.models import Plan, PlanRow
from services.assets.plan.rules import PlanSettings
from services.assets.reports.engagement_report import KIND_NAMES, SEVERITY_NAMES, STATUS_NAMES, category_names
from services.assets.reports.measures import COUNTED, RECTIFIED
from services.common.spreadsheets import write_xlsx
from services.common.tokens import Principal

STATES = tuple(STATUS_NAMES)


def plan_targets(session: Session, year: int) -> dict[str, int]:
    """How many of each kind the year's approved plan asked for; the defaults when none is approved."""
    plan = session.scalars(select(Plan).where(Plan.year == year, Plan.status == "approved")
                           .order_by(Plan.id.desc())).first()
    chosen = (plan.settings if plan else {}) or {}
    defaults = PlanSettings()
    return {"key_audit": int(chosen.get("key_audits", defaults.key_audits)),
            "inspection": int(chosen.get("inspections", defaults.inspections))}


def year_summary(session: Session, principal: Principal, year: int, today: date | None = None) -> dict:
    today = today or datetime.now(UTC).date()
    findings = _findings(session, principal, year, today)
    categories = category_names(session)
    rectified = sum(f["status"] in RECTIFIED for f in findings)
    overdue = [f for f in findings if f["status"] == "overdue"]
    return {
        "year": year, "today": today.isoformat(),
        "progress": _progress(session, principal, year),
        "findings": len(findings), "rectified": rectified,
        "rectification_rate": round(rectified / len(findings), 4) if findings else None,
        "overdue": len(overdue), "amount": _money(sum((f["amount"] for f in findings), Decimal(0))),
        "by_severity": [_group(code, names, [f for f in findings if f["severity"] == code])
                        for code, names in SEVERITY_NAMES.items()],
        "by_category": _by_category(findings, categories),
        "by_town": _by_town(findings),
        "overdue_items": [_overdue(f, today) for f in sorted(overdue, key=lambda f: (f["deadline"], f["id"]))],
    }


def _progress(session: Session, principal: Principal, year: int) -> list[dict]:
    counts = session.execute(engagement_scope(
        select(Engagement.kind, Engagement.status, func.count()).where(Engagement.year == year)
        .group_by(Engagement.kind, Engagement.status), principal)).all()
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for kind, status, count in counts:
        by_kind[kind][status] += count
    progress = []
    for kind, target in plan_targets(session, year).items():
        states = by_kind[kind]
        done = sum(states[s] for s in COUNTED)
        progress.append({"kind": kind, "zh": KIND_NAMES[kind][0], "en": KIND_NAMES[kind][1], "target": target,
                         "engagements": sum(states.values()), "done": done,
                         "share": round(done / target, 4) if target else None,
                         "by_status": {s: states[s] for s in STATES}})
    return progress


def _findings(session: Session, principal: Principal, year: int, today: date) -> list[dict]:
    query = (select(Finding, Rectification, Engagement, PlanRow.unit_name, PlanRow.town_name)
             .join(Rectification, Rectification.finding_id == Finding.id)
             .join(Engagement, Engagement.id == Finding.engagement_id)
             .join(PlanRow, PlanRow.id == Engagement.plan_row_id)
             .where(Engagement.year == year, Engagement.status.in_(COUNTED)).order_by(Finding.id))
    return [{"id": f.id, "engagement_id": e.id, "severity": f.severity, "category": f.category, "title": f.title,
             "amount": f.amount or Decimal(0), "status": effective_status(r, today), "deadline": r.deadline,
             "owner": r.owner, "town_code": e.town_code, "town_name": town, "unit_name": unit,
             "organization_name": e.organization_name}
            for f, r, e, unit, town in session.execute(engagement_scope(query, principal))]


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _group(code: str, names: tuple[str, str], members: list[dict]) -> dict:
    return {"code": code, "zh": names[0], "en": names[1], "findings": len(members),
            "rectified": sum(f["status"] in RECTIFIED for f in members),
            "overdue": sum(f["status"] == "overdue" for f in members),
            "amount": _money(sum((f["amount"] for f in members), Decimal(0)))}


def _by_category(findings: list[dict], categories: dict[str, tuple[str, str]]) -> list[dict]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for finding in findings:
        grouped[finding["category"]].append(finding)
    groups = [_group(code, categories.get(code, (code, code)), members) for code, members in grouped.items()]
    return sorted(groups, key=lambda g: (-g["findings"], g["code"]))


def _by_town(findings: list[dict]) -> list[dict]:
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for finding in findings:
        grouped[(finding["town_code"], finding["town_name"])].append(finding)
    groups = []
    for (code, name), members in sorted(grouped.items()):
        group = _group(code, (name, name), members)
        group["rectification_rate"] = round(group["rectified"] / group["findings"], 4)
        groups.append(group)
    return groups


def _overdue(finding: dict, today: date) -> dict:
    return {name: finding[name] for name in ("id", "engagement_id", "severity", "title", "owner", "unit_name",
                                             "town_name", "organization_name")} | {
        "deadline": finding["deadline"].isoformat(), "days_overdue": (today - finding["deadline"]).days,
        "amount": _money(finding["amount"])}


SUMMARY_HEADERS = ["部分 Part", "项目 Item", "数量 Count", "目标或总数 Target or total", "比例 Share",
                   "涉及金额（元） Amount"]


def write_summary(path: Path, summary: dict) -> int:
    """The summary as one long table: a part, an item and its figures on each row."""
    return write_xlsx(path, sheet=str(summary["year"]), headers=SUMMARY_HEADERS, rows=_summary_rows(summary),
                      widths=[16, 48, 10, 14, 10, 16])


def _share(part: int, whole: int) -> str | None:
    return f"{part / whole:.1%}" if whole else None


def _summary_rows(summary: dict):
    for kind in summary["progress"]:
        yield ["进度 Progress", f"{kind['zh']} {kind['en']}：已验收或关闭 accepted or closed", kind["done"],
               kind["target"], _share(kind["done"], kind["target"]), None]
        for status, count in kind["by_status"].items():
            yield ["进度 Progress", f"{kind['zh']}·{STATUS_NAMES[status]} {status}", count, kind["target"], None, None]
    total = summary["findings"]
    yield ["整改 Rectification", "问题总数 findings", total, None, None, Decimal(summary["amount"])]
    yield ["整改 Rectification", "已整改 rectified", summary["rectified"], total, _share(summary["rectified"], total),
           None]
    yield ["整改 Rectification", "逾期 overdue", summary["overdue"], total, _share(summary["overdue"], total), None]
    for part, groups in (("严重程度 Severity", summary["by_severity"]), ("类别 Category", summary["by_category"]),
                         ("镇街 Town", summary["by_town"])):
        for group in groups:
            label = group["zh"] if group["zh"] == group["en"] else f"{group['zh']} {group['en']}"
            yield [part, label, group["findings"], total, _share(group["findings"], total), Decimal(group["amount"])]
    for item in summary["overdue_items"]:
        yield ["逾期问题 Overdue", f"{item['town_name']} {item['unit_name']}：{item['title']}（期限 {item['deadline']}，"
               f"逾期 {item['days_overdue']} 天 days overdue）", 1, None, None, Decimal(item["amount"])]
