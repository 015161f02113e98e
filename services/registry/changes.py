"""The change feed (变更记录): what integrators follow instead of polling everything.

Each change writes the audit record first and then the change row, in the caller's
transaction. The audit record locks the audit chain's head until commit, so change rows get
their sequence numbers in commit order: a reader that has seen seq N never later finds a
smaller one appear.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.common import audit
from services.common.imports import insert_rows
from services.registry.models import Change

change_table = Change.__table__


def record_change(session: Session, *, actor: str, action: str, entity: str, key: str,
                  before: Any = None, after: Any = None) -> None:
    """Audit one change and append it to the feed."""
    audit.record(session, actor=actor, action=action, entity=entity, entity_id=key, before=before, after=after)
    session.execute(insert(change_table).values(entity=entity, key=key, action=action, at=datetime.now(UTC)))


def record_bulk_changes(session: Session, *, actor: str, action: str, entity: str, keys: Iterable[str],
                        summary: Any) -> int:
    """One audit record for a bulk load (import, demo) and one feed row per key.

    The feed rows take their sequence numbers from the table's own counter while the audit
    record holds the chain's head, so they too are numbered in commit order.
    """
    now = datetime.now(UTC)
    rows = [{"entity": entity, "key": key, "action": action, "at": now} for key in keys]
    if not rows:
        return 0
    audit.record(session, actor=actor, action=f"bulk_{action}", entity=entity, entity_id=f"{len(rows)} rows",
                 after=summary)
    insert_rows(session, change_table, rows)
    return len(rows)


def list_changes(session: Session, *, after_seq: int, limit: int) -> list[dict]:
    query = (select(change_table).where(change_table.c.seq > after_seq)
             .order_by(change_table.c.seq).limit(limit))
    return [dict(row) for row in session.execute(query).mappings()]
