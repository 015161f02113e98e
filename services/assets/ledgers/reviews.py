"""The special review campaign (专项治理"回头看"): every flagged contract to a reviewer, until none is open.

Starting a campaign flags all contracts as of its date with its settings, and gives each flagged
contract to one of the named reviewers (town by town, in turn). A reviewer records the outcome:
lawful as it is, renegotiated, terminated (the contract is then marked terminated) or referred to
the authorities; the campaign is completed when the last item is decided.
"""

from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from services.assets.ledgers import contracts
from services.assets.ledgers.contract_flags import FlagSettings
from services.assets.ledgers.models import LandContract, ReviewCampaign, ReviewItem
from services.common import audit
from services.common.errors import Conflict, Forbidden, Invalid, NotFound
from services.common.tokens import Principal

OUTCOMES = ("lawful", "renegotiated", "terminated", "referred")


def start_campaign(session: Session, *, name: str, as_of: date, settings: FlagSettings, reviewers: list[str],
                   actor: str, demo: bool = False) -> ReviewCampaign:
    if not reviewers:
        raise Invalid("reviewers", "至少指定一名复核人 / name at least one reviewer")
    if session.scalars(select(ReviewCampaign.id).where(ReviewCampaign.status == "open")).first():
        raise Conflict("已有进行中的专项治理 / a campaign is already open", code="campaign_open")
    campaign = ReviewCampaign(name=name, as_of=as_of, settings=settings.as_dict(), started_by=actor, demo=demo)
    session.add(campaign)
    session.flush()
    flagged = contracts.flags_by_contract(session, settings, as_of)
    places = {row.id: row for row in session.execute(select(
        LandContract.id, LandContract.number, LandContract.unit_code, LandContract.town_code)
        .where(LandContract.id.in_(sorted(flagged) or [0])))}
    ordered = sorted(flagged, key=lambda cid: (places[cid].town_code, places[cid].unit_code, cid))
    rows = [{"campaign_id": campaign.id, "contract_id": cid, "contract_number": places[cid].number,
             "unit_code": places[cid].unit_code, "town_code": places[cid].town_code, "flags": flagged[cid],
             "reviewer": reviewers[index % len(reviewers)], "status": "open", "note": "", "version": 1}
            for index, cid in enumerate(ordered)]
    if rows:
        session.execute(insert(ReviewItem), rows)
    else:
        campaign.status, campaign.completed_at = "completed", datetime.now(UTC)
    audit.record(session, actor=actor, action="start", entity="review_campaign", entity_id=str(campaign.id),
                 after={"name": name, "as_of": as_of, "settings": campaign.settings, "items": len(rows),
                        "reviewers": reviewers})
    return campaign


def get_campaign(session: Session, campaign_id: int) -> ReviewCampaign:
    campaign = session.get(ReviewCampaign, campaign_id)
    if campaign is None:
        raise NotFound(f"没有编号为 {campaign_id} 的专项治理 / no campaign {campaign_id}", code="campaign_not_found")
    return campaign


def list_items(session: Session, principal: Principal, campaign: ReviewCampaign, *, reviewer: str | None = None,
               status: str | None = None, town: str | None = None, flag: str | None = None, limit: int = 200,
               after: int = 0) -> list[ReviewItem]:
    query = select(ReviewItem).where(ReviewItem.campaign_id == campaign.id, ReviewItem.id > after)
    if principal.role == "auditor":
        reviewer = principal.subject
    for column, value in ((ReviewItem.reviewer, reviewer), (ReviewItem.status, status),
                          (ReviewItem.town_code, town)):
        if value:
            query = query.where(column == value)
    items = session.scalars(query.order_by(ReviewItem.id).limit(limit if not flag else None))
    if flag:
        return [i for i in items if any(f["code"] == flag for f in i.flags)][:limit]
    return list(items)


def get_item(session: Session, campaign: ReviewCampaign, item_id: int, reader: Principal | None = None) -> ReviewItem:
    """The campaign's item; a `reader` who is an auditor finds only the items given to them."""
    item = session.get(ReviewItem, item_id)
    hidden = reader is not None and reader.role == "auditor" and item is not None and item.reviewer != reader.subject
    if item is None or item.campaign_id != campaign.id or hidden:
        raise NotFound(f"没有编号为 {item_id} 的复核事项 / no review item {item_id}", code="review_item_not_found")
    return item


def decide(session: Session, campaign: ReviewCampaign, item: ReviewItem, principal: Principal, *, outcome: str,
           note: str, actor: str) -> ReviewItem:
    """The item's reviewer (or an audit lead) records its outcome; the last one completes the campaign."""
    if principal.role not in ("admin", "audit_lead") and principal.subject != item.reviewer:
        raise Forbidden("该事项由其他复核人负责 / another reviewer holds this item", code="not_reviewer")
    if item.status != "open":
        raise Conflict("该事项已有结论 / the item is decided", code="review_item_decided")
    if outcome != "lawful" and not note.strip():
        raise Invalid("note", "重新协商、解除或移送须说明情况 / renegotiated, terminated or referred needs a note")
    item.status, item.outcome, item.note = "decided", outcome, note.strip()
    item.decided_by, item.decided_at = actor, datetime.now(UTC)
    item.version += 1
    if outcome == "terminated":
        session.execute(update(LandContract).where(LandContract.id == item.contract_id)
                        .values(state="terminated", version=LandContract.version + 1, updated_at=datetime.now(UTC)))
    session.flush()
    audit.record(session, actor=actor, action="decide", entity="review_item", entity_id=str(item.id),
                 after={"contract_id": item.contract_id, "outcome": outcome, "note": item.note})
    left = session.execute(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.campaign_id == campaign.id, ReviewItem.status == "open")).scalar_one()
    if left == 0:
        campaign.status, campaign.completed_at = "completed", datetime.now(UTC)
        audit.record(session, actor=actor, action="complete", entity="review_campaign", entity_id=str(campaign.id),
                     after={"status": "completed"})
    return item


def progress(session: Session, campaign: ReviewCampaign) -> dict:
    """Per town: items, open, decided and each outcome; and the same for the whole campaign."""
    rows = session.execute(select(ReviewItem.town_code, ReviewItem.status, ReviewItem.outcome, func.count())
                           .where(ReviewItem.campaign_id == campaign.id)
                           .group_by(ReviewItem.town_code, ReviewItem.status, ReviewItem.outcome)).all()
    towns: dict[str, dict] = defaultdict(lambda: {"items": 0, "open": 0, "decided": 0, **{o: 0 for o in OUTCOMES}})
    for town, status, outcome, count in rows:
        for entry in (towns[town], towns["_all"]):
            entry["items"] += count
            entry["open" if status == "open" else "decided"] += count
            if outcome:
                entry[outcome] += count
    total = towns.pop("_all", {"items": 0, "open": 0, "decided": 0, **{o: 0 for o in OUTCOMES}})
    return {"campaign_id": campaign.id, "status": campaign.status, "total": total,
            "towns": [{"town_code": town, **entry} for town, entry in sorted(towns.items())]}


def campaign_view(campaign: ReviewCampaign) -> dict:
    return {"id": campaign.id, "name": campaign.name, "as_of": campaign.as_of, "status": campaign.status,
            "settings": campaign.settings, "started_by": campaign.started_by, "started_at": campaign.started_at,
            "completed_at": campaign.completed_at}


def contract_facts(session: Session, items: list[ReviewItem]) -> dict[int, dict]:
    """What a reviewer weighs beside the flags: the village, counterparty, term, rent and what was received
    (never an ID number), by contract id."""
    ids = sorted({i.contract_id for i in items}) or [0]
    found = session.execute(select(LandContract.id, LandContract.unit_name, LandContract.counterparty_kind,
                                   LandContract.counterparty_name, LandContract.kind, LandContract.area_mu,
                                   LandContract.term_start, LandContract.term_end, LandContract.annual_rent,
                                   LandContract.received, LandContract.state).where(LandContract.id.in_(ids)))
    return {row.id: {**row._asdict(), "area_mu": f"{row.area_mu:.2f}", "annual_rent": f"{row.annual_rent:.2f}",
                     "received": f"{row.received:.2f}"} for row in found}


def item_view(item: ReviewItem, contract: dict | None = None) -> dict:
    return {"id": item.id, "campaign_id": item.campaign_id, "contract_id": item.contract_id,
            "contract_number": item.contract_number, "unit_code": item.unit_code, "town_code": item.town_code,
            "flags": item.flags, "reviewer": item.reviewer, "status": item.status, "outcome": item.outcome,
            "note": item.note, "decided_by": item.decided_by, "decided_at": item.decided_at, "version": item.version,
            "contract": contract}
