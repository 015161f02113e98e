"""An annual plan's life (计划): drafted by the system, adjusted, approved by the audit lead, amended.

draft: regenerate with other settings, swap an organization, change a team (each change is
re-checked and broken rules become warnings on the row). approved: frozen; one engagement per
row. After approval a row changes only through an amendment with a reason.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlmodel import Session

from services.assets.plan import auditors, visit_history
from services.assets.plan.feasibility import Member
from services.assets.plan.models import Plan, PlanRow
from services.assets.plan.proposal import Pick, Proposal, loads, propose
from services.assets.plan.risk import candidates_from, score_candidates
from services.assets.plan.rule_checks import review_plan, review_rows
from services.assets.plan.rules import PlanSettings
from services.common import audit
from services.common.errors import Conflict, Invalid, NotFound

ROW_FIELDS = ("kind", "credit_code", "organization_name", "unit_code", "unit_name", "town_code", "town_name",
              "risk_score", "risk_rank", "reason", "quarter", "team")


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"没有编号为 {plan_id} 的计划 / no plan {plan_id}", code="plan_not_found")
    return plan


def list_plans(session: Session) -> list[Plan]:
    return list(session.scalars(select(Plan).order_by(Plan.year.desc())))


def plan_rows(session: Session, plan: Plan) -> list[PlanRow]:
    return list(session.scalars(select(PlanRow).where(PlanRow.plan_id == plan.id)
                                .order_by(PlanRow.kind.desc(), PlanRow.position)))  # key audits first


def get_row(session: Session, plan: Plan, row_id: int) -> PlanRow:
    row = session.get(PlanRow, row_id)
    if row is None or row.plan_id != plan.id:
        raise NotFound(f"计划 {plan.id} 中没有第 {row_id} 行 / plan {plan.id} has no row {row_id}", code="row_not_found")
    return row


@dataclass
class PlanInputs:
    """What a proposal reads from this service: read before solving, compared again before writing."""

    members: list[Member]
    history: dict[str, dict]
    previous: dict[str, set[int]]


def read_inputs(session: Session, year: int) -> PlanInputs:
    return PlanInputs(auditors.members(session), visit_history.past_visits(session, year),
                      visit_history.last_year_teams(session, year))


def propose_plan(snapshot: list[dict], inputs: PlanInputs, settings: PlanSettings, *, year: int, seed: int,
                 time_limit: float) -> Proposal:
    """The solve, on plain data: no session is open meanwhile."""
    return propose(candidates_from(snapshot, inputs.history), inputs.members, settings, year=year, seed=seed,
                   previous=inputs.previous, time_limit=time_limit)


def require_no_plan(session: Session, year: int) -> None:
    if session.scalars(select(Plan).where(Plan.year == year)).first():
        raise Conflict(f"{year} 年已有计划 / there is already a plan for {year}", code="plan_exists")


def generate(session: Session, *, year: int, settings: PlanSettings, seed: int, snapshot: list[dict],
             statistics_year: int | None, district_code: str, actor: str, proposal: Proposal, inputs: PlanInputs,
             skipped: list[dict] | None = None, demo: bool = False) -> Plan:
    """Stores the year's plan proposed from a registry snapshot; one plan per year."""
    require_no_plan(session, year)
    plan = Plan(year=year, district_code=district_code, seed=seed, settings=settings.model_dump(),
                snapshot=snapshot, statistics_year=statistics_year, created_by=actor, demo=demo)
    session.add(plan)
    session.flush()
    _write_rows(session, plan, proposal, inputs, settings, skipped or [])
    audit.record(session, actor=actor, action="generate", entity="plan", entity_id=str(plan.id),
                 after={"year": year, "seed": seed, "settings": plan.settings, "summary": plan.summary})
    return plan


def regenerate(session: Session, plan: Plan, *, settings: PlanSettings, seed: int, actor: str, proposal: Proposal,
               inputs: PlanInputs, snapshot: list[dict] | None = None, statistics_year: int | None = None,
               skipped: list[dict] | None = None) -> Plan:
    """Stores a new proposal for a draft with other settings or seed (and fresh registry data, if given)."""
    require_draft(plan)
    session.execute(delete(PlanRow).where(PlanRow.plan_id == plan.id))
    before = {"seed": plan.seed, "settings": plan.settings}
    plan.settings, plan.seed = settings.model_dump(), seed
    if snapshot is not None:
        plan.snapshot, plan.statistics_year = snapshot, statistics_year
    kept = plan.summary.get("skipped", []) if skipped is None else skipped
    _write_rows(session, plan, proposal, inputs, settings, kept)
    _touch(plan)
    audit.record(session, actor=actor, action="regenerate", entity="plan", entity_id=str(plan.id), before=before,
                 after={"seed": seed, "settings": plan.settings, "summary": plan.summary})
    return plan


def _write_rows(session: Session, plan: Plan, proposal: Proposal, inputs: PlanInputs, settings: PlanSettings,
                skipped: list[dict]) -> None:
    positions = {"key_audit": 0, "inspection": 0}
    for pick in proposal.picks:
        positions[pick.kind] += 1
        session.add(_row(plan, pick, positions[pick.kind]))
    session.flush()
    plan.summary = {"risk_covered": proposal.risk_covered(), "seconds": proposal.seconds,
                    "loads": _loads(loads(proposal.picks, settings), inputs.members), "warnings": [],
                    "skipped": skipped}
    if read_inputs(session, plan.year) != inputs:
        recheck(session, plan)  # auditors, ties or visits changed while solving: the rows say what now breaks


def _row(plan: Plan, pick: Pick, position: int) -> PlanRow:
    c = pick.candidate
    return PlanRow(plan_id=plan.id, kind=pick.kind, position=position, credit_code=c.credit_code,
                   organization_name=c.name, unit_code=c.unit_code, unit_name=c.unit_name, town_code=c.town_code,
                   town_name=c.town_name, risk_score=c.score, risk_rank=c.rank, reason=c.reason,
                   quarter=pick.quarter, team=[team_entry(m, m.lead) for m in pick.team])


def team_entry(member: Member, lead: bool) -> dict:
    return {"auditor_id": member.id, "username": member.username, "name": member.name, "lead": lead}


def _loads(days: dict[int, int], members: list[Member]) -> list[dict]:
    return [{"auditor_id": m.id, "name": m.name, "days": days.get(m.id, 0), "capacity": m.capacity,
             "share": round(days.get(m.id, 0) / m.capacity, 3) if m.capacity else 0.0} for m in members]


def require_draft(plan: Plan) -> None:
    if plan.status != "draft":
        raise Conflict("计划已批准，只能通过调整（须说明理由）修改 / the plan is approved; change it with an amendment "
                       "and a reason", code="plan_frozen")


def _touch(plan: Plan) -> None:
    plan.version += 1
    plan.updated_at = datetime.now(UTC)


def candidates_of(session: Session, plan: Plan):
    found = candidates_from(plan.snapshot, visit_history.past_visits(session, plan.year))
    score_candidates(found, plan.year, plan.settings.get("weights"))
    return {c.credit_code: c for c in found}


def change_row(session: Session, plan: Plan, row: PlanRow, *, credit_code: str | None, team: list[int] | None,
               actor: str) -> PlanRow:
    """Swaps the row's organization or sets its team, then re-checks the whole plan."""
    before = {name: getattr(row, name) for name in ROW_FIELDS}
    if credit_code is not None and credit_code != row.credit_code:
        _swap_organization(session, plan, row, credit_code)
    if team is not None:
        row.team = _team(session, team)
    row.changed_by = actor
    recheck(session, plan)
    _touch(plan)
    audit.record(session, actor=actor, action="change_row", entity="plan_row", entity_id=str(row.id),
                 before=before, after={name: getattr(row, name) for name in ROW_FIELDS})
    return row


def _swap_organization(session: Session, plan: Plan, row: PlanRow, credit_code: str) -> None:
    candidate = candidates_of(session, plan).get(credit_code)
    if candidate is None:
        raise Invalid("credit_code", f"{credit_code} 不在本计划的组织范围内 / {credit_code} is not among the "
                                     "plan's organizations")
    if any(other.credit_code == credit_code for other in plan_rows(session, plan)):
        raise Invalid("credit_code", f"{credit_code} 已在计划中 / {credit_code} is already in the plan")
    row.credit_code, row.organization_name, row.unit_code = candidate.credit_code, candidate.name, candidate.unit_code
    row.unit_name, row.town_code, row.town_name = candidate.unit_name, candidate.town_code, candidate.town_name
    row.risk_score, row.risk_rank, row.reason = candidate.score, candidate.rank, candidate.reason


def _team(session: Session, ids: list[int]) -> list[dict]:
    if len(set(ids)) != len(ids):
        raise Invalid("team", "同一人不能重复 / someone is named twice")
    found = []
    for index, auditor_id in enumerate(ids):
        auditor = session.get(auditors.Auditor, auditor_id)
        if auditor is None:
            raise Invalid(f"team[{index}]", f"没有编号为 {auditor_id} 的审计人员 / no auditor {auditor_id}")
        found.append({"auditor_id": auditor.id, "username": auditor.username, "name": auditor.name,
                      "lead": auditor.role == "lead"})
    return found


def recheck(session: Session, plan: Plan) -> list[dict]:
    """Warnings on every row and on the plan; returns the plan's."""
    settings = PlanSettings(**plan.settings)
    members = {m.id: m for m in auditors.members(session)}
    rows = plan_rows(session, plan)
    plain = [{name: getattr(r, name) for name in ROW_FIELDS} for r in rows]
    per_row = review_rows(plain, members, settings, year=plan.year, previous=visit_history.last_year_teams(session, plan.year),
                          history=visit_history.past_visits(session, plan.year))
    for row, found in zip(rows, per_row, strict=True):
        row.warnings = found
    days: dict[int, int] = {}
    for row in plain:
        for entry in row["team"]:
            days[entry["auditor_id"]] = days.get(entry["auditor_id"], 0) + settings.days(row["kind"])
    plan_warnings = review_plan(plain, list(candidates_of(session, plan).values()), settings)
    plan.summary = {**plan.summary, "warnings": plan_warnings, "loads": _loads(days, list(members.values()))}
    session.flush()
    return plan_warnings
