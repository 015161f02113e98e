"""The plan as a spreadsheet (.xlsx) for the office's files; text cells are never formulas."""

from pathlib import Path

from services.assets.plan.models import Plan, PlanRow
from services.common.spreadsheets import write_xlsx

HEADERS = ["类型 Kind", "序号 No.", "统一社会信用代码 Credit code", "组织名称 Organization", "村 Village",
           "镇/街道 Town", "风险分 Risk score", "风险排名 Risk rank", "理由 Reason", "季度 Quarter",
           "组长 Lead", "组员 Members", "提示 Warnings"]
KIND_NAMES = {"key_audit": "重点审计", "inspection": "定期检查"}


def plan_cells(row: PlanRow) -> list:
    lead = [m["name"] for m in row.team if m["lead"]]
    others = [m["name"] for m in row.team if not m["lead"]]
    return [KIND_NAMES[row.kind], row.position, row.credit_code, row.organization_name, row.unit_name,
            row.town_name, f"{row.risk_score:.2f}", row.risk_rank, row.reason, f"Q{row.quarter}", "、".join(lead),
            "、".join(others), "；".join(w["message"] for w in row.warnings)]


def write_plan(path: Path, plan: Plan, rows: list[PlanRow]) -> int:
    return write_xlsx(path, sheet=f"{plan.year}", headers=HEADERS, rows=(plan_cells(r) for r in rows),
                      widths=[10, 6, 22, 30, 14, 12, 10, 8, 60, 8, 14, 30, 40])
