"""Append-only, hash-chained audit trail, written in the caller's transaction."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Integer, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from services.common.driver_select import driver_select
from services.common.kernel_tables import audit_head, audit_record

GENESIS = "0" * 64


def _canonical(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()


def _digest(row: dict) -> str:
    fields = [str(row["seq"]), row["at"], row["actor"], row["action"], row["entity"], row["entity_id"],
              row["before"] or "", row["after"] or "", row["prev_hash"]]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


# Built once: building them anew cost about half of an audited answer save's own CPU.
_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
_APPEND = insert(audit_record)
_MOVE_HEAD = (update(audit_head).where(audit_head.c.id == 1)
              .values(seq=bindparam("new_seq"), hash=bindparam("new_hash")))


def record(session: Session, *, actor: str, action: str, entity: str, entity_id: str,
           before: Any = None, after: Any = None) -> int:
    """Append one record after the chain's head; returns its sequence number.

    Locking the head row serializes every audited write of a service, so anything written
    right after (the registry's change feed, say) is numbered in commit order.
    """
    head = session.execute(_HEAD).first()
    seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
    row = {"seq": seq, "at": datetime.now(UTC).isoformat(timespec="microseconds"), "actor": actor,
           "action": action, "entity": entity, "entity_id": str(entity_id),
           "before": _canonical(before), "after": _canonical(after), "prev_hash": prev}
    row["hash"] = _digest(row)
    session.execute(_APPEND, row)
    if head:
        session.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": row["hash"]})
    else:
        session.execute(insert(audit_head).values(id=1, seq=seq, hash=row["hash"]))
    return seq


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walks the chain in order; names the first record that was edited, removed or added out of turn."""
    expected_seq, prev, checked = 1, GENESIS, 0
    last = 0
    while True:
        rows = session.execute(select(audit_record).where(audit_record.c.seq > last)
                               .order_by(audit_record.c.seq).limit(batch)).mappings().all()
        for row in rows:
            problem = _check(row, expected_seq, prev)
            if problem:
                return ChainReport(False, checked, problem[0], problem[1])
            expected_seq, prev, checked, last = row["seq"] + 1, row["hash"], checked + 1, row["seq"]
        if len(rows) < batch:
            break
    return _check_head(session, checked, expected_seq - 1, prev)


def _check(row, expected_seq: int, prev: str) -> tuple[int, str] | None:
    if row["seq"] != expected_seq:
        return expected_seq, f"record {expected_seq} is missing"
    if row["prev_hash"] != prev:
        return row["seq"], f"record {row['seq']} does not follow record {expected_seq - 1}"
    if _digest(dict(row)) != row["hash"]:
        return row["seq"], f"record {row['seq']} was changed after it was written"
    return None


def _check_head(session: Session, checked: int, last_seq: int, last_hash: str) -> ChainReport:
    head = session.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (last_seq, last_hash):
        return ChainReport(False, checked, last_seq + 1, f"records after {last_seq} are missing")
    return ChainReport(True, checked)


_PAGE = (select(audit_record).where(audit_record.c.seq > bindparam("after_seq", type_=Integer))
         .order_by(audit_record.c.seq).limit(bindparam("limit", type_=Integer)))
_PAGES = {False: _PAGE, True: _PAGE.where(audit_record.c.entity == bindparam("entity"))}
_FIELDS = tuple(audit_record.c.keys())


def list_records(connection: Connection, *, after_seq: int = 0, limit: int = 100,
                 entity: str | None = None) -> list[dict]:
    """Records after `after_seq` in order, as plain dicts (read on the driver's cursor: a page of the
    trail is read often, by people and by systems that follow it)."""
    page = driver_select(_PAGES[bool(entity)], connection.dialect)
    values = {"after_seq": after_seq, "limit": limit} | ({"entity": entity} if entity else {})
    return [dict(zip(_FIELDS, row, strict=True)) for row in page.rows(connection, values)]


def count_records(session: Session) -> int:
    return session.execute(select(func.count()).select_from(audit_record)).scalar_one()
