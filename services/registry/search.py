"""Searching units (村庄查询): the list endpoint's hot path, in SQLAlchemy Core with keyset pages.

Building a statement costs more than running it on an index (about 0.8 ms against 0.3 ms for a
town's page), so each shape of query (which filters are set, the sort, first page or not) is
built once with named parameters and kept; a request only fills in the values. SQLAlchemy
memoizes the cache key on the statement object, so a kept statement also skips that walk.
"""

from decimal import Decimal
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Integer, and_, bindparam, exists, func, or_, select

from services.common.driver_select import driver_select
from services.common.errors import Invalid
from services.common.formats import IsoDate
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
# Filters that apply when given at all, and those that apply only when not empty, as before.
_GIVEN = ("kind", "town", "parent", "demo", "class_year", "designation_year", "metric_year", "metric_min",
          "metric_max")
_NOT_EMPTY = ("level", "code", "q", "scheme", "class_name", "designation", "metric")


Year = Annotated[int, Field(ge=1949, le=2100)]


class UnitQuery(BaseModel):
    """What a caller may filter by; unset fields do not filter. `on` is today unless given."""

    on: IsoDate | None = None
    level: str | None = None
    kind: str | None = None
    town: str | None = None
    parent: str | None = None
    q: str | None = None
    code: str | None = None
    scheme: str | None = None
    class_name: str | None = None
    class_year: Year | None = None
    designation: str | None = None
    designation_year: Year | None = None
    metric: str | None = None
    metric_year: Year | None = None
    metric_min: Decimal | None = None
    metric_max: Decimal | None = None
    demo: bool | None = None
    sort: str = "unit_code"


def check(query: UnitQuery) -> None:
    """Refuses filters that cannot be answered, naming the field."""
    if query.level and query.level not in LEVELS:
        raise Invalid("level", f"应为 {'/'.join(LEVELS)} 之一 / must be one of {', '.join(LEVELS)}")
    # A scheme with a class label given, even an empty one: a label this registry stored (before labels
    # were checked) must stay a filter a consumer can ask for. A blank label alone filters nothing.
    if query.scheme and query.class_name is None:
        raise Invalid("class_name", "scheme 与 class_name 需同时给出 / give both")
    if query.class_name and not query.scheme:
        raise Invalid("scheme", "scheme 与 class_name 需同时给出 / give both")
    if not query.metric and (query.metric_min is not None or query.metric_max is not None):
        raise Invalid("metric", "按数值筛选需给出指标 / a range needs a metric")
    if query.metric and query.metric_year is None:
        raise Invalid("metric_year", "按指标筛选需给出年份 / a metric filter needs its year")


def shape(query: UnitQuery) -> frozenset[str]:
    """The names of the filters `query` sets: what its statement depends on, apart from the sort."""
    return frozenset([name for name in _GIVEN if getattr(query, name) is not None]
                     + [name for name in _NOT_EMPTY if getattr(query, name)])


def arguments(query: UnitQuery) -> dict:
    """The values of the statement's named parameters; the statement uses those its shape needs."""
    values = {name: getattr(query, name) for name in (*_GIVEN, *_NOT_EMPTY)}
    values["on"] = query.on or today()
    if query.code:
        values["code_prefix"] = _escaped(query.code) + "%"
    if query.q:
        values |= {"q_contains": f"%{_escaped(query.q)}%", "q_prefix": _escaped(query.q) + "%",
                   "q_pinyin": f"%{_escaped(query.q.replace(' ', ''))}%"}
    return values


def conditions(filters: frozenset[str]) -> list:
    """The conditions of the filters named, on named parameters that `arguments` fills."""
    found = [valid_on(bindparam("on"))]
    columns = {"level": unit_table.c.level, "kind": unit_table.c.kind, "town": unit_table.c.town_code,
               "parent": unit_table.c.parent_code, "demo": unit_table.c.demo}
    found += [column == bindparam(name) for name, column in columns.items() if name in filters]
    if "code" in filters:
        found.append(unit_table.c.unit_code.like(bindparam("code_prefix"), escape="\\"))
    if "q" in filters:
        found.append(or_(unit_table.c.name.like(bindparam("q_contains"), escape="\\"),
                         unit_table.c.name_pinyin.ilike(bindparam("q_pinyin"), escape="\\"),
                         unit_table.c.unit_code.like(bindparam("q_prefix"), escape="\\")))
    return found + _class_condition(filters) + _designation_condition(filters) + _metric_condition(filters)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _class_condition(filters: frozenset[str]) -> list:
    if "scheme" not in filters:
        return []
    uc = class_table.alias("uc")
    if "class_year" in filters:
        year = bindparam("class_year")
    else:  # the unit's latest year in this scheme: its current class
        latest = class_table.alias("latest")
        year = (select(func.max(latest.c.year)).where(latest.c.unit_code == uc.c.unit_code,
                                                       latest.c.scheme_key == bindparam("scheme")).scalar_subquery())
    return [exists().where(uc.c.unit_code == unit_table.c.unit_code, uc.c.scheme_key == bindparam("scheme"),
                           uc.c.class_name == bindparam("class_name"), uc.c.year == year)]


def _designation_condition(filters: frozenset[str]) -> list:
    if "designation" not in filters:
        return []
    d = designation_table
    found = [d.c.unit_code == unit_table.c.unit_code, d.c.kind_key == bindparam("designation"),
             d.c.status == "awarded"]
    if "designation_year" in filters:
        found.append(d.c.year == bindparam("designation_year"))
    return [exists().where(*found)]


def _metric_condition(filters: frozenset[str]) -> list:
    if "metric" not in filters:
        return []
    v = value_table
    found = [v.c.unit_code == unit_table.c.unit_code, v.c.metric_key == bindparam("metric"),
             v.c.year == bindparam("metric_year")]
    if "metric_min" in filters:
        found.append(v.c.value >= bindparam("metric_min"))
    if "metric_max" in filters:
        found.append(v.c.value <= bindparam("metric_max"))
    return [exists().where(*found)]


def sort_order(sort: str):
    """(column, descending) for a sort parameter such as `name` or `-unit_code`."""
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    if name not in SORTS:
        raise Invalid("sort", f"排序字段应为 {'/'.join(SORTS)} 之一 / must be one of {', '.join(SORTS)}")
    return SORTS[name], descending


def after(column, descending: bool):
    """The keyset condition: rows strictly after the cursor's (value, id)."""
    value = bindparam("after_value")
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, unit_table.c.id > bindparam("after_id")))


@lru_cache(maxsize=512)
def page_statement(filters: frozenset[str], sort: str, keyset: bool):
    """One page of a shape of query, `limit` rows (one more than shown, to see if more follow)."""
    column, descending = sort_order(sort)
    where = conditions(filters) + ([after(column, descending)] if keyset else [])
    ordered = (column.desc() if descending else column.asc(), unit_table.c.id.asc())
    return (select(*COLUMNS, unit_table.c.id, column.label("sort_value")).where(*where).order_by(*ordered)
            .limit(bindparam("limit", type_=Integer)))


@lru_cache(maxsize=256)
def count_statement(filters: frozenset[str]):
    return select(func.count()).select_from(unit_table).where(*conditions(filters))


def search_units(connection: Connection, query: UnitQuery, *, limit: int, position: dict | None) -> dict:
    """One page of units as plain dicts, the total that match, and where the next page starts.

    The total is counted once, for the first page, and travels in the cursor to the pages after
    it; a first page that holds every match is its own count. So only a first page with more to
    come pays for a count, and paging on through a large result never does.
    """
    sort_order(query.sort)
    check(query)
    filters, values = shape(query), arguments(query)
    total = None
    if position is not None:
        if position.get("s") != query.sort:
            raise Invalid("cursor", "与当前排序不符 / was given out for another sort")
        total = position.get("t")
        values |= {"after_value": position["v"], "after_id": position["id"]}
    statement = driver_select(page_statement(filters, query.sort, position is not None), connection.dialect)
    rows = statement.rows(connection, values | {"limit": limit + 1})
    items = [dict(zip(PUBLIC_FIELDS, row[:len(PUBLIC_FIELDS)], strict=True)) for row in rows[:limit]]
    if not isinstance(total, int):
        total = (len(rows) if position is None and len(rows) <= limit
                 else driver_select(count_statement(filters), connection.dialect).rows(connection, values)[0][0])
    next_position = None
    if len(rows) > limit:
        last = rows[limit - 1]  # its id and sort value follow the public fields
        next_position = {"s": query.sort, "v": last[len(PUBLIC_FIELDS) + 1], "id": last[len(PUBLIC_FIELDS)],
                         "t": total}
    return {"items": items, "total": total, "next_position": next_position}
