"""HTTP routes of the review campaigns, of disclosure (三务公开), and the one route anyone may read."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from starlette.responses import Response

from services.assets.access import Lead, LedgerReader, Reviewer, actor
from services.assets.disclosure import publications
from services.assets.ledgers import reviews
from services.assets.ledgers.contract_flags import FLAGS, FlagSettings
from services.assets.ledgers.models import ReviewCampaign
from services.assets.ledgers.organizations import organization_snapshot
from services.assets.ledgers.schemas import CampaignIn, OutcomeIn, PublicationIn, PublishIn
from services.common.database import SessionDep
from services.common.errors import NotFound
from services.common.http import decode_cursor, encode_cursor, json_response

router = APIRouter(tags=["reviews", "disclosure"])
Limit = Annotated[int, Query(ge=1, le=500)]


def _after(cursor: str | None) -> int:
    return int((decode_cursor(cursor) or {}).get("id", 0))


def _page(items: list[dict], limit: int) -> dict:
    return {"items": items, "next_cursor": encode_cursor({"id": items[-1]["id"]}) if len(items) == limit else None}


@router.post("/v1/reviews", status_code=201)
def start_campaign(body: CampaignIn, session: SessionDep, who: Lead):
    """Flags every contract as of `as_of` and gives each flagged one to a reviewer, in turn."""
    campaign = reviews.start_campaign(session, name=body.name, as_of=body.as_of or datetime.now(UTC).date(),
                                      settings=FlagSettings.of(body.settings.model_dump()), reviewers=body.reviewers,
                                      actor=actor(who))
    return json_response(reviews.campaign_view(campaign) | {"progress": reviews.progress(session, campaign)},
                         status=201)


@router.get("/v1/reviews")
def list_campaigns(session: SessionDep, who: LedgerReader):
    found = session.scalars(select(ReviewCampaign).order_by(ReviewCampaign.id.desc()))
    return json_response({"items": [reviews.campaign_view(c) for c in found], "next_cursor": None})


@router.get("/v1/reviews/{campaign_id}")
def read_campaign(campaign_id: int, session: SessionDep, who: LedgerReader):
    campaign = reviews.get_campaign(session, campaign_id)
    return json_response(reviews.campaign_view(campaign) | {"progress": reviews.progress(session, campaign)})


@router.get("/v1/reviews/{campaign_id}/progress")
def campaign_progress(campaign_id: int, session: SessionDep, who: LedgerReader):
    """Items, open, decided and each outcome, per town and in all."""
    return json_response(reviews.progress(session, reviews.get_campaign(session, campaign_id)))


@router.get("/v1/reviews/{campaign_id}/items")
def campaign_items(campaign_id: int, session: SessionDep, who: Reviewer, reviewer: str | None = None,
                   status: Literal["open", "decided"] | None = None, town: str | None = None,
                   flag: Literal[FLAGS] | None = None, limit: Limit = 200,  # type: ignore[valid-type]
                   cursor: str | None = None):
    """An auditor sees the items given to them; a lead all, or one reviewer's."""
    campaign = reviews.get_campaign(session, campaign_id)
    found = reviews.list_items(session, who, campaign, reviewer=reviewer, status=status, town=town, flag=flag,
                               limit=limit, after=_after(cursor))
    facts = reviews.contract_facts(session, found)
    return json_response(_page([reviews.item_view(i, facts.get(i.contract_id)) for i in found], limit))


@router.get("/v1/reviews/{campaign_id}/items/{item_id}")
def campaign_item(campaign_id: int, item_id: int, session: SessionDep, who: Reviewer):
    item = reviews.get_item(session, reviews.get_campaign(session, campaign_id), item_id, who)
    facts = reviews.contract_facts(session, [item])
    return json_response(reviews.item_view(item, facts.get(item.contract_id)), version=item.version)


@router.post("/v1/reviews/{campaign_id}/items/{item_id}/outcome")
def decide_item(campaign_id: int, item_id: int, body: OutcomeIn, session: SessionDep, who: Reviewer):
    campaign = reviews.get_campaign(session, campaign_id)
    item = reviews.decide(session, campaign, reviews.get_item(session, campaign, item_id), who, outcome=body.outcome,
                          note=body.note, actor=actor(who))
    facts = reviews.contract_facts(session, [item])
    return json_response(reviews.item_view(item, facts.get(item.contract_id)), version=item.version)


@router.post("/v1/disclosures", status_code=201)
def draft_publication(body: PublicationIn, request: Request, session: SessionDep, who: Lead):
    """Drafts what a village will publish; contracts and audit results are built from the ledgers."""
    organization = organization_snapshot(request, body.credit_code)
    publication = publications.create_publication(
        session, organization, kind=body.kind, period=body.period, title=body.title,
        finance=body.finance.model_dump() if body.finance else None, actor=actor(who),
        today=datetime.now(UTC).date())
    return json_response(publications.publication_view(publication), status=201, version=publication.version)


@router.get("/v1/disclosures")
def list_publications(session: SessionDep, who: Lead, unit_code: str | None = None,
                      status: Literal["draft", "published", "superseded", "withdrawn"] | None = None,
                      limit: Limit = 200, cursor: str | None = None):
    """Every publication with its history (superseded and withdrawn ones kept)."""
    found = publications.list_publications(session, unit_code=unit_code, status=status, limit=limit,
                                         after=_after(cursor))
    return json_response(_page([publications.publication_view(p) for p in found], limit))


@router.post("/v1/disclosures/{publication_id}/publish")
def publish(publication_id: int, body: PublishIn, session: SessionDep, who: Lead):
    publication = publications.publish(session, publications.get_publication(session, publication_id), actor=actor(who),
                                     on=body.published_on)
    return json_response(publications.publication_view(publication), version=publication.version)


@router.post("/v1/disclosures/{publication_id}/withdraw")
def withdraw(publication_id: int, session: SessionDep, who: Lead):
    publication = publications.withdraw(session, publications.get_publication(session, publication_id), actor=actor(who))
    return json_response(publications.publication_view(publication), version=publication.version)


@router.get("/v1/public/villages/{unit_code}")
def public_village(unit_code: str, request: Request, session: SessionDep) -> Response:
    """Anyone, with no token: the village's published items only, with no personal data.

    The ETag is the published set's version; If-None-Match with it is a 304 without reading the items."""
    version = publications.published_version(session, unit_code)
    tag = f'"{version}"'
    if version and tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers={"ETag": tag})
    shown = publications.public_village(session, unit_code) if version else None
    if shown is None:
        raise NotFound("没有该村的公开信息 / nothing published for this village", code="village_not_found")
    response = json_response(shown)
    response.headers["ETag"] = tag
    return response
