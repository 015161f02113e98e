"""Administrative division adjustments (行政区划调整): merge, split, rename, re-parent.

Each closes the old unit rows on the effective day and opens new ones, linking old to new,
so the registry answers both "which villages existed on a day" and "what became of X".
"""

from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from services.common.database import update_versioned
from services.common.errors import Conflict, Invalid, NotFound
from services.registry.changes import record_change
from services.registry.units import (
    adjustment_table,
    insert_unit,
    link_table,
    open_unit,
    prepare_unit,
    public,
    unit_table,
)

SHAPES = {"merge": ("2+", "1"), "split": ("1", "2+"), "rename": ("1", "1"), "reparent": ("1", "1")}


def apply_adjustment(session: Session, *, kind: str, effective_on: date, from_codes: list[str],
                     to_units: list[dict], actor: str, document_ref: str | None = None,
                     note: str | None = None, demo: bool = False) -> dict:
    """Records one adjustment: closes `from_codes`, opens `to_units`, links each old row to each new one."""
    _check_shape(kind, from_codes, to_units)
    olds = [_closable(session, code, effective_on) for code in from_codes]
    to_units = [_with_defaults(kind, olds[0], data) for data in to_units]
    for old in olds:
        _close(session, old, effective_on)
    news = [insert_unit(session, _prepared(session, kind, olds, data, effective_on, index))
            for index, data in enumerate(to_units)]
    adjustment_id = session.execute(insert(adjustment_table).values(
        kind=kind, effective_on=effective_on, document_ref=document_ref, note=note, actor=actor, demo=demo,
        created_at=datetime.now(UTC))).inserted_primary_key[0]
    session.execute(insert(link_table), [{"adjustment_id": adjustment_id, "from_unit_id": old["id"],
                                          "to_unit_id": new["id"]} for old in olds for new in news])
    result = {"id": adjustment_id, "kind": kind, "effective_on": effective_on, "document_ref": document_ref,
              "note": note, "from_units": [public(o) | {"valid_to": effective_on} for o in olds],
              "to_units": [public(n) for n in news]}
    _record(session, actor, result, olds, news)
    return result


def _check_shape(kind: str, from_codes: list[str], to_units: list[dict]) -> None:
    want_from, want_to = SHAPES[kind]
    for field, items, want in (("from_codes", from_codes, want_from), ("to_units", to_units, want_to)):
        ok = len(items) >= 2 if want == "2+" else len(items) == 1
        if not ok:
            wording = "至少2个 / at least 2" if want == "2+" else "恰好1个 / exactly 1"
            raise Invalid(field, f"{kind} 需要{wording}")
    if len(set(from_codes)) != len(from_codes):
        raise Invalid("from_codes", "区划代码重复 / a code is listed twice")


def _closable(session: Session, code: str, effective_on: date) -> dict:
    old = open_unit(session, code, field="from_codes")
    if old["valid_from"] >= effective_on:
        raise Invalid("effective_on", f"应晚于 {code} 的设立日期 {old['valid_from']} / "
                                      f"must be after {code} began on {old['valid_from']}")
    children = select(unit_table.c.unit_code).where(unit_table.c.parent_id == old["id"],
                                                     unit_table.c.valid_to.is_(None)).limit(1)
    if session.execute(children).first():
        raise Conflict(f"{code} 下仍有现存单位，请先调整其下级 / {code} still has open units below it",
                       code="unit_has_children")
    return old


def _with_defaults(kind: str, old: dict, data: dict) -> dict:
    """Unsaid fields come from the (first) old unit: parent, kind, urban-rural class; names on re-parenting."""
    data = {**data, "parent_code": data.get("parent_code") or old["parent_code"], "kind": data.get("kind") or old["kind"]}
    inherited = ("urban_rural_code", "name_pinyin", "name_en") if kind == "reparent" else ("urban_rural_code",)
    for field in inherited:
        if data.get(field) is None:
            data[field] = old[field]
    return data


def _prepared(session: Session, kind: str, olds: list[dict], data: dict, on: date, index: int) -> dict:
    try:
        row = prepare_unit(session, data, on=on)
    except Invalid as exc:
        raise Invalid(f"to_units[{index}].{exc.field}", exc.errors[0]["message"]) from None
    if row["level"] != olds[0]["level"] or any(o["level"] != row["level"] for o in olds):
        raise Invalid(f"to_units[{index}].parent_code", "调整前后层级应相同 / old and new units must be of one level")
    if kind == "rename" and row["name"] == olds[0]["name"]:
        raise Invalid(f"to_units[{index}].name", "更名后的名称应不同 / a rename needs a new name")
    if kind == "reparent" and row["parent_code"] == olds[0]["parent_code"]:
        raise Invalid(f"to_units[{index}].parent_code", "应改为另一上级单位 / must name another parent")
    row["demo"] = all(o["demo"] for o in olds)
    return row


def _close(session: Session, old: dict, effective_on: date) -> None:
    update_versioned(session, unit_table, old, valid_to=effective_on, updated_at=datetime.now(UTC))


def _record(session: Session, actor: str, result: dict, olds: list[dict], news: list[dict]) -> None:
    record_change(session, actor=actor, action="create", entity="adjustment", key=str(result["id"]), after=result)
    for old in olds:
        record_change(session, actor=actor, action="close", entity="unit", key=old["unit_code"],
                      before=public(old), after={"valid_to": result["effective_on"]})
    for new in news:
        record_change(session, actor=actor, action="create", entity="unit", key=new["unit_code"], after=public(new))


def get_adjustment(session: Session, adjustment_id: int) -> dict:
    row = session.execute(select(adjustment_table).where(adjustment_table.c.id == adjustment_id)).mappings().first()
    if row is None:
        raise NotFound(f"没有编号为 {adjustment_id} 的区划调整 / no adjustment {adjustment_id}")
    return _shaped(session, dict(row))


def list_adjustments(session: Session, *, after_id: int = 0, limit: int = 50,
                     unit_code: str | None = None) -> tuple[list[dict], int]:
    """A page of adjustments in the order recorded, optionally those touching one code, and the total."""
    conditions = []
    if unit_code:
        linked = (select(link_table.c.adjustment_id)
                  .join(unit_table, (unit_table.c.id == link_table.c.from_unit_id)
                        | (unit_table.c.id == link_table.c.to_unit_id))
                  .where(unit_table.c.unit_code == unit_code))
        conditions.append(adjustment_table.c.id.in_(linked))
    total = session.execute(select(func.count()).select_from(adjustment_table).where(*conditions)).scalar_one()
    rows = session.execute(select(adjustment_table).where(adjustment_table.c.id > after_id, *conditions)
                           .order_by(adjustment_table.c.id).limit(limit)).mappings().all()
    return [_shaped(session, dict(r)) for r in rows], total


def _shaped(session: Session, row: dict) -> dict:
    links = session.execute(select(link_table).where(link_table.c.adjustment_id == row["id"])).mappings().all()
    ids = {link["from_unit_id"] for link in links} | {link["to_unit_id"] for link in links}
    units = {r["id"]: public(r) for r in session.execute(select(unit_table).where(unit_table.c.id.in_(ids))).mappings()}
    from_ids = sorted({link["from_unit_id"] for link in links})
    to_ids = sorted({link["to_unit_id"] for link in links})
    return {"id": row["id"], "kind": row["kind"], "effective_on": row["effective_on"],
            "document_ref": row["document_ref"], "note": row["note"], "demo": row["demo"],
            "from_units": [units[i] for i in from_ids], "to_units": [units[i] for i in to_ids]}
