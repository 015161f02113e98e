"""The ledgers as spreadsheets (.xlsx) in the columns their imports read; text cells are never formulas."""

from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from services.assets.access import ledger_scope
from services.assets.ledgers import ledger_imports
from services.assets.ledgers.models import AssetItem, ResourceItem
from services.common.spreadsheets import write_xlsx
from services.common.tokens import Principal

STREAM_ROWS = 2000


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
