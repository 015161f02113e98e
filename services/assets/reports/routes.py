"""HTTP routes of reports: an engagement's report (PDF, .xlsx) and the year's summary (JSON, .xlsx).

Whoever may see the engagement may read its report. The endpoints are plain functions, so FastAPI
runs them in its thread pool: a render of a second or two never blocks the event loop. The data is
read first and the transaction ended before the render, so no connection waits on WeasyPrint.
"""

import tempfile
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Query
from sqlmodel import Session
from starlette.responses import Response

from services.assets.access import EngagementReader
from services.assets.fieldwork import engagements
from services.assets.reports import engagement_report, year_summary
from services.assets.reports.measures import organization_measures
from services.common.database import SessionDep
from services.common.downloads import XLSX, PdfResponse, XlsxResponse
from services.common.http import json_response
from services.common.tokens import Principal


@asynccontextmanager
async def _warm_reports(_app: FastAPI):
    """At start, WeasyPrint and its fonts load in the background rather than in the first report."""
    threading.Thread(target=engagement_report.warm_up, name="report-warm-up", daemon=True).start()
    yield


router = APIRouter(tags=["reports"], lifespan=_warm_reports)
Year = Annotated[int, Query(ge=2000, le=2100)]


def _attachment(name_ascii: str, name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename=\"{name_ascii}\"; filename*=UTF-8''{quote(name)}"}


def _report(session: Session, who: Principal, engagement_id: int) -> dict:
    engagement = engagements.get_engagement(session, who, engagement_id)
    report = engagement_report.engagement_report(session, engagement)
    session.commit()  # a read: hand the connection back before the slow part
    return report


def _file_name(report: dict, suffix: str) -> dict[str, str]:
    return _attachment(f"engagement-{report['id']}-{report['year']}.{suffix}",
                       f"{report['unit_name']}-{report['year']}年度{report['kind_zh']}报告.{suffix}")


def _xlsx(write, data, headers: dict[str, str]) -> Response:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.xlsx"
        write(path, data)
        content = path.read_bytes()
    return Response(content, media_type=XLSX, headers=headers)


@router.get("/v1/engagements/{engagement_id}/report.pdf", response_class=PdfResponse)
def engagement_report_pdf(engagement_id: int, session: SessionDep, who: EngagementReader):
    """The engagement's report: the village, team and dates, findings and rectification, checklist answers."""
    report = _report(session, who, engagement_id)
    return Response(engagement_report.report_pdf(report), media_type="application/pdf", headers=_file_name(report, "pdf"))


@router.get("/v1/engagements/{engagement_id}/report.xlsx", response_class=XlsxResponse)
def engagement_report_xlsx(engagement_id: int, session: SessionDep, who: EngagementReader):
    """The engagement's findings with their rectification, a row each."""
    report = _report(session, who, engagement_id)
    return _xlsx(engagement_report.write_findings, report, _file_name(report, "xlsx"))


@router.get("/v1/summary")
def read_year_summary(session: SessionDep, who: EngagementReader, year: Year):
    """The year at a glance, over the engagements the caller may see."""
    return json_response(year_summary.year_summary(session, who, year))


@router.get("/v1/summary.xlsx", response_class=XlsxResponse)
def year_summary_xlsx(session: SessionDep, who: EngagementReader, year: Year):
    found = year_summary.year_summary(session, who, year)
    session.commit()
    return _xlsx(year_summary.write_summary, found, _attachment(f"summary-{year}.xlsx", f"{year}年度三资监管汇总.xlsx"))


@router.get("/v1/measures")
def measures(session: SessionDep, who: EngagementReader, year: Annotated[int, Query(ge=2000, le=2100)]):
    """Per organization and village in the year: findings by severity, rectification rate, overdue count."""
    return json_response({"items": organization_measures(session, who, year), "next_cursor": None})
