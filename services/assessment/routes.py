"""HTTP routes of the assessment service: schemes, periods and inputs, runs and results, targets."""

import tempfile
from pathlib import Path
from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from sqlmodel import select
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, JSONResponse

from services.assessment import exports, inputs, results, runs, schemes, targets
from services.assessment.access import Officer, Reader, actor, require_visible, towns_seen
from services.assessment.models import Period
from services.assessment.schemas import ManualEntryIn, PeriodIn, RunIn, SchemeIn
from services.common.database import SessionDep, SessionsDep
from services.common.downloads import XLSX, XlsxResponse
from services.common.errors import Conflict, Invalid, NotFound
from services.common.http import IdempotencyDep, check_if_match, decode_cursor, encode_cursor, etag
from services.common.limits import time_limit

router = APIRouter(prefix="/v1")
Limit = Annotated[int, Query(ge=1, le=1000)]


def _json(payload, version: int | None = None, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(payload), status_code=status,
                        headers={"ETag": etag(version)} if version else None)


def peer(request: Request, name: str) -> httpx.Client:
    """A client reading another service (`registry`, `assets`) as the caller; an in-process one in tests and
    the demo (`app.state.<name>_client`)."""
    settings = request.app.state.settings
    shared = getattr(request.app.state, f"{name}_client", None)
    headers = {"Authorization": request.headers["authorization"]}
    if shared is not None:
        shared.headers.update(headers)
        return shared
    return httpx.Client(base_url=getattr(settings, f"{name}_url"), headers=headers,
                        timeout=getattr(settings, f"{name}_timeout"), trust_env=False)


def registry(request: Request) -> httpx.Client:
    return peer(request, "registry")


@router.get("/schemes", tags=["schemes"])
def list_schemes(session: SessionDep, _: Officer):
    found = session.exec(select(schemes.Scheme).order_by(schemes.Scheme.code, schemes.Scheme.version)).all()
    return _json({"items": [{"id": s.id, "code": s.code, "version": s.version, "status": s.status,
                             "name_zh": s.name_zh, "district_code": s.district_code} for s in found],
                  "next_cursor": None})


@router.post("/schemes", status_code=201, tags=["schemes"])
def create_scheme(body: SchemeIn, session: SessionDep, who: Officer, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    scheme = schemes.create(session, body, actor=actor(who))
    return idem.remember(session, schemes.document(session, scheme), headers={"ETag": etag(scheme.row_version)})


@router.get("/schemes/{scheme_id}", tags=["schemes"])
def read_scheme(scheme_id: int, session: SessionDep, _: Officer):
    scheme = schemes.get(session, scheme_id)
    return _json(schemes.document(session, scheme), scheme.row_version)


@router.put("/schemes/{scheme_id}", tags=["schemes"])
def replace_scheme(scheme_id: int, body: SchemeIn, request: Request, session: SessionDep, who: Officer):
    scheme = schemes.get(session, scheme_id)
    schemes.require_draft(scheme)
    check_if_match(request, scheme.row_version)
    scheme = schemes.update(session, scheme, body, actor=actor(who))
    return _json(schemes.document(session, scheme), scheme.row_version)


@router.post("/schemes/{scheme_id}/publish", tags=["schemes"])
def publish_scheme(scheme_id: int, session: SessionDep, who: Officer):
    scheme = schemes.publish(session, schemes.get(session, scheme_id), actor=actor(who))
    return _json(schemes.document(session, scheme), scheme.row_version)


@router.get("/schemes/{scheme_id}/what-if", tags=["schemes"])
def what_if(scheme_id: int, session: SessionDep, _: Officer, period: int, limit: Limit = 50):
    """The scheme scored against the period's inputs in memory, beside the published run; writes nothing."""
    return _json(results.what_if(session, schemes.get(session, scheme_id), period, limit=limit))


@router.get("/periods", tags=["periods"])
def list_periods(session: SessionDep, _: Officer):
    found = session.exec(select(Period).order_by(Period.district_code, Period.year)).all()
    return _json({"items": [p.model_dump() for p in found], "next_cursor": None})


@router.post("/periods", status_code=201, tags=["periods"])
def create_period(body: PeriodIn, session: SessionDep, who: Officer):
    if session.exec(select(Period).where(Period.district_code == body.district_code, Period.year == body.year)).first():
        raise Conflict(f"{body.year} 年度已存在 / the period {body.year} exists", code="period_exists")
    period = Period(**body.model_dump(), created_by=actor(who))
    session.add(period)
    session.flush()
    return _json(period.model_dump(), status=201)


@router.post("/periods/{period_id}/inputs", status_code=201, tags=["periods"])
def gather_inputs(period_id: int, request: Request, sessions: SessionsDep, who: Officer):
    """Reads the registry and the assets service as the caller, within ASSESSMENT_GATHER_SECONDS, and stores
    the snapshot with its digest; no write lock is held while the others are read."""
    with sessions.read() as session:
        period = inputs.get_period(session, period_id)
    with time_limit(request.app.state.settings.gather_seconds):
        document = inputs.read_registry(registry(request), period.district_code, period.year)
        inputs.read_assets(peer(request, "assets"), document)
    with sessions.write() as session:
        snapshot = inputs.store_snapshot(session, inputs.get_period(session, period_id), document, actor=actor(who))
        return _json(_snapshot_view(snapshot), status=201)


@router.get("/periods/{period_id}/inputs", tags=["periods"])
def read_inputs(period_id: int, session: SessionDep, _: Officer, scheme_id: int | None = None):
    """The latest snapshot; with `scheme_id`, the completeness report of that scheme's indicators."""
    period = inputs.get_period(session, period_id)
    snapshot = inputs.latest_snapshot(session, period)
    view = _snapshot_view(snapshot) | {"year": period.year, "district_code": period.district_code}
    if scheme_id is not None:
        spec = schemes.spec_of_scheme(session, schemes.get(session, scheme_id))
        document, _digest = runs.prepared(session, period_id, snapshot, schemes.get(session, scheme_id))
        view["indicators"] = inputs.completeness(spec, inputs.inputs_for(document, document.pop("_manual"), spec))
        view["ready"] = not any(i["blocks"] for i in view["indicators"])
    return _json(view)


def _snapshot_view(snapshot) -> dict:
    return {"id": snapshot.id, "period_id": snapshot.period_id, "digest": snapshot.digest, "units": snapshot.units,
            "columns": snapshot.completeness["columns"], "unavailable": snapshot.completeness.get("unavailable", {}),
            "skipped": snapshot.completeness.get("skipped", []),
            "gathered_by": snapshot.gathered_by,
            "gathered_at": snapshot.gathered_at}


@router.get("/periods/{period_id}/villages", tags=["periods"])
def list_villages(period_id: int, session: SessionDep, _: Officer):
    """The villages of the period's latest snapshot, in code order: whom manual entries may name."""
    villages = inputs.snapshot_villages(inputs.latest_snapshot(session, inputs.get_period(session, period_id)))
    return _json({"items": [{"unit_code": code, "name": name, "town_code": town} for code, name, town in
                            zip(villages.codes, villages.names, villages.towns, strict=True)],
                  "next_cursor": None})


@router.get("/periods/{period_id}/manual-entries", tags=["periods"])
def list_manual(period_id: int, session: SessionDep, _: Officer):
    period = inputs.get_period(session, period_id)
    return _json({"items": [e.model_dump() for e in inputs.manual_entries(session, period)], "next_cursor": None})


@router.post("/periods/{period_id}/manual-entries", status_code=201, tags=["periods"])
def enter_manual(period_id: int, body: ManualEntryIn, session: SessionDep, who: Officer):
    period = inputs.get_period(session, period_id)
    entry = inputs.enter_manual(session, period, **body.model_dump(), actor=actor(who))
    return _json(entry.model_dump(), status=201)


@router.post("/runs", status_code=202, tags=["runs"])
def create_run(body: RunIn, request: Request, session: SessionDep, who: Officer):
    """Records the run and answers with its id at once; the computing happens in the background."""
    run = runs.create(session, schemes.get(session, body.scheme_id), inputs.get_period(session, body.period_id),
                      actor=actor(who))
    session.commit()
    runs.start(request.app.state.engine, run.id)
    return _json(_run_view(run), status=202)


def _run_view(run) -> dict:
    return run.model_dump()


@router.get("/runs", tags=["runs"])
def list_runs(session: SessionDep, who: Reader, scheme_id: int | None = None, period_id: int | None = None,
              published: bool | None = None, limit: Limit = 50, cursor: str | None = None):
    """Runs newest first; town officers and viewers see published ones only."""
    position = decode_cursor(cursor)
    hidden = who.role in ("town_officer", "viewer")
    found = runs.list_runs(session, scheme_id=scheme_id, period_id=period_id, published_only=bool(published) or hidden,
                           before_id=int(position["id"]) if position else None, limit=limit)
    next_cursor = encode_cursor({"id": found[-1].id}) if len(found) == limit else None
    return _json({"items": [_run_view(run) for run in found], "next_cursor": next_cursor})


@router.get("/runs/compare", tags=["runs"])
def compare_runs(session: SessionDep, _: Officer, a: int, b: int, limit: Limit = 50):
    return _json(results.compare(session, runs.get(session, a), runs.get(session, b), limit=limit))


@router.get("/runs/{run_id}", tags=["runs"])
def read_run(run_id: int, session: SessionDep, who: Reader):
    run = runs.get(session, run_id)
    require_visible(who, run)
    return _json(_run_view(run))


@router.post("/runs/{run_id}/publish", tags=["runs"])
def publish_run(run_id: int, session: SessionDep, who: Officer):
    return _json(_run_view(runs.publish(session, runs.get(session, run_id), actor=actor(who))))


@router.get("/runs/{run_id}/results", tags=["runs"])
def list_results(run_id: int, session: SessionDep, who: Reader, town: str | None = None,
                 class_name: str | None = None, grade: str | None = None, limit: Limit = 100,
                 cursor: str | None = None):
    run = runs.get(session, run_id)
    require_visible(who, run)
    position = decode_cursor(cursor)
    after = (int(position["rank"]), str(position["unit_code"])) if position else None
    items = results.ranking(session, run, towns=towns_seen(who), town=town, class_name=class_name, grade=grade,
                            after=after, limit=limit)
    next_cursor = encode_cursor({"rank": items[-1]["rank"], "unit_code": items[-1]["unit_code"]}) \
        if len(items) == limit else None
    return _json({"items": items, "next_cursor": next_cursor})


@router.get("/runs/{run_id}/results.xlsx", tags=["runs"], response_class=XlsxResponse)
def export_results(run_id: int, session: SessionDep, who: Reader, lang: Literal["zh", "en"] = "zh"):
    """The run's results as .xlsx, rank order; a town officer's has their villages only."""
    run = runs.get(session, run_id)
    require_visible(who, run)
    spec = schemes.spec_of_scheme(session, schemes.get(session, run.scheme_id))
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as file:
        path = Path(file.name)
    exports.write(path, session, run, spec, towns_seen(who), lang)
    return FileResponse(path, media_type=XLSX, filename=f"assessment-run-{run.id}.xlsx",
                        background=BackgroundTask(path.unlink, missing_ok=True))


@router.get("/runs/{run_id}/results/{unit_code}", tags=["runs"])
def read_result(run_id: int, unit_code: str, session: SessionDep, who: Reader):
    run = runs.get(session, run_id)
    require_visible(who, run)
    result = results.one(session, run, unit_code)
    seen = towns_seen(who)
    if seen is not None and result.town_code not in seen:
        raise NotFound(f"计分 {run.id} 中没有 {unit_code} / run {run.id} has no {unit_code}", code="result_not_found")
    spec = schemes.spec_of_scheme(session, schemes.get(session, run.scheme_id))
    return _json(results.breakdown(spec, result))


@router.get("/targets", tags=["targets"])
def list_targets(request: Request, _: Reader, district_code: str | None = None,
                 since: Annotated[int, Query(ge=2000, le=2100)] = 2021,
                 until: Annotated[int, Query(ge=2000, le=2100)] = 2025):
    if until < since:
        raise Invalid("until", "不能早于 since / must not be before since")
    client = registry(request)
    chosen = [t for t in targets.TARGETS if district_code in (None, t["district_code"])]
    return _json({"items": [targets.progress(client, t, range(since, until + 1)) for t in chosen]})
