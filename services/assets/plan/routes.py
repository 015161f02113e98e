"""HTTP routes of the annual audit plan (年度审计计划): generate, adjust, approve, amend, export."""

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from starlette.responses import JSONResponse, Response

from services.assets.access import Lead, actor
from services.assets.clients.registry import District, read_district, registry_client, snapshot_of
from services.assets.fieldwork.engagements import engagement_view
from services.assets.plan import approval, lifecycle
from services.assets.plan.exports import write_plan
from services.assets.plan.presenters import amendment_view, plan_view, row_view
from services.assets.plan.schemas import AmendmentIn, ApproveIn, PlanIn, PlanRegenerate, RowPatch
from services.common.database import SessionDep, SessionsDep
from services.common.downloads import XLSX, XlsxResponse
from services.common.http import IdempotencyDep, check_if_match, etag
from services.common.limits import time_limit

router = APIRouter(prefix="/v1/plans", tags=["plans"])


def _json(payload, version: int | None = None, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(payload), status_code=status,
                        headers={"ETag": etag(version)} if version else None)


def _district(request: Request, year: int) -> District:
    settings = request.app.state.settings
    client = registry_client(settings.registry_url, request.headers["authorization"],
                             timeout=settings.registry_timeout,
                             shared=getattr(request.app.state, "registry_client", None))
    with time_limit(settings.plan_read_seconds):
        return read_district(client, settings.district_code, year)


@router.get("")
def list_plans(session: SessionDep, _: Lead):
    return {"items": [plan_view(p) for p in lifecycle.list_plans(session)], "next_cursor": None}


@router.post("", status_code=201)
def create_plan(body: PlanIn, request: Request, sessions: SessionsDep, who: Lead, idem: IdempotencyDep):
    """Reads the registry as the caller and proposes the year's plan, solving with no write lock held."""
    with sessions.read() as session:
        if replay := idem.peek(session):
            return replay
        lifecycle.require_no_plan(session, body.year)
        inputs = lifecycle.read_inputs(session, body.year)
    district = _district(request, body.year)
    snapshot = snapshot_of(district, body.settings.levels)
    proposal = lifecycle.propose_plan(snapshot, inputs, body.settings, year=body.year, seed=body.seed,
                                      time_limit=request.app.state.settings.plan_solve_seconds)
    with sessions.write() as session:
        if replay := idem.replay(session):
            return replay
        plan = lifecycle.generate(session, year=body.year, settings=body.settings, seed=body.seed, snapshot=snapshot,
                                  statistics_year=district.statistics_year, district_code=district.code,
                                  actor=actor(who), proposal=proposal, inputs=inputs, skipped=district.skipped)
        payload = plan_view(plan, rows=lifecycle.plan_rows(session, plan))
        return idem.remember(session, payload, headers={"ETag": etag(plan.version)})


@router.get("/{plan_id}")
def read_plan(plan_id: int, session: SessionDep, _: Lead):
    plan = lifecycle.get_plan(session, plan_id)
    return _json(plan_view(plan, rows=lifecycle.plan_rows(session, plan)), plan.version)


@router.patch("/{plan_id}")
def regenerate_plan(plan_id: int, body: PlanRegenerate, request: Request, sessions: SessionsDep, who: Lead):
    """A new proposal for a draft with other settings or seed; `refresh` reads the registry again."""
    with sessions.read() as session:
        plan = lifecycle.get_plan(session, plan_id)
        check_if_match(request, plan.version)
        lifecycle.require_draft(plan)
        inputs = lifecycle.read_inputs(session, plan.year)
    district = _district(request, plan.year) if body.refresh else None
    snapshot = snapshot_of(district, body.settings.levels) if district else plan.snapshot
    proposal = lifecycle.propose_plan(snapshot, inputs, body.settings, year=plan.year, seed=body.seed,
                                      time_limit=request.app.state.settings.plan_solve_seconds)
    with sessions.write() as session:
        plan = lifecycle.get_plan(session, plan_id)
        check_if_match(request, plan.version)  # again: someone may have changed the draft while it was solved
        plan = lifecycle.regenerate(session, plan, settings=body.settings, seed=body.seed, actor=actor(who),
                                    proposal=proposal, inputs=inputs, snapshot=snapshot if district else None,
                                    statistics_year=district.statistics_year if district else None,
                                    skipped=district.skipped if district else None)
        return _json(plan_view(plan, rows=lifecycle.plan_rows(session, plan)), plan.version)


@router.get("/{plan_id}/rows")
def list_rows(plan_id: int, session: SessionDep, _: Lead):
    plan = lifecycle.get_plan(session, plan_id)
    return {"items": [row_view(r) for r in lifecycle.plan_rows(session, plan)], "next_cursor": None}


@router.patch("/{plan_id}/rows/{row_id}")
def change_row(plan_id: int, row_id: int, body: RowPatch, request: Request, session: SessionDep, who: Lead):
    """Swap the organization or set the team of a draft's row (If-Match: the plan's ETag)."""
    plan = lifecycle.get_plan(session, plan_id)
    row = lifecycle.get_row(session, plan, row_id)
    check_if_match(request, plan.version)
    lifecycle.require_draft(plan)
    row = lifecycle.change_row(session, plan, row, credit_code=body.credit_code, team=body.team, actor=actor(who))
    return _json(row_view(row) | {"plan_warnings": plan.summary.get("warnings", [])}, plan.version)


@router.post("/{plan_id}/approve")
def approve_plan(plan_id: int, body: ApproveIn, session: SessionDep, who: Lead):
    plan = lifecycle.get_plan(session, plan_id)
    made = approval.approve(session, plan, reason=body.reason, actor=actor(who))
    return _json(plan_view(plan) | {"engagements": [engagement_view(e) for e in made]}, plan.version)


@router.get("/{plan_id}/amendments")
def list_amendments(plan_id: int, session: SessionDep, _: Lead):
    plan = lifecycle.get_plan(session, plan_id)
    return {"items": [amendment_view(a) for a in approval.list_amendments(session, plan)], "next_cursor": None}


@router.post("/{plan_id}/amendments", status_code=201)
def amend_plan(plan_id: int, body: AmendmentIn, session: SessionDep, who: Lead, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    plan = lifecycle.get_plan(session, plan_id)
    row = lifecycle.get_row(session, plan, body.row_id)
    amendment = approval.amend(session, plan, row, credit_code=body.credit_code, team=body.team,
                               reason=body.reason, actor=actor(who))
    return idem.remember(session, amendment_view(amendment))


@router.get("/{plan_id}/export.xlsx", response_class=XlsxResponse)
def export_plan(plan_id: int, session: SessionDep, _: Lead):
    plan = lifecycle.get_plan(session, plan_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.xlsx"
        write_plan(path, plan, lifecycle.plan_rows(session, plan))
        content = path.read_bytes()
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="audit-plan-{plan.year}.xlsx"'})
