"""Yearly statistics (年度统计数据): a metric catalogue and one value per unit, metric and year.

Values are Decimals with two places; a correction moves the earlier value to history. The
bulk read for a year is the hot path and runs as one Core query.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import groupby
from operator import itemgetter

import orjson
from sqlalchemy import Connection, String, cast, func, insert, select, update
from sqlalchemy.orm import Session

from services.common.errors import Conflict, Invalid
from services.registry.changes import record_change
from services.registry.models import Metric, StatisticHistory, StatisticValue, Unit

metric_table = Metric.__table__
value_table = StatisticValue.__table__
history_table = StatisticHistory.__table__
unit_table = Unit.__table__

METRIC_FIELDS = ("key", "name", "name_en", "unit", "type", "builtin")
CENT = Decimal("0.01")
LIMIT = Decimal("1e16")


def list_metrics(session: Session) -> list[dict]:
    rows = session.execute(select(metric_table).order_by(metric_table.c.id)).mappings()
    return [{k: r[k] for k in METRIC_FIELDS} for r in rows]


def metric_types(session: Session) -> dict[str, str]:
    return dict(session.execute(select(metric_table.c.key, metric_table.c.type)).all())


def create_metric(session: Session, data: dict, *, actor: str) -> dict:
    if session.execute(select(metric_table.c.id).where(metric_table.c.key == data["key"])).first():
        raise Conflict(f"指标 {data['key']} 已存在 / metric {data['key']} exists", code="metric_exists")
    row = {k: data[k] for k in ("key", "name", "name_en", "unit", "type")} | {"builtin": False}
    session.execute(insert(metric_table).values(**row))
    record_change(session, actor=actor, action="create", entity="metric", key=row["key"], after=row)
    return row


def parse_value(raw, metric_type: str, *, field: str) -> Decimal:
    """A value as stored: two decimal places; integers must be whole; nothing infinite or huge."""
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise Invalid(field, "应为数字 / must be a number") from None
    if not value.is_finite() or abs(value) >= LIMIT:
        raise Invalid(field, "数值超出范围 / number out of range")
    if metric_type == "integer" and value != value.to_integral_value():
        raise Invalid(field, "应为整数 / must be a whole number")
    if value != value.quantize(CENT):
        raise Invalid(field, "最多两位小数 / at most two decimal places")
    return value.quantize(CENT)


def shown_value(value: Decimal, metric_type: str) -> int | str:
    """Integers as JSON numbers; money, decimals and percents as exact strings ("1234.50")."""
    return int(value) if metric_type == "integer" else str(value.quantize(CENT))


def record_statistics(session: Session, unit: dict, *, year: int, values: dict, source: str,
                      actor: str) -> list[dict]:
    """Saves one unit's values for a year; a changed value is a correction, the old one kept in history."""
    types = metric_types(session)
    parsed = {}
    for key, raw in values.items():
        if key not in types:
            raise Invalid(f"values.{key}", f"没有指标 {key} / no metric {key}")
        parsed[key] = parse_value(raw, types[key], field=f"values.{key}")
    return [saved for key, value in parsed.items()
            if (saved := _save(session, unit, key, year, value, source, actor, types[key])) is not None]


def record_many(session: Session, rows: Iterable[dict], *, actor: str) -> list[dict]:
    """For importers: rows of {unit (dict), year, values, source}; errors name the row."""
    saved = []
    for index, row in enumerate(rows):
        try:
            saved += record_statistics(session, row["unit"], year=row["year"], values=row["values"],
                                       source=row["source"], actor=actor)
        except Invalid as exc:
            raise Invalid(f"rows[{index}].{exc.field}", exc.errors[0]["message"]) from None
    return saved


def _save(session: Session, unit: dict, key: str, year: int, value: Decimal, source: str, actor: str,
          metric_type: str) -> dict | None:
    where = (value_table.c.unit_code == unit["unit_code"], value_table.c.metric_key == key, value_table.c.year == year)
    old = session.execute(select(value_table).where(*where)).mappings().first()
    if old is not None and old["value"] == value and old["source"] == source:
        return None
    now = datetime.now(UTC)
    current = {"value": value, "source": source, "entered_by": actor, "entered_at": now, "unit_id": unit["id"]}
    if old is None:
        session.execute(insert(value_table).values(unit_code=unit["unit_code"], metric_key=key, year=year, **current))
    else:
        session.execute(insert(history_table).values(
            statistic_id=old["id"], value=old["value"], source=old["source"], entered_by=old["entered_by"],
            entered_at=old["entered_at"], replaced_by=actor, replaced_at=now))
        session.execute(update(value_table).where(*where).values(**current))
    result = {"unit_code": unit["unit_code"], "metric_key": key, "year": year,
              "value": shown_value(value, metric_type), "source": source}
    record_change(session, actor=actor, action="update" if old else "create", entity="statistic",
                  key=f"{unit['unit_code']}/{year}/{key}",
                  before={"value": str(old["value"]), "source": old["source"]} if old else None, after=result)
    return result


def unit_statistics(session: Session, unit_code: str, *, year: int | None = None,
                    with_history: bool = False) -> list[dict]:
    """One unit's values, each with source and time of entry, optionally with earlier values."""
    types = metric_types(session)
    query = select(value_table).where(value_table.c.unit_code == unit_code)
    if year is not None:
        query = query.where(value_table.c.year == year)
    rows = session.execute(query.order_by(value_table.c.year, value_table.c.metric_key)).mappings().all()
    items = [{"metric_key": r["metric_key"], "year": r["year"], "value": shown_value(r["value"], types[r["metric_key"]]),
              "source": r["source"], "entered_by": r["entered_by"], "entered_at": r["entered_at"]} for r in rows]
    if with_history:
        earlier = _history(session, [r["id"] for r in rows], types, {r["id"]: r["metric_key"] for r in rows})
        for item, row in zip(items, rows, strict=True):
            item["history"] = earlier.get(row["id"], [])
    return items


def _history(session: Session, ids: list[int], types: dict, keys: dict) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    if not ids:
        return found
    rows = session.execute(select(history_table).where(history_table.c.statistic_id.in_(ids))
                           .order_by(history_table.c.id)).mappings()
    for r in rows:
        found.setdefault(r["statistic_id"], []).append({
            "value": shown_value(r["value"], types[keys[r["statistic_id"]]]), "source": r["source"],
            "entered_by": r["entered_by"], "entered_at": r["entered_at"], "replaced_at": r["replaced_at"]})
    return found


def read_year(connection: Connection, *, year: int, metric_keys: list[str] | None = None,
              town: str | None = None, chunk: int | None = None) -> bytes | Iterator[bytes]:
    """All units' values of the chosen metrics (all metrics if none) for one year, as JSON bytes:
    `{"year", "metrics", "items": [{"unit_code", "name", "town_code", "values": {key: value}}]}`.

    The hot path of the assessment service, every unit at once (500,000 in a large province):
    one query whose rows come back in unit order with each value already written as its text,
    so no Decimal is made per row, then plain dicts for orjson.

    With `chunk`, one metric comes back as an iterator of the same bytes in parts of that many
    units, each fetched and written as the iterator is advanced, so the caller can send while it
    reads; the caller keeps the connection open until the iterator is done or closed.
    """
    types = metric_types(connection)
    keys = metric_keys or list(types)
    unknown = [k for k in keys if k not in types]
    if unknown:
        raise Invalid("metrics", f"没有指标 {unknown[0]} / no metric {unknown[0]}")
    one = len(keys) == 1
    query = (select(value_table.c.unit_code, value_table.c.metric_key, _as_text(connection, value_table.c.value),
                    unit_table.c.name, unit_table.c.town_code)
             .join(unit_table, unit_table.c.id == value_table.c.unit_id)
             # One metric is an equality, so the covering index hands rows over already in unit order.
             .where(value_table.c.year == year,
                    value_table.c.metric_key == keys[0] if one else value_table.c.metric_key.in_(keys))
             .order_by(value_table.c.unit_code))
    if town:
        query = query.where(unit_table.c.town_code == town)
    if one:
        head = orjson.dumps({"year": year, "metrics": keys, "items": []})[:-2]  # ends in `"items":[`
        # Every column is plain text that needs no result processing: the driver's own tuples
        # skip a Row per unit, which on 500,000 units is about a third of the fetch. (Not with
        # `stream_results`, whose result buffers rows ahead of its cursor.)
        result = connection.execute(query)
        if chunk:
            return _one_metric_parts(result, head, keys[0], types[keys[0]], chunk)
        try:
            rows = result.cursor.fetchall()
        finally:
            result.close()
        return b"".join((head, _one_metric(rows, keys[0], types[keys[0]]), b"]}"))
    items = _metrics(connection.execute(query), {k for k in keys if types[k] == "integer"})
    return orjson.dumps({"year": year, "metrics": keys, "items": items})


def _one_metric(rows, key: str, metric_type: str) -> bytes:
    """Each row is a unit, so the items are written straight to JSON bytes, one format per row:
    the same bytes orjson makes of `{"unit_code", "name", "town_code", "values": {key: value}}`
    (the texts escaped by orjson), without a dict per unit."""
    dumps = orjson.dumps
    item = b'{"unit_code":%b,"name":%b,"town_code":%b,"values":{' + dumps(key).replace(b"%", b"%%") + b':%b}}'
    if metric_type == "integer":
        return b",".join([item % (dumps(code), dumps(name), dumps(town_code), b"%d" % int(text[:-3]))
                          for code, _, text, name, town_code in rows])
    item = item.replace(b":%b}}", b':"%s"}}')
    return b",".join([item % (dumps(code), dumps(name), dumps(town_code), text.encode())
                      for code, _, text, name, town_code in rows])


def _one_metric_parts(result, head: bytes, key: str, metric_type: str, size: int) -> Iterator[bytes]:
    """`head`, then the items `size` units at a time as the cursor gives them, then the end."""
    try:
        part = head
        while rows := result.cursor.fetchmany(size):
            yield part + _one_metric(rows, key, metric_type)
            part = b","
        yield b"]}" if part == b"," else head + b"]}"
    finally:
        result.close()


def _metrics(rows, whole: set[str]) -> list[dict]:
    items = []
    for code, unit_rows in groupby(rows, itemgetter(0)):
        first = next(unit_rows)
        values = {key: int(text[:-3]) if key in whole else text for _, key, text, _, _ in (first, *unit_rows)}
        items.append({"unit_code": code, "name": first[3], "town_code": first[4], "values": values})
    return items


def _as_text(connection: Connection, value):
    """The value as `shown_value` writes it, two places ("312.00"): numeric(18,2) as text on
    PostgreSQL; SQLite keeps a Numeric as a double, which printf rounds as Decimal would."""
    if connection.dialect.name == "sqlite":
        return func.printf("%.2f", value)
    return cast(value, String)
