"""Designations (称号认定): titles such as 诗画乡村 or 乡村振兴示范村 given to units, by year and batch.

A designation's status moves candidate → awarded → revoked (or candidate → revoked);
nothing is deleted, and counts by kind and year feed the assessment service's plan targets.
"""

from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from services.common.database import update_versioned
from services.common.errors import Conflict, Invalid, NotFound
from services.registry.changes import record_change
from services.registry.models import Designation, DesignationKind

kind_table = DesignationKind.__table__
designation_table = Designation.__table__

KIND_FIELDS = ("key", "name", "name_en", "builtin")
FIELDS = ("id", "unit_code", "town_code", "kind_key", "year", "batch", "status", "document_ref", "demo", "version")
MOVES = {"candidate": {"candidate", "awarded", "revoked"}, "awarded": {"awarded", "revoked"}, "revoked": {"revoked"}}


def shown(row) -> dict:
    return {k: row[k] for k in FIELDS}


def list_kinds(session: Session) -> list[dict]:
    return [{k: r[k] for k in KIND_FIELDS} for r in session.execute(select(kind_table).order_by(kind_table.c.id)).mappings()]


def check_kind(session: Session, key: str) -> None:
    if session.execute(select(kind_table.c.id).where(kind_table.c.key == key)).first() is None:
        raise Invalid("kind_key", f"没有称号类型 {key} / no designation kind {key}")


def create_kind(session: Session, data: dict, *, actor: str) -> dict:
    if session.execute(select(kind_table.c.id).where(kind_table.c.key == data["key"])).first():
        raise Conflict(f"称号类型 {data['key']} 已存在 / kind {data['key']} exists", code="kind_exists")
    row = {"key": data["key"], "name": data["name"], "name_en": data.get("name_en"), "builtin": False}
    session.execute(insert(kind_table).values(**row))
    record_change(session, actor=actor, action="create", entity="designation_kind", key=row["key"], after=row)
    return row


def get_designation(session: Session, designation_id: int) -> dict:
    row = session.execute(select(designation_table).where(designation_table.c.id == designation_id)
                          ).mappings().first()
    if row is None:
        raise NotFound(f"没有编号为 {designation_id} 的称号认定 / no designation {designation_id}")
    return dict(row)


def create_designation(session: Session, unit: dict, data: dict, *, actor: str) -> dict:
    check_kind(session, data["kind_key"])
    now = datetime.now(UTC)
    row = {"unit_id": unit["id"], "unit_code": unit["unit_code"], "town_code": unit["town_code"],
           "kind_key": data["kind_key"], "year": data["year"], "batch": data.get("batch"),
           "status": data.get("status", "candidate"), "document_ref": data.get("document_ref"),
           "demo": bool(data.get("demo", False)), "version": 1, "created_at": now, "updated_at": now}
    row["id"] = session.execute(insert(designation_table).values(**row)).inserted_primary_key[0]
    record_change(session, actor=actor, action="create", entity="designation", key=str(row["id"]), after=shown(row))
    return row


def update_designation(session: Session, row: dict, changes: dict, *, actor: str) -> dict:
    """Moves the status along its lifecycle or corrects batch and document; a revoked one stays revoked."""
    changes = {k: v for k, v in changes.items() if k in ("status", "batch", "document_ref")}
    if "status" in changes and changes["status"] not in MOVES[row["status"]]:
        raise Invalid("status", f"{row['status']} 不能改为 {changes['status']} / "
                                f"cannot go from {row['status']} to {changes['status']}")
    now = datetime.now(UTC)
    version = update_versioned(session, designation_table, row, **changes, updated_at=now)
    after = {**row, **changes, "version": version, "updated_at": now}
    record_change(session, actor=actor, action="update", entity="designation", key=str(row["id"]),
                  before={k: row[k] for k in changes}, after=changes)
    return after


def list_designations(session: Session, *, kind_key: str | None = None, year: int | None = None,
                      status: str | None = None, unit_code: str | None = None, town: str | None = None,
                      after_id: int = 0, limit: int = 50) -> tuple[list[dict], int]:
    conditions = [c for c in (
        designation_table.c.kind_key == kind_key if kind_key else None,
        designation_table.c.year == year if year else None,
        designation_table.c.status == status if status else None,
        designation_table.c.unit_code == unit_code if unit_code else None,
        designation_table.c.town_code == town if town else None) if c is not None]
    total = session.execute(select(func.count()).select_from(designation_table).where(*conditions)).scalar_one()
    rows = session.execute(select(designation_table).where(designation_table.c.id > after_id, *conditions)
                           .order_by(designation_table.c.id).limit(limit)).mappings()
    return [shown(r) for r in rows], total


def count_designations(session: Session, *, status: str = "awarded", kind_key: str | None = None,
                       town: str | None = None) -> list[dict]:
    """How many designations of each kind and year have `status` (awarded by default)."""
    query = (select(designation_table.c.kind_key, designation_table.c.year, func.count().label("count"))
             .where(designation_table.c.status == status)
             .group_by(designation_table.c.kind_key, designation_table.c.year)
             .order_by(designation_table.c.kind_key, designation_table.c.year))
    if kind_key:
        query = query.where(designation_table.c.kind_key == kind_key)
    if town:
        query = query.where(designation_table.c.town_code == town)
    return [dict(r) for r in session.execute(query).mappings()]
