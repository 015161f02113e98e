"""The assets demo: twenty auditors, this year's plan approved with its engagements, next year's draft."""

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.assets.fieldwork import demo as fieldwork_demo
from services.assets.fieldwork.findings import effective_status
from services.assets.fieldwork.models import Engagement, Finding, Rectification
from services.assets.plan import demo
from services.assets.plan.models import Auditor, Plan, Tie
from services.common import audit
from services.common.database import make_engine
from services.common.migrate import upgrade

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def loaded(databases, district):
    url = databases.new("assets_demo")
    upgrade("assets", url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        made = demo.load_demo(session, district)
    yield engine, made
    engine.dispose()


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_auditors_ties_and_two_plans(loaded):
    engine, made = loaded
    assert made == {"auditors": 20, "ties": 6, "plans": 2}
    with Session(engine) as session:
        plans = {p.year: p.status for p in session.scalars(select(Plan))}
        usernames = set(session.scalars(select(Auditor.username)))
    assert plans == {2026: "approved", 2027: "draft"}
    assert {"lead", "auditor"} <= usernames
    assert count(engine, Engagement) == 150


def test_next_years_draft_puts_the_unvisited_first(loaded):
    engine, _ = loaded
    with Session(engine) as session:
        visited = set(session.scalars(select(Engagement.credit_code)))
        draft = session.scalars(select(Plan).where(Plan.year == 2027)).one()
        unvisited = {e["credit_code"] for e in draft.snapshot} - visited
        from services.assets.plan.lifecycle import plan_rows

        assert unvisited <= {r.credit_code for r in plan_rows(session, draft)}


def test_loading_again_changes_nothing(loaded, district):
    engine, _ = loaded
    before = [count(engine, m) for m in (Auditor, Tie, Plan, Engagement)]
    with Session(engine) as session, session.begin():
        assert demo.load_demo(session, district) == {"auditors": 0, "ties": 0, "plans": 0}
    assert [count(engine, m) for m in (Auditor, Tie, Plan, Engagement)] == before
    with Session(engine) as session:
        assert audit.verify_chain(session).ok


def test_fieldwork_in_every_state_with_findings_at_each_rectification_status(loaded):
    engine, _ = loaded
    with Session(engine) as session, session.begin():
        made = fieldwork_demo.load_fieldwork(session)
        again = fieldwork_demo.load_fieldwork(session)
    assert made["engagements"] == 10 and made["findings"] == 10
    assert again == {"engagements": 0, "findings": 0}
    with Session(engine) as session:
        states = set(session.scalars(select(Engagement.status)))
        rectifications = {effective_status(r) for r in session.scalars(select(Rectification))}
        assert count(engine, Finding) == 10
        assert audit.verify_chain(session).ok
    assert states == {"planned", "in_progress", "submitted", "returned", "accepted", "closed"}
    assert rectifications == {"open", "submitted", "verified", "overdue", "accepted"}
