"""The proposal on the demo district: counts, coverage, conflicts, capacity, leads, determinism."""

from collections import Counter

import pytest

from services.assets.plan.feasibility import Member, PlanInfeasible
from services.assets.plan.proposal import loads, propose
from services.assets.plan.rules import PlanSettings

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def proposal(candidates, members):
    return propose(candidates(), members, PlanSettings(), year=2026, seed=3)


def kinds(proposal) -> Counter:
    return Counter(p.kind for p in proposal.picks)


def test_exactly_sixty_key_audits_and_ninety_inspections_on_disjoint_lists(proposal):
    assert kinds(proposal) == {"key_audit": 60, "inspection": 90}
    assert len({p.candidate.credit_code for p in proposal.picks}) == 150


def test_every_town_gets_a_key_audit_and_an_inspection(proposal, district):
    for kind in ("key_audit", "inspection"):
        assert {p.candidate.town_code for p in proposal.picks if p.kind == kind} == set(district.towns)


def test_no_auditor_visits_a_place_they_declared_a_tie_to(proposal):
    for pick in proposal.picks:
        places = {pick.candidate.credit_code, pick.candidate.unit_code, pick.candidate.town_code}
        assert all(not (m.blocked & places) for m in pick.team), pick.candidate.name


def test_teams_have_one_lead_and_enough_people_within_capacity(proposal, members):
    for pick in proposal.picks:
        assert sum(m.lead for m in pick.team) == 1
        assert len(pick.team) == (3 if pick.kind == "key_audit" else 2)
    days = loads(proposal.picks, PlanSettings())
    assert all(days.get(m.id, 0) <= m.capacity for m in members)


def test_key_audits_go_to_the_riskiest_and_every_pick_has_a_reason(proposal):
    key = [p.candidate.score for p in proposal.picks if p.kind == "key_audit"]
    inspection = [p.candidate.score for p in proposal.picks if p.kind == "inspection"]
    assert min(key) >= max(inspection)
    assert all(" / " in p.candidate.reason and "of 175" in p.candidate.reason for p in proposal.picks
               if "complaints" not in p.candidate.reason[-15:])


def test_engagements_are_spread_over_the_quarters(proposal):
    assert sorted(Counter(p.quarter for p in proposal.picks).values()) == [37, 37, 38, 38]


def test_same_inputs_and_seed_give_the_same_plan(proposal, candidates, members):
    again = propose(candidates(), members, PlanSettings(), year=2026, seed=3)
    shape = lambda p: [(x.kind, x.candidate.credit_code, [m.id for m in x.team], x.quarter) for x in p.picks]  # noqa: E731
    assert shape(again) == shape(proposal)


def test_last_years_key_audit_is_not_repeated_outside_the_top_risks(candidates, members):
    found = candidates()
    for c in found:
        c.last_key_audit = 2025
    plan = propose(found, members, PlanSettings(key_audits=8, rotation_top=8, min_key_audits_per_town=0), year=2026)
    assert all(p.candidate.rank <= 8 for p in plan.picks if p.kind == "key_audit")


def test_organizations_not_visited_for_years_come_first(candidates, members):
    found = candidates()
    for index, c in enumerate(found):
        c.last_inspection = 2020 if index % 7 == 0 else 2025
    overdue = {c.credit_code for c in found if c.last_inspection == 2020}
    plan = propose(found, members, PlanSettings(), year=2026)
    assert overdue <= {p.candidate.credit_code for p in plan.picks}


def test_no_auditor_is_sent_to_the_same_organization_as_last_year(candidates, members, proposal):
    previous = {p.candidate.credit_code: {m.id for m in p.team} for p in proposal.picks}
    plan = propose(candidates(), members, PlanSettings(), year=2027, previous=previous)
    assert all(not ({m.id for m in p.team} & previous.get(p.candidate.credit_code, set())) for p in plan.picks)


def infeasible(candidates, members, **settings) -> PlanInfeasible:
    with pytest.raises(PlanInfeasible) as caught:
        propose(candidates, members, PlanSettings(**settings), year=2026)
    return caught.value


def test_more_audits_than_organizations_names_the_count_and_shortfall(candidates, members):
    error = infeasible(candidates(), members, key_audits=100, inspections=100)
    assert error.extra["constraint"] == "organizations"
    assert (error.extra["needed"], error.extra["available"], error.extra["shortfall"]) == (200, 175, 25)


def test_too_few_auditors_names_the_missing_days(candidates, members):
    error = infeasible(candidates(), members[:8])
    assert error.extra["constraint"] in ("lead_capacity", "auditor_capacity")
    assert error.extra["shortfall"] > 0


def test_a_town_whose_every_auditor_has_a_tie_is_named(candidates, members):
    tied = [Member(m.id, m.username, m.name, m.lead, m.capacity, m.blocked | {"110109109000"}) for m in members]
    error = infeasible(candidates(), tied)
    assert error.extra["constraint"] == "town_coverage"
    assert error.extra["town_code"] == "110109109000"
    assert "清水镇" in error.detail


def test_towns_needing_more_than_the_plan_holds_is_named(candidates, members):
    error = infeasible(candidates(), members, key_audits=5)
    assert error.extra["constraint"] == "town_coverage_key_audit"
    assert error.extra["shortfall"] == 5
