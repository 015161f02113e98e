"""The demo ledgers: thousands of contracts with a realistic share flagged, debts falling towards zero,
published disclosures for most villages; loading again changes nothing."""

import time

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.assets.disclosure import demo as disclosure_demo
from services.assets.disclosure.models import Publication
from services.assets.fieldwork import demo as fieldwork_demo
from services.assets.ledgers import contracts, debts, inventory, reviews
from services.assets.ledgers import demo as ledgers_demo
from services.assets.ledgers.contract_flags import FLAGS, FlagSettings
from services.assets.ledgers.models import InventoryRound, LandContract, ReviewCampaign
from services.assets.plan import demo
from services.common import audit
from services.common.database import make_engine
from services.common.migrate import upgrade
from services.common.tokens import Principal

pytestmark = pytest.mark.db
EVERYONE = Principal(subject="test", role="admin")


@pytest.fixture(scope="module")
def loaded(databases, district):
    url = databases.new("assets_ledgers_demo")
    upgrade("assets", url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        demo.load_demo(session, district)
        fieldwork_demo.load_fieldwork(session)
    started = time.monotonic()
    with Session(engine) as session, session.begin():
        made = ledgers_demo.load_ledgers(session, district)
        made["publications"] = disclosure_demo.load_publications(session, district)
    yield engine, made, time.monotonic() - started
    engine.dispose()


def test_thousands_of_contracts_with_a_realistic_share_flagged(loaded):
    engine, made, seconds = loaded
    assert made["contracts"] >= 2000 and made["assets"] > 0 and made["resources"] > 0
    assert seconds < 30
    with Session(engine) as session:
        flagged = contracts.flags_by_contract(session, FlagSettings(), ledgers_demo.TODAY)
        total = session.execute(select(func.count()).select_from(LandContract)).scalar_one()
    share = len(flagged) / total
    assert 0.08 < share < 0.5, share
    assert {f["code"] for found in flagged.values() for f in found} == set(FLAGS)


def test_debts_fall_towards_zero_since_2023(loaded):
    engine, made, _ = loaded
    assert made["debts"] > 0 and made["repayments"] > 0
    with Session(engine) as session:
        series = debts.yearly_totals(debts.movements(session, EVERYONE), "district", ledgers_demo.TODAY)["district"]
    totals = [total for _, total in series]
    assert totals == sorted(totals, reverse=True) and totals[-1] < totals[0] / 2


def test_most_villages_have_published_disclosures_without_id_numbers(loaded):
    engine, made, _ = loaded
    with Session(engine) as session:
        villages = set(session.scalars(select(LandContract.unit_code)))
        published = set(session.scalars(select(Publication.unit_code).where(Publication.status == "published")))
        kinds = set(session.scalars(select(Publication.kind)))
        ids = set(session.scalars(select(LandContract.counterparty_id_number).where(
            LandContract.counterparty_id_number.is_not(None))))
        texts = [str(p.content) for p in session.scalars(select(Publication))]
    assert len(published) / len(villages) > 0.7
    assert kinds == {"finance", "contracts", "audit"}
    assert not any(number in text for text in texts for number in list(ids)[:200])


def test_loading_again_changes_nothing(loaded, district):
    engine, _, _ = loaded
    with Session(engine) as session, session.begin():
        again = ledgers_demo.load_ledgers(session, district)
        again["publications"] = disclosure_demo.load_publications(session, district)
    assert set(again.values()) == {0}
    with Session(engine) as session:
        assert audit.verify_chain(session).ok


def test_the_demo_review_campaign_is_part_way_through(loaded):
    engine, made, _ = loaded
    with Session(engine) as session:
        campaign = session.scalars(select(ReviewCampaign)).one()
        progress = reviews.progress(session, campaign)
        mine = reviews.list_items(session, Principal(subject="auditor", role="auditor"), campaign, status="open")
    total = progress["total"]
    assert total["items"] == made["review_items"] > 0
    assert 0 < total["decided"] < total["items"] and campaign.status == "open"
    assert mine and all(item.reviewer == "auditor" for item in mine)


def test_last_years_inventory_is_closed_and_this_years_under_way(loaded):
    engine, made, _ = loaded
    with Session(engine) as session:
        rounds = list(session.scalars(select(InventoryRound)))
        views = [inventory.round_view(session, r) for r in rounds]
    last = [v for v in views if v["year"] == ledgers_demo.TODAY.year - 1]
    this = [v for v in views if v["year"] == ledgers_demo.TODAY.year]
    assert made["inventory_rounds"] == len(rounds) and last and this
    assert all(v["status"] == "closed" and v["unchecked"] == 0 for v in last)
    assert all(v["status"] == "open" for v in this) and any(v["unchecked"] > 0 for v in this)
    assert sum(v["outcomes"]["missing"] for v in last) > 0
