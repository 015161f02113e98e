"""Village collective economic organizations (村集体经济组织), identified by their credit code."""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from services.common.database import update_versioned
from services.common.errors import Conflict, Invalid, NotFound
from services.registry import codes
from services.registry.changes import record_change
from services.registry.models import Organization
from services.registry.units import open_unit

org_table = Organization.__table__

PUBLIC_FIELDS = ("credit_code", "name", "level", "unit_code", "town_code", "legal_representative",
                 "registered_on", "status", "demo", "version")
HIDDEN_FIELDS = ("representative_phone",)
EDITABLE = ("name", "legal_representative", "representative_phone", "registered_on", "status")


def shown(row, *, hidden: bool) -> dict:
    """The organization as a reader sees it; `hidden` adds the fields only some may see."""
    fields = PUBLIC_FIELDS + HIDDEN_FIELDS if hidden else PUBLIC_FIELDS
    return {name: row[name] for name in fields}


def normalize_code(credit_code: str) -> str:
    return credit_code.strip().upper()


def find_organization(session: Session, credit_code: str) -> dict | None:
    row = session.execute(select(org_table).where(org_table.c.credit_code == normalize_code(credit_code))
                          ).mappings().first()
    return dict(row) if row else None


def get_organization(session: Session, credit_code: str) -> dict:
    row = find_organization(session, credit_code)
    if row is None:
        raise NotFound(f"没有统一社会信用代码为 {credit_code} 的组织 / no organization {credit_code}",
                       code="organization_not_found")
    return row


def prepare_organization(session: Session, data: dict) -> dict:
    """Validates a new organization and returns the row to insert; its unit must exist now."""
    code = normalize_code(data["credit_code"])
    codes.check_credit_code(code)
    unit = open_unit(session, data["unit_code"])
    if find_organization(session, code):
        raise Conflict(f"统一社会信用代码 {code} 已登记 / {code} is already registered", code="credit_code_taken")
    now = datetime.now(UTC)
    return {"credit_code": code, "name": data["name"], "level": data["level"], "unit_id": unit["id"],
            "unit_code": unit["unit_code"], "town_code": unit["town_code"],
            "legal_representative": data.get("legal_representative"),
            "representative_phone": data.get("representative_phone"), "registered_on": data.get("registered_on"),
            "status": data.get("status", "active"), "demo": bool(data.get("demo", False)), "version": 1,
            "created_at": now, "updated_at": now}


def create_organization(session: Session, data: dict, *, actor: str) -> dict:
    row = prepare_organization(session, data)
    row["id"] = session.execute(insert(org_table).values(**row)).inserted_primary_key[0]
    record_change(session, actor=actor, action="create", entity="organization", key=row["credit_code"],
                  after=shown(row, hidden=False))
    return row


def create_organizations(session: Session, items: Iterable[dict], *, actor: str) -> list[dict]:
    """For importers: creates each in turn; an error names the row and field."""
    made = []
    for index, data in enumerate(items):
        try:
            made.append(create_organization(session, data, actor=actor))
        except Invalid as exc:
            raise Invalid(f"rows[{index}].{exc.field}", exc.errors[0]["message"]) from None
    return made


def update_organization(session: Session, org: dict, changes: dict, *, actor: str) -> dict:
    changes = {k: v for k, v in changes.items() if k in EDITABLE}
    now = datetime.now(UTC)
    version = update_versioned(session, org_table, org, **changes, updated_at=now)
    after = {**org, **changes, "version": version, "updated_at": now}
    record_change(session, actor=actor, action="update", entity="organization", key=org["credit_code"],
                  before={k: org[k] for k in changes}, after=changes)
    return after


def list_organizations(session: Session, *, town: str | None = None, unit_code: str | None = None,
                       level: str | None = None, status: str | None = None, q: str | None = None,
                       after_code: str | None = None, limit: int = 50) -> tuple[list[dict], int]:
    """A page of organizations by credit code, and how many match in all."""
    conditions = []
    if town:
        conditions.append(org_table.c.town_code == town)
    if unit_code:
        conditions.append(org_table.c.unit_code == unit_code)
    if level:
        conditions.append(org_table.c.level == level)
    if status:
        conditions.append(org_table.c.status == status)
    if q:
        conditions.append(or_(org_table.c.name.contains(q, autoescape=True),
                              org_table.c.credit_code.startswith(q.upper(), autoescape=True)))
    total = session.execute(select(func.count()).select_from(org_table).where(*conditions)).scalar_one()
    if after_code:
        conditions.append(org_table.c.credit_code > after_code)
    rows = session.execute(select(org_table).where(*conditions).order_by(org_table.c.credit_code).limit(limit))
    return [dict(r) for r in rows.mappings()], total
