"""Searching units (村庄查询): the list endpoint's hot path, in SQLAlchemy Core with keyset pages."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import Connection, and_, exists, func, or_, select

from services.common.errors import Invalid
from services.registry.codes import LEVELS
from services.registry.models import Designation, StatisticValue, Unit, UnitClass
from services.registry.units import PUBLIC_FIELDS, today, valid_on

unit_table = Unit.__table__
class_table = UnitClass.__table__
designation_table = Designation.__table__
value_table = StatisticValue.__table__

SORTS = {"unit_code": unit_table.c.unit_code, "name": unit_table.c.name,
         "name_pinyin": func.coalesce(unit_table.c.name_pinyin, "")}
COLUMNS = [unit_table.c[name] for name in PUBLIC_FIELDS]


class UnitQuery(BaseModel):
    """What a caller may filter by; unset fields do not filter. `on` is today unless given."""

    on: date | None = None
    level: str | None = None
    kind: str | None = None
    town: str | None = None
    parent: str | None = None
    q: str | None = None
    code: str | None = None
    scheme: str | None = None
    class_name: str | None = None
    class_year: int | None = None
    designation: str | None = None
    designation_year: int | None = None
    metric: str | None = None
    metric_year: int | None = None
    metric_min: Decimal | None = None
    metric_max: Decimal | None = None
    demo: bool | None = None
    sort: str = "unit_code"


def conditions(query: UnitQuery) -> list:
    found = [valid_on(query.on or today())]
    if query.level:
        if query.level not in LEVELS:
            raise Invalid("level", f"应为 {'/'.join(LEVELS)} 之一 / must be one of {', '.join(LEVELS)}")
        found.append(unit_table.c.level == query.level)
    simple = ((query.kind, unit_table.c.kind), (query.town, unit_table.c.town_code),
              (query.parent, unit_table.c.parent_code), (query.demo, unit_table.c.demo))
    found += [column == value for value, column in simple if value is not None]
    if query.code:
        found.append(unit_table.c.unit_code.startswith(query.code, autoescape=True))
    if query.q:
        found.append(or_(unit_table.c.name.contains(query.q, autoescape=True),
                         unit_table.c.name_pinyin.ilike(f"%{_escaped(query.q.replace(' ', ''))}%", escape="\\"),
                         unit_table.c.unit_code.startswith(query.q, autoescape=True)))
    return found + _class_condition(query) + _designation_condition(query) + _metric_condition(query)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _class_condition(query: UnitQuery) -> list:
    if not query.scheme and not query.class_name:
        return []
    if not (query.scheme and query.class_name):
        raise Invalid("class_name" if query.scheme else "scheme", "scheme 与 class_name 需同时给出 / give both")
    uc = class_table.alias("uc")
    if query.class_year is not None:
        year = query.class_year
    else:  # the unit's latest year in this scheme: its current class
        latest = class_table.alias("latest")
        year = (select(func.max(latest.c.year)).where(latest.c.unit_code == uc.c.unit_code,
                                                       latest.c.scheme_key == query.scheme).scalar_subquery())
    return [exists().where(uc.c.unit_code == unit_table.c.unit_code, uc.c.scheme_key == query.scheme,
                           uc.c.class_name == query.class_name, uc.c.year == year)]


def _designation_condition(query: UnitQuery) -> list:
    if not query.designation:
        return []
    d = designation_table
    found = [d.c.unit_code == unit_table.c.unit_code, d.c.kind_key == query.designation, d.c.status == "awarded"]
    if query.designation_year is not None:
        found.append(d.c.year == query.designation_year)
    return [exists().where(*found)]


def _metric_condition(query: UnitQuery) -> list:
    if not query.metric:
        if query.metric_min is not None or query.metric_max is not None:
            raise Invalid("metric", "按数值筛选需给出指标 / a range needs a metric")
        return []
    if query.metric_year is None:
        raise Invalid("metric_year", "按指标筛选需给出年份 / a metric filter needs its year")
    v = value_table
    found = [v.c.unit_code == unit_table.c.unit_code, v.c.metric_key == query.metric, v.c.year == query.metric_year]
    if query.metric_min is not None:
        found.append(v.c.value >= query.metric_min)
    if query.metric_max is not None:
        found.append(v.c.value <= query.metric_max)
    return [exists().where(*found)]


def sort_order(sort: str):
    """(column, descending) for a sort parameter such as `name` or `-unit_code`."""
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    if name not in SORTS:
        raise Invalid("sort", f"排序字段应为 {'/'.join(SORTS)} 之一 / must be one of {', '.join(SORTS)}")
    return SORTS[name], descending


def after(column, descending: bool, position: dict):
    """The keyset condition: rows strictly after the cursor's (value, id)."""
    value, last_id = position["v"], position["id"]
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, unit_table.c.id > last_id))


def search_units(connection: Connection, query: UnitQuery, *, limit: int, position: dict | None) -> dict:
    """One page of units as plain dicts, the total that match, and where the next page starts.

    The total is counted once, for the first page, and travels in the cursor to the pages after
    it; a first page that holds every match is its own count. So only a first page with more to
    come pays for a count, and paging on through a large result never does.
    """
    column, descending = sort_order(query.sort)
    where = conditions(query)
    total = None
    if position is not None:
        if position.get("s") != query.sort:
            raise Invalid("cursor", "与当前排序不符 / was given out for another sort")
        total = position.get("t")
        where.append(after(column, descending, position))
    ordered = (column.desc() if descending else column.asc(), unit_table.c.id.asc())
    stmt = select(*COLUMNS, unit_table.c.id, column.label("sort_value")).where(*where).order_by(*ordered).limit(limit + 1)
    rows = connection.execute(stmt).all()
    items = [dict(zip(PUBLIC_FIELDS, row[:len(PUBLIC_FIELDS)], strict=True)) for row in rows[:limit]]
    if not isinstance(total, int):
        total = len(rows) if position is None and len(rows) <= limit else _count(connection, query)
    next_position = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_position = {"s": query.sort, "v": last.sort_value, "id": last.id, "t": total}
    return {"items": items, "total": total, "next_position": next_position}


def _count(connection: Connection, query: UnitQuery) -> int:
    return connection.execute(select(func.count()).select_from(unit_table).where(*conditions(query))).scalar_one()
