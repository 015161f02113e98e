"""Public disclosure (三务公开): what a lead publishes for a village, kept as it was shown.

A publication is drafted (finances given by the lead, with assets and debts read from the ledgers
when not given; contracts and audit results built from the ledgers), then published: it replaces
an earlier publication of the same kind and period, which is kept as superseded. The public view
holds only published items and no personal data: persons' names are masked when a publication is
built, and `scrub` masks anything shaped like an ID number on the way out as well.
"""

import hashlib
import re
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlmodel import Session

from services.assets.disclosure.models import Publication
from services.assets.fieldwork.models import Engagement, Finding, Rectification
from services.assets.ledgers import debts
from services.assets.ledgers.contracts import mask_id_number, mask_name
from services.assets.ledgers.models import AssetItem, LandContract, VillageDebt
from services.common import audit
from services.common.errors import Conflict, Invalid, NotFound

KINDS = ("finance", "contracts", "audit")
PERIOD = re.compile(r"^(19|20)\d\d(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$")
UNIT_CODE = re.compile(r"^\d{12}$")
ID_SHAPED = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")
FINANCE_FIELDS = ("income", "spending", "assets", "debts")


def create_publication(session: Session, organization: dict, *, kind: str, period: str, title: str,
                       finance: dict | None, actor: str, today: date, demo: bool = False) -> Publication:
    if not PERIOD.match(period):
        raise Invalid("period", "应为 2026、2026-H1、2026-Q3 或 2026-05 / must look like 2026, 2026-H1, 2026-Q3 or 2026-05")
    content = {"finance": lambda: _finance(session, organization["credit_code"], finance or {}, today),
               "contracts": lambda: _contracts(session, organization["credit_code"]),
               "audit": lambda: _audit(session, organization["credit_code"])}[kind]()
    publication = Publication(unit_code=organization["unit_code"], unit_name=organization["unit_name"],
                              town_code=organization["town_code"], town_name=organization.get("town_name", ""),
                              credit_code=organization["credit_code"], kind=kind, period=period, title=title,
                              content=content, created_by=actor, demo=demo)
    session.add(publication)
    session.flush()
    audit.record(session, actor=actor, action="draft", entity="publication", entity_id=str(publication.id),
                 after={"unit_code": publication.unit_code, "kind": kind, "period": period})
    return publication


def _finance(session: Session, credit_code: str, given: dict, today: date) -> dict:
    shown = {name: f"{Decimal(str(given[name])):.2f}" for name in FINANCE_FIELDS if given.get(name) is not None}
    if "assets" not in shown:
        values = session.scalars(select(AssetItem.book_value).where(AssetItem.credit_code == credit_code,
                                                                    AssetItem.status != "disposed"))
        shown["assets"] = f"{sum((Decimal(v) for v in values), Decimal('0')):.2f}"
    if "debts" not in shown:
        owed = list(session.scalars(select(VillageDebt).where(VillageDebt.credit_code == credit_code)))
        shown["debts"] = f"{sum(debts.outstanding_now(session, owed).values(), Decimal('0')):.2f}"
    shown["notes"] = str(given.get("notes") or "")[:1000]
    return shown


def _contracts(session: Session, credit_code: str) -> dict:
    found = session.scalars(select(LandContract).where(LandContract.credit_code == credit_code,
                                                       LandContract.state != "terminated").order_by(LandContract.id))
    return {"contracts": [{
        "number": c.number, "kind": c.kind, "use": c.use, "area_mu": f"{c.area_mu:.2f}",
        "counterparty": c.counterparty_name if c.counterparty_kind == "enterprise" else mask_name(c.counterparty_name),
        "counterparty_kind": c.counterparty_kind, "term_start": c.term_start.isoformat(),
        "term_end": c.term_end.isoformat(), "annual_rent": f"{c.annual_rent:.2f}", "received": f"{c.received:.2f}"}
        for c in found]}


def _audit(session: Session, credit_code: str) -> dict:
    visits = session.scalars(select(Engagement).where(Engagement.credit_code == credit_code,
                                                      Engagement.status.in_(("accepted", "closed")))
                             .order_by(Engagement.year, Engagement.id))
    results = []
    for visit in visits:
        rows = session.execute(select(Finding.title, Finding.severity, Rectification.status)
                               .join(Rectification, Rectification.finding_id == Finding.id)
                               .where(Finding.engagement_id == visit.id).order_by(Finding.id)).all()
        results.append({"year": visit.year, "kind": visit.kind, "status": visit.status,
                        "findings": [{"title": t, "severity": s, "rectification": r} for t, s, r in rows]})
    return {"engagements": results}


def get_publication(session: Session, publication_id: int, towns: tuple[str, ...] | None = None) -> Publication:
    publication = session.get(Publication, publication_id)
    if publication is None or (towns is not None and publication.town_code not in towns):
        raise NotFound(f"没有编号为 {publication_id} 的公开事项 / no publication {publication_id}",
                       code="publication_not_found")
    return publication


def publish(session: Session, publication: Publication, *, actor: str, on: date | None = None) -> Publication:
    if publication.status != "draft":
        raise Conflict(f"公开事项状态为 {publication.status} / the publication is {publication.status}",
                       code="wrong_status")
    earlier = session.scalars(select(Publication.id).where(
        Publication.unit_code == publication.unit_code, Publication.kind == publication.kind,
        Publication.period == publication.period, Publication.status == "published")).first()
    if earlier is not None:
        session.execute(update(Publication).where(Publication.id == earlier).values(status="superseded"))
        publication.supersedes_id = earlier
    publication.status, publication.published_by = "published", actor
    publication.published_on = on or datetime.now(UTC).date()
    publication.published_at = datetime.now(UTC)
    publication.version += 1
    session.flush()
    audit.record(session, actor=actor, action="publish", entity="publication", entity_id=str(publication.id),
                 after={"published_on": publication.published_on, "supersedes_id": earlier})
    return publication


def withdraw(session: Session, publication: Publication, *, actor: str) -> Publication:
    if publication.status not in ("draft", "published"):
        raise Conflict(f"公开事项状态为 {publication.status} / the publication is {publication.status}",
                       code="wrong_status")
    publication.status = "withdrawn"
    publication.version += 1
    audit.record(session, actor=actor, action="withdraw", entity="publication", entity_id=str(publication.id))
    return publication


def list_publications(session: Session, *, unit_code: str | None = None, status: str | None = None,
                      towns: tuple[str, ...] | None = None, limit: int = 200, after: int = 0) -> list[Publication]:
    query = select(Publication).where(Publication.id > after)
    if unit_code:
        query = query.where(Publication.unit_code == unit_code)
    if status:
        query = query.where(Publication.status == status)
    if towns is not None:
        query = query.where(Publication.town_code.in_(towns or ("",)))
    return list(session.scalars(query.order_by(Publication.id).limit(limit)))


def publication_view(publication: Publication) -> dict:
    return {"id": publication.id, "unit_code": publication.unit_code, "unit_name": publication.unit_name,
            "town_code": publication.town_code, "credit_code": publication.credit_code, "kind": publication.kind,
            "period": publication.period, "title": publication.title, "content": publication.content,
            "status": publication.status, "created_by": publication.created_by,
            "published_by": publication.published_by, "published_on": publication.published_on,
            "supersedes_id": publication.supersedes_id, "version": publication.version}


def published_version(session: Session, unit_code: str) -> str | None:
    """A tag that changes whenever the village's published set does (an item published, superseded,
    withdrawn or edited); None when nothing is published. Reads three small columns of a few rows."""
    if not UNIT_CODE.match(unit_code):
        return None
    rows = session.execute(select(Publication.id, Publication.version, Publication.status).where(
        Publication.unit_code == unit_code, Publication.status.in_(("published", "superseded")))
        .order_by(Publication.id)).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()[:24] if rows else None


def public_village(session: Session, unit_code: str) -> dict | None:
    """What anyone may read about a village: its published items and when each was published.

    None when the code is not a village this service keeps anything published for."""
    if not UNIT_CODE.match(unit_code):
        return None
    shown = list(session.scalars(select(Publication).where(
        Publication.unit_code == unit_code, Publication.status.in_(("published", "superseded")))
        .order_by(Publication.published_on.desc(), Publication.id.desc())))
    if not shown:
        return None
    current = [p for p in shown if p.status == "published"]
    village = {"unit_code": unit_code, "unit_name": shown[0].unit_name, "town_name": shown[0].town_name,
               "items": {kind: [_public_item(p) for p in current if p.kind == kind] for kind in KINDS},
               "history": [{"kind": p.kind, "period": p.period, "title": p.title,
                            "published_on": p.published_on.isoformat(), "current": p.status == "published"}
                           for p in shown]}
    return scrub(village)


def _public_item(publication: Publication) -> dict:
    return {"period": publication.period, "title": publication.title,
            "published_on": publication.published_on.isoformat(), "content": publication.content}


def scrub(value):
    """Masks anything shaped like an ID number, however it got in."""
    if isinstance(value, str):
        return ID_SHAPED.sub(lambda m: mask_id_number(m.group(0)), value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value
