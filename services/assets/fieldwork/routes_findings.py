"""HTTP routes of findings (审计发现), their rectification (整改), and the measures the assessment reads."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from services.assets.access import EngagementReader, actor
from services.assets.fieldwork import engagements, findings
from services.assets.fieldwork.models import Rectification
from services.assets.fieldwork.schemas import FindingIn, FindingPatch, RectificationPatch, VerificationIn
from services.common.database import SessionDep
from services.common.http import IdempotencyDep, check_if_match, decode_cursor, encode_cursor, json_response

router = APIRouter(tags=["findings"])
Status = Literal["open", "submitted", "verified", "accepted", "overdue"]


@router.post("/v1/engagements/{engagement_id}/findings", status_code=201)
def create_finding(engagement_id: int, body: FindingIn, session: SessionDep, who: EngagementReader,
                   idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    engagement = engagements.get_engagement(session, who, engagement_id)
    finding = findings.create_finding(session, engagement, who, body.model_dump(), actor(who))
    view = findings.finding_view(finding, session.get(Rectification, finding.id))
    return idem.remember(session, view, headers={"ETag": f'"{finding.version}"'})


@router.get("/v1/findings")
def list_findings(session: SessionDep, who: EngagementReader, year: int | None = None, status: Status | None = None,
                  town: str | None = None, engagement_id: int | None = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 200, cursor: str | None = None):
    """Findings with their rectification; `status=overdue` lists those past their deadline."""
    after = int((decode_cursor(cursor) or {}).get("id", 0))
    found = findings.list_findings(session, who, engagement_id=engagement_id, year=year, status=status, town=town,
                                   limit=limit, after=after)
    next_cursor = encode_cursor({"id": found[-1][0].id}) if len(found) == limit else None
    return json_response({"items": [findings.finding_view(f, r, e) for f, r, e in found], "next_cursor": next_cursor})


@router.get("/v1/findings/{finding_id}")
def read_finding(finding_id: int, session: SessionDep, who: EngagementReader):
    finding, engagement = findings.get_finding(session, who, finding_id)
    return json_response(findings.finding_view(finding, session.get(Rectification, finding.id), engagement),
                         version=finding.version)


@router.patch("/v1/findings/{finding_id}")
def change_finding(finding_id: int, body: FindingPatch, request: Request, session: SessionDep, who: EngagementReader):
    finding, engagement = findings.get_finding(session, who, finding_id)
    check_if_match(request, finding.version)
    findings.update_finding(session, finding, engagement, who, body.model_dump(exclude_unset=True), actor(who))
    return json_response(findings.finding_view(finding, session.get(Rectification, finding.id), engagement),
                         version=finding.version)


@router.delete("/v1/findings/{finding_id}", status_code=204)
def withdraw_finding(finding_id: int, request: Request, session: SessionDep, who: EngagementReader):
    finding, engagement = findings.get_finding(session, who, finding_id)
    check_if_match(request, finding.version)
    findings.delete_finding(session, finding, engagement, who, actor(who))
    return Response(status_code=204)


def _rectification(finding_id: int, request: Request, session, who):
    finding, engagement = findings.get_finding(session, who, finding_id)
    rectification = session.get(Rectification, finding.id)
    check_if_match(request, rectification.version)
    return finding, engagement, rectification


def _shown(finding, rectification, engagement):
    return json_response(findings.finding_view(finding, rectification, engagement), version=rectification.version)


@router.patch("/v1/findings/{finding_id}/rectification")
def change_rectification(finding_id: int, body: RectificationPatch, request: Request, session: SessionDep,
                         who: EngagementReader):
    """Owner, deadline, actions and evidence (If-Match: the rectification's version)."""
    finding, engagement, rectification = _rectification(finding_id, request, session, who)
    findings.update_rectification(session, rectification, engagement, who, body.model_dump(exclude_unset=True),
                                  actor(who))
    return _shown(finding, rectification, engagement)


@router.post("/v1/findings/{finding_id}/rectification/submit")
def submit_rectification(finding_id: int, request: Request, session: SessionDep, who: EngagementReader):
    finding, engagement, rectification = _rectification(finding_id, request, session, who)
    findings.submit_rectification(session, rectification, engagement, who, actor(who))
    return _shown(finding, rectification, engagement)


@router.post("/v1/findings/{finding_id}/rectification/verify")
def verify_rectification(finding_id: int, body: VerificationIn, request: Request, session: SessionDep,
                         who: EngagementReader):
    finding, engagement, rectification = _rectification(finding_id, request, session, who)
    findings.verify_rectification(session, rectification, engagement, who, outcome=body.outcome,
                                  comment=body.comment, actor=actor(who))
    return _shown(finding, rectification, engagement)
