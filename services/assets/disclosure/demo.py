"""Demo disclosures (演示公开): most villages' quarterly finance and contract postings of 2026, and the
audit result of each village whose engagement was accepted. Deterministic and idempotent.
"""

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from services.assets.clients.registry import District
from services.assets.disclosure import publications
from services.assets.disclosure.models import Publication
from services.assets.fieldwork.models import Engagement
from services.assets.ledgers.demo import ACTOR, TODAY, village_snapshots

SEED = 20260710


def load_publications(session: Session, district: District) -> int:
    """Makes the demo disclosures once; returns how many (zero the second time)."""
    if session.execute(select(func.count()).select_from(Publication).where(Publication.demo)).scalar_one():
        return 0
    rng, made = random.Random(SEED), 0
    snapshots = village_snapshots(district)
    audited = set(session.scalars(select(Engagement.credit_code).where(Engagement.status.in_(("accepted", "closed")))))
    for org in snapshots:
        if rng.random() < 0.15:
            continue
        organization = org | {"town_name": district.towns.get(org["town_code"], "")}
        for quarter, published_on in (("2026-Q1", date(2026, 4, 10)), ("2026-Q2", date(2026, 7, 10))):
            if quarter == "2026-Q2" and rng.random() < 0.5:
                continue
            income = Decimal(rng.randint(100, 3000) * 1000)
            finance = {"income": income, "spending": (income * Decimal(rng.uniform(0.5, 1.0))).quantize(Decimal("0.01"))}
            for kind, title in (("finance", f"{quarter[:4]}年第{quarter[-1]}季度财务收支公开"),
                                ("contracts", f"{quarter[:4]}年第{quarter[-1]}季度合同公开")):
                publication = publications.create_publication(
                    session, organization, kind=kind, period=quarter, title=title,
                    finance=finance if kind == "finance" else None, actor=ACTOR, today=TODAY, demo=True)
                publications.publish(session, publication, actor=ACTOR, on=published_on)
                made += 1
        if org["credit_code"] in audited:
            publication = publications.create_publication(session, organization, kind="audit", period="2026",
                                                        title="2026年审计检查结果及整改情况", finance=None, actor=ACTOR,
                                                        today=TODAY, demo=True)
            publications.publish(session, publication, actor=ACTOR, on=date(2026, 7, 15))
            made += 1
    return made
