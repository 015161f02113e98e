"""Exports to .xlsx (表格导出) in the columns the import reads, so an exported file imports back
as "all unchanged". Rows stream from the database into a constant-memory writer."""

from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.imports import Column
from services.common.spreadsheets import write_xlsx
from services.common.tokens import Principal
from services.registry import access, statistics
from services.registry.imports import (
    KIND_LABELS,
    LEVEL_LABELS,
    ORGANIZATION_COLUMNS,
    STATUS_LABELS,
    UNIT_COLUMNS,
    org_table,
    statistic_columns,
    unit_table,
    value_table,
)

STREAM_ROWS = 2000


def _stream(session: Session, query) -> Iterator:
    return session.execute(query.execution_options(yield_per=STREAM_ROWS)).mappings()


def _widths(columns: tuple[Column, ...]) -> list[int]:
    return [max(12, min(len(c.heading) + 4, 40)) for c in columns]


def export_units(session: Session, path: Path) -> int:
    """Units that exist now, parents before children (a parent's code sorts before its children's)."""
    query = select(unit_table).where(unit_table.c.valid_to.is_(None)).order_by(unit_table.c.unit_code)
    rows = ([r["unit_code"], r["name"], r["parent_code"], KIND_LABELS[r["kind"]], r["name_pinyin"], r["name_en"],
             r["urban_rural_code"], r["valid_from"]] for r in _stream(session, query))
    return write_xlsx(path, sheet="units", headers=[c.heading for c in UNIT_COLUMNS], rows=rows,
                      widths=_widths(UNIT_COLUMNS))


def export_organizations(session: Session, path: Path, principal: Principal) -> int:
    """Every organization; the representative's phone only where the caller may see it."""
    query = select(org_table).order_by(org_table.c.credit_code)
    rows = ([r["credit_code"], r["name"], LEVEL_LABELS[r["level"]], r["unit_code"], r["legal_representative"],
             r["representative_phone"] if access.sees_hidden_fields(principal, r["town_code"]) else None,
             r["registered_on"], STATUS_LABELS[r["status"]]] for r in _stream(session, query))
    return write_xlsx(path, sheet="organizations", headers=[c.heading for c in ORGANIZATION_COLUMNS], rows=rows,
                      widths=_widths(ORGANIZATION_COLUMNS))


def export_statistics(session: Session, path: Path, *, year: int) -> int:
    """One row per unit with values in `year`, one column per metric; the source when the row shares one."""
    metrics = statistics.list_metrics(session)
    columns = statistic_columns(metrics)
    types = {m["key"]: m["type"] for m in metrics}
    query = (select(value_table.c.unit_code, value_table.c.metric_key, value_table.c.value, value_table.c.source,
                    unit_table.c.name)
             .join(unit_table, unit_table.c.id == value_table.c.unit_id)
             .where(value_table.c.year == year).order_by(value_table.c.unit_code, value_table.c.metric_key))

    def rows() -> Iterator[list]:
        for code, group in groupby(_stream(session, query), key=lambda r: r["unit_code"]):
            found = list(group)
            values = {r["metric_key"]: _shown(r["value"], types[r["metric_key"]]) for r in found}
            sources = {r["source"] for r in found}
            yield ([code, found[0]["name"], year, sources.pop() if len(sources) == 1 else None]
                   + [values.get(m["key"]) for m in metrics])

    return write_xlsx(path, sheet=f"statistics {year}", headers=[c.heading for c in columns], rows=rows(),
                      widths=_widths(columns))


def _shown(value, metric_type: str):
    """Counts as whole numbers, everything else with its two places."""
    return int(value) if metric_type == "integer" else value.quantize(statistics.CENT)
