"""HTTP routes of spreadsheet imports and .xlsx exports (表格导入导出)."""

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from services.common.auth import require_roles
from services.common.database import SessionDep
from services.common.downloads import XLSX, XlsxResponse
from services.common.imports import Mode, refused
from services.common.limits import time_limit
from services.common.tokens import Principal
from services.common.uploads import UploadDep, upload_idempotency
from services.registry import exports, imports
from services.registry.access import STATISTICS_EDITORS
from services.registry.routing import Reader, actor

router = APIRouter(prefix="/v1", tags=["imports"])
Importer = Annotated[Principal, Depends(require_roles(*STATISTICS_EDITORS))]
Year = Annotated[int, Query(ge=1949, le=2100)]


@router.post("/imports")
def import_file(kind: Literal["units", "organizations", "statistics"], request: Request, who: Importer,
                upload: UploadDep, session: SessionDep, mode: Mode = "all_or_nothing", dry_run: bool = False,
                year: Annotated[int | None, Query(ge=1949, le=2100)] = None):
    """Checks every row of an uploaded .xlsx or .csv file, then applies it.

    200 with the report (`status` applied, or validated/rejected for a dry run); 422 problem+json
    with the same report and its `errors` when applying was asked and the file has errors in
    `all_or_nothing` mode, nothing applied. `year` fills a statistics file without a year column.
    """
    idem = upload_idempotency(request, actor(who), upload.sha256)
    if replay := idem.replay(session):
        return replay
    with time_limit(request.app.state.settings.import_seconds):
        report = imports.import_file(session, upload.path, kind=kind, principal=who, mode=mode, dry_run=dry_run,
                                     year=year, file_sha256=upload.sha256)
    if report.status == "rejected" and not dry_run:
        raise refused(report)
    return idem.remember(session, report.as_dict(), status=200)


@router.get("/exports/units.xlsx", response_class=XlsxResponse)
def export_units(session: SessionDep, _: Reader):
    return _xlsx(lambda path: exports.export_units(session, path), f"units-{date.today()}.xlsx")


@router.get("/exports/organizations.xlsx", response_class=XlsxResponse)
def export_organizations(session: SessionDep, who: Reader):
    return _xlsx(lambda path: exports.export_organizations(session, path, who), f"organizations-{date.today()}.xlsx")


@router.get("/exports/statistics.xlsx", response_class=XlsxResponse)
def export_statistics(session: SessionDep, _: Reader, year: Year):
    return _xlsx(lambda path: exports.export_statistics(session, path, year=year), f"statistics-{year}.xlsx")


def _xlsx(write: Callable[[Path], int], filename: str) -> FileResponse:
    """Writes to a temporary file, sends it, and removes it once sent."""
    with tempfile.NamedTemporaryFile(prefix="zx-export-", suffix=".xlsx", delete=False) as file:
        path = Path(file.name)
    try:
        write(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(path, media_type=XLSX, filename=filename,
                        background=BackgroundTask(path.unlink, missing_ok=True))
