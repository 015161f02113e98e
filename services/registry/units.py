"""Administrative units (行政区划单位): read, create, edit in place, and their history.

A unit is addressed by its 12-digit code; the row meant is the one valid on a given day
(today by default), or the latest one if the code no longer exists.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from services.common.database import update_versioned
from services.common.errors import Conflict, Invalid, NotFound
from services.registry import codes
from services.registry.changes import record_change
from services.registry.models import Adjustment, AdjustmentLink, Unit

unit_table = Unit.__table__
link_table = AdjustmentLink.__table__
adjustment_table = Adjustment.__table__

PUBLIC_FIELDS = ("unit_code", "level", "kind", "name", "name_pinyin", "name_en", "parent_code", "town_code",
                 "urban_rural_code", "valid_from", "valid_to", "demo", "version")
EDITABLE = ("name_pinyin", "name_en", "urban_rural_code")
DEFAULT_KIND = {"district": "district", "town": "town", "village": "village"}


def today() -> date:
    return date.today()


def public(row: Any) -> dict:
    return {name: row[name] for name in PUBLIC_FIELDS}


def valid_on(on: date):
    """The SQL condition "this unit row existed on `on`"."""
    return and_(unit_table.c.valid_from <= on, or_(unit_table.c.valid_to.is_(None), unit_table.c.valid_to > on))


def find_unit(session: Session, unit_code: str, on: date | None = None) -> dict | None:
    """The row of `unit_code` valid on `on`; without a date, the open row or else the latest one."""
    query = select(unit_table).where(unit_table.c.unit_code == unit_code)
    if on is not None:
        return _first(session, query.where(valid_on(on)))
    return _first(session, query.order_by(unit_table.c.valid_to.is_(None).desc(), unit_table.c.valid_from.desc()))


def _first(session: Session, query) -> dict | None:
    row = session.execute(query.limit(1)).mappings().first()
    return dict(row) if row else None


def get_unit(session: Session, unit_code: str, on: date | None = None) -> dict:
    unit = find_unit(session, unit_code, on)
    if unit is None:
        raise NotFound(f"没有区划代码为 {unit_code} 的单位 / no unit with code {unit_code}", code="unit_not_found")
    return unit


def open_unit(session: Session, unit_code: str, *, field: str = "unit_code") -> dict:
    """The row of `unit_code` that exists now; a closed or unknown code is refused naming `field`."""
    unit = find_unit(session, unit_code)
    if unit is None or unit["valid_to"] is not None:
        raise Invalid(field, f"区划代码 {unit_code} 不是现存单位 / {unit_code} is not an existing unit")
    return unit


def prepare_unit(session: Session, data: dict, *, on: date) -> dict:
    """Validates a new unit against its parent and returns the row to insert (not yet inserted)."""
    parent = open_unit(session, data["parent_code"], field="parent_code") if data.get("parent_code") else None
    level = _child_level(parent)
    codes.check_unit_code(data["unit_code"], level, parent["unit_code"] if parent else None)
    kind = data.get("kind") or DEFAULT_KIND[level]
    codes.check_kind(level, kind)
    codes.check_urban_rural_code(data.get("urban_rural_code"))
    if parent and parent["valid_from"] > on:
        raise Invalid("valid_from", "不能早于上级单位的设立日期 / must not precede the parent's valid_from")
    if find_unit(session, data["unit_code"], on) is not None or _opens_later(session, data["unit_code"], on):
        raise Conflict(f"区划代码 {data['unit_code']} 已被使用 / code {data['unit_code']} is in use",
                       code="unit_code_taken")
    town_code = {"district": None, "town": data["unit_code"]}.get(level, parent["unit_code"] if parent else None)
    now = datetime.now(UTC)
    return {"unit_code": data["unit_code"], "level": level, "kind": kind, "name": data["name"],
            "name_pinyin": data.get("name_pinyin"), "name_en": data.get("name_en"),
            "urban_rural_code": data.get("urban_rural_code"), "parent_id": parent["id"] if parent else None,
            "parent_code": parent["unit_code"] if parent else None, "town_code": town_code,
            "valid_from": on, "valid_to": None, "demo": bool(data.get("demo", False)), "version": 1,
            "created_at": now, "updated_at": now}


def _child_level(parent: dict | None) -> str:
    if parent is None:
        return "district"
    if parent["level"] == "village":
        raise Invalid("parent_code", "村级单位下不能再设单位 / a village-level unit has no children")
    return {"district": "town", "town": "village"}[parent["level"]]


def _opens_later(session: Session, unit_code: str, on: date) -> bool:
    query = select(unit_table.c.id).where(unit_table.c.unit_code == unit_code, unit_table.c.valid_from > on)
    return session.execute(query.limit(1)).first() is not None


def insert_unit(session: Session, row: dict) -> dict:
    row = dict(row)
    row["id"] = session.execute(insert(unit_table).values(**row)).inserted_primary_key[0]
    return row


def create_unit(session: Session, data: dict, *, actor: str) -> dict:
    """Opens a new unit under its parent (`data["parent_code"]`; none for a district)."""
    row = insert_unit(session, prepare_unit(session, data, on=data.get("valid_from") or today()))
    record_change(session, actor=actor, action="create", entity="unit", key=row["unit_code"],
                  after=public(row))
    return row


def create_units(session: Session, items: Iterable[dict], *, actor: str) -> list[dict]:
    """Creates many units in order (parents before children), for importers; errors name the row."""
    made = []
    for index, data in enumerate(items):
        try:
            made.append(create_unit(session, data, actor=actor))
        except Invalid as exc:
            raise Invalid(f"rows[{index}].{exc.field}", exc.errors[0]["message"]) from None
    return made


def update_unit(session: Session, unit: dict, changes: dict, *, actor: str) -> dict:
    """Edits fields that do not change the unit's identity (pinyin, English name, urban-rural code)."""
    changes = {k: v for k, v in changes.items() if k in EDITABLE}
    if "urban_rural_code" in changes:
        codes.check_urban_rural_code(changes["urban_rural_code"])
    if unit["valid_to"] is not None:
        raise Conflict("已撤销的单位不能修改 / a closed unit cannot be edited", code="unit_closed")
    now = datetime.now(UTC)
    version = update_versioned(session, unit_table, unit, **changes, updated_at=now)
    after = {**unit, **changes, "version": version, "updated_at": now}
    record_change(session, actor=actor, action="update", entity="unit", key=unit["unit_code"],
                  before={k: unit[k] for k in changes}, after=changes)
    return after


def history(session: Session, unit_code: str) -> dict:
    """Every row the code had, what each came from and became, and the units that exist now in its place."""
    rows = session.execute(select(unit_table).where(unit_table.c.unit_code == unit_code)
                           .order_by(unit_table.c.valid_from)).mappings().all()
    if not rows:
        raise NotFound(f"没有区划代码为 {unit_code} 的单位 / no unit with code {unit_code}", code="unit_not_found")
    versions = [{**public(r), "came_from": _links(session, r["id"], "to"), "became": _links(session, r["id"], "from")}
                for r in rows]
    return {"unit_code": unit_code, "versions": versions, "now": current_successors(session, rows[-1]["id"])}


def _links(session: Session, unit_id: int, side: str) -> list[dict]:
    mine, other = (link_table.c.to_unit_id, link_table.c.from_unit_id) if side == "to" else (
        link_table.c.from_unit_id, link_table.c.to_unit_id)
    query = (select(adjustment_table.c.id, adjustment_table.c.kind, adjustment_table.c.effective_on,
                    unit_table.c.unit_code, unit_table.c.name, unit_table.c.valid_from)
             .select_from(link_table.join(adjustment_table).join(unit_table, unit_table.c.id == other))
             .where(mine == unit_id).order_by(unit_table.c.unit_code))
    return [{"adjustment_id": r.id, "kind": r.kind, "effective_on": r.effective_on, "unit_code": r.unit_code,
             "name": r.name, "valid_from": r.valid_from} for r in session.execute(query)]


def current_successors(session: Session, unit_id: int) -> list[dict]:
    """What became of a unit: follows adjustment links forward to the rows still open."""
    seen, frontier, found = set(), [unit_id], {}
    while frontier:
        rows = session.execute(select(unit_table).where(unit_table.c.id.in_(frontier))).mappings().all()
        seen.update(frontier)
        frontier = []
        for row in rows:
            if row["valid_to"] is None:
                found[row["id"]] = public(row)
        closed = [r["id"] for r in rows if r["valid_to"] is not None]
        if closed:
            nxt = session.execute(select(link_table.c.to_unit_id).where(link_table.c.from_unit_id.in_(closed)))
            frontier = [i for (i,) in nxt if i not in seen]
    return sorted(found.values(), key=lambda u: u["unit_code"])
