"""HTTP routes of engagements (审计/检查任务): each person sees only theirs (see `access.py`)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.assets.access import EngagementReader
from services.assets.fieldwork.access import visible_engagements
from services.assets.fieldwork.engagements import engagement_view
from services.assets.fieldwork.models import Engagement
from services.common.database import SessionDep
from services.common.http import decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/engagements", tags=["engagements"])


@router.get("")
def list_engagements(session: SessionDep, who: EngagementReader, year: int | None = None,
                     kind: Literal["key_audit", "inspection"] | None = None, town: str | None = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100, cursor: str | None = None):
    query = visible_engagements(who)
    if year is not None:
        query = query.where(Engagement.year == year)
    if kind:
        query = query.where(Engagement.kind == kind)
    if town:
        query = query.where(Engagement.town_code == town)
    after = int((decode_cursor(cursor) or {}).get("id", 0))
    found = list(session.scalars(query.where(Engagement.id > after).order_by(Engagement.id).limit(limit)))
    next_cursor = encode_cursor({"id": found[-1].id}) if len(found) == limit else None
    return {"items": [engagement_view(e) for e in found], "next_cursor": next_cursor}
