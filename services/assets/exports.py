"""The plan and the ledgers as spreadsheets (.xlsx) for the office's files; text cells are never formulas."""

from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from services.assets import ledger_imports
from services.assets.access import ledger_scope
from services.assets.models import AssetItem, Plan, PlanRow, ResourceItem
from services.common.spreadsheets import write_xlsx
from services.common.tokens import Principal

STREAM_ROWS = 2000

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


def write_ledger(path: Path, session: Session, principal: Principal, kind: str) -> int:
    """One ledger (assets, resources, contracts or debts) in the columns its import reads, so the file
    imports back unchanged; rows stream from the database, the caller's towns only."""
    table = ledger_imports.IMPORTERS[kind].model.__table__
    query = ledger_scope(select(table), table.c, principal).order_by(table.c.town_code, table.c.credit_code,
                                                                     table.c.id)
    item_codes = _item_codes(session, principal) if kind == "contracts" else None
    found = session.execute(query.execution_options(yield_per=STREAM_ROWS)).mappings()
    columns = ledger_imports.IMPORTERS[kind].columns
    return write_xlsx(path, sheet=kind, headers=[c.heading for c in columns],
                      rows=(ledger_imports.export_cells(kind, row, principal, item_codes) for row in found),
                      widths=[max(12, min(len(c.heading) + 4, 40)) for c in columns])


def _item_codes(session: Session, principal: Principal) -> dict[tuple[str, int], str]:
    """(item type, id) → code of the assets and resources a contract may name."""
    codes = {}
    for item_type, model in (("asset", AssetItem), ("resource", ResourceItem)):
        query = ledger_scope(select(model.id, model.code), model, principal)
        codes |= {(item_type, item_id): code for item_id, code in session.execute(query)}
    return codes
