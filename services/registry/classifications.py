"""Classification schemes (分类方案) and the class each unit holds per scheme and year (村庄分类)."""

from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.common.errors import Conflict, Invalid
from services.registry.changes import record_change
from services.registry.models import ClassificationScheme, UnitClass

scheme_table = ClassificationScheme.__table__
class_table = UnitClass.__table__
SCHEME_FIELDS = ("key", "name", "name_en", "classes", "builtin")


def list_schemes(session: Session) -> list[dict]:
    rows = session.execute(select(scheme_table).order_by(scheme_table.c.id)).mappings()
    return [{k: r[k] for k in SCHEME_FIELDS} for r in rows]


def get_scheme(session: Session, key: str, *, field: str = "scheme_key") -> dict:
    row = session.execute(select(scheme_table).where(scheme_table.c.key == key)).mappings().first()
    if row is None:
        raise Invalid(field, f"没有分类方案 {key} / no classification scheme {key}")
    return dict(row)


def create_scheme(session: Session, data: dict, *, actor: str) -> dict:
    """A scheme a district adds beside the built-in ones."""
    if session.execute(select(scheme_table.c.id).where(scheme_table.c.key == data["key"])).first():
        raise Conflict(f"分类方案 {data['key']} 已存在 / scheme {data['key']} exists", code="scheme_exists")
    if len(set(data["classes"])) != len(data["classes"]):
        raise Invalid("classes", "分类名称重复 / a class is listed twice")
    row = {k: data.get(k) for k in ("key", "name", "name_en", "classes")} | {"builtin": False, "version": 1}
    session.execute(insert(scheme_table).values(**row))
    record_change(session, actor=actor, action="create", entity="classification_scheme", key=row["key"], after=row)
    return {k: row[k] for k in SCHEME_FIELDS}


def set_unit_class(session: Session, unit: dict, data: dict, *, actor: str) -> dict:
    """Gives `unit` its class in one scheme for one year, replacing an earlier answer for that year."""
    scheme = get_scheme(session, data["scheme_key"])
    if data["class_name"] not in scheme["classes"]:
        raise Invalid("class_name", f"应为 {'/'.join(scheme['classes'])} 之一 / must be one of the scheme's classes")
    key = (class_table.c.unit_code == unit["unit_code"], class_table.c.scheme_key == scheme["key"],
           class_table.c.year == data["year"])
    existing = session.execute(select(class_table).where(*key)).mappings().first()
    values = {"class_name": data["class_name"], "unit_id": unit["id"], "updated_at": datetime.now(UTC)}
    if existing:
        session.execute(update(class_table).where(*key).values(**values))
    else:
        session.execute(insert(class_table).values(unit_code=unit["unit_code"], scheme_key=scheme["key"],
                                                   year=data["year"], **values))
    result = {"unit_code": unit["unit_code"], "scheme_key": scheme["key"], "year": data["year"],
              "class_name": data["class_name"]}
    record_change(session, actor=actor, action="update" if existing else "create", entity="unit_class",
                  key=f"{unit['unit_code']}/{scheme['key']}/{data['year']}",
                  before={"class_name": existing["class_name"]} if existing else None, after=result)
    return result


def unit_classes(session: Session, unit_code: str, *, year: int | None = None) -> list[dict]:
    query = select(class_table.c.scheme_key, class_table.c.year, class_table.c.class_name).where(
        class_table.c.unit_code == unit_code)
    if year is not None:
        query = query.where(class_table.c.year == year)
    rows = session.execute(query.order_by(class_table.c.scheme_key, class_table.c.year))
    return [dict(r) for r in rows.mappings()]

