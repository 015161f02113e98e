"""A run's results as an .xlsx workbook (考核结果导出): one row per village in rank order, its dimension
points, and each indicator's value and points; written a row at a time by the shared safe writer."""

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlmodel import Session

from services.assessment.models import Run, RunResult
from services.assessment.scheme_spec import SchemeSpec
from services.common.spreadsheets import write_xlsx

HEADINGS = {
    "zh": ("排名", "类内排名", "村代码", "村名", "乡镇代码", "类别", "总分", "等次", "一票否决", "{}得分", "{}（数值）",
           "{}（得分）"),
    "en": ("Rank", "Rank in class", "Unit code", "Village", "Town code", "Class", "Total", "Grade", "Vetoed by",
           "{} points", "{} (value)", "{} (points)"),
}
BATCH = 5000


def headers(spec: SchemeSpec, lang: str) -> list[str]:
    words = HEADINGS.get(lang, HEADINGS["zh"])
    name = (lambda zh, en: en or zh) if lang == "en" else (lambda zh, en: zh)
    return [*words[:9], *(words[9].format(name(d[1], d[2])) for d in spec.dimensions),
            *(heading.format(name(i.name_zh, i.name_en)) for i in spec.indicators for heading in words[10:12])]


def rows(session: Session, run: Run, spec: SchemeSpec, towns: tuple[str, ...] | None) -> Iterator[list]:
    """The run's results in rank order, read a batch at a time; only `towns`' villages when given."""
    table = RunResult.__table__
    query = select(table).where(table.c.run_id == run.id).order_by(table.c.rank, table.c.unit_code)
    if towns is not None:
        query = query.where(table.c.town_code.in_(towns))
    k, places = len(spec.indicators), spec.decimals
    for row in session.execute(query.execution_options(yield_per=BATCH)).mappings():
        values = orjson.loads(row["breakdown"])
        indicators = [cell for n in range(k) for cell in (_number(values[n]), _number(values[k + n], places))]
        yield [row["rank"], row["class_rank"], row["unit_code"], row["unit_name"], row["town_code"], row["class_name"],
               _number(row["total"], places), row["grade"], ", ".join(orjson.loads(row["vetoes"])),
               *(_number(p, places) for p in orjson.loads(row["dimensions"])), *indicators]


def _number(value: float | None, places: int | None = None) -> Decimal | None:
    """A float as the shortest Decimal that reads back as it (at `places` when given): a number in the sheet."""
    if value is None:
        return None
    exact = Decimal(repr(float(value)))
    return exact if places is None else round(exact, places)


def write(path: Path, session: Session, run: Run, spec: SchemeSpec, towns: tuple[str, ...] | None,
          lang: str) -> int:
    return write_xlsx(path, sheet=f"run-{run.id}", headers=headers(spec, lang), rows=rows(session, run, spec, towns),
                      widths=(6, 8, 14, 16, 14, 12, 9, 8, 12))
