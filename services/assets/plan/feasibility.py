"""Plain counting before the solver: settings that cannot be met end in a problem naming the rule.

Each check says which constraint fails, what it needs, what there is and the shortfall, so the
audit lead knows what to change (fewer audits, more auditors, a lower town minimum ...).
"""

from collections import Counter
from dataclasses import dataclass, field

from services.assets.plan.risk import Candidate
from services.assets.plan.rules import PlanSettings
from services.common.errors import DomainError


class PlanInfeasible(DomainError):
    """The settings cannot be met; `constraint` names the rule and `shortfall` by how much."""

    status, code, title = 422, "plan_infeasible", "The plan cannot meet its settings"

    def __init__(self, constraint: str, detail: str, *, needed: int | None = None, available: int | None = None,
                 **extra):
        shortfall = needed - available if needed is not None and available is not None else None
        super().__init__(detail, extra={"constraint": constraint, "needed": needed, "available": available,
                                        "shortfall": shortfall, **extra})
        self.constraint = constraint



class PlanTimeLimit(DomainError):
    """The solver found no plan within its time limit (ASSETS_PLAN_SOLVE_SECONDS); nothing was stored."""

    status, code, title = 422, "plan_time_limit", "No plan was found within the time limit"

    def __init__(self, seconds: float, step: str):
        super().__init__(f"{seconds:g} 秒内未能求出计划（{step}）；请减少检查数量或放宽设置 / no plan was found within "
                         f"{seconds:g} s ({step}); plan fewer visits or relax the settings",
                         extra={"time_limit": seconds, "step": step})


@dataclass(frozen=True)
class Member:
    """An auditor as the solver sees them; `blocked` holds every code their ties name."""

    id: int
    username: str
    name: str
    lead: bool
    capacity: int
    blocked: frozenset[str] = field(default_factory=frozenset)


def may_serve(member: Member, candidate: Candidate, previous: set[int]) -> bool:
    """No tie (回避) to the organization, its village or its town, and not on it last year."""
    if member.id in previous:
        return False
    return not member.blocked & {candidate.credit_code, candidate.unit_code, candidate.town_code}


class Staffing:
    """Who may serve where, indexed by the codes ties name, so checking 20,000 organizations is quick."""

    def __init__(self, members: list[Member], previous: dict[str, set[int]]):
        self.leads = {m.id for m in members if m.lead}
        self.others = {m.id for m in members if not m.lead}
        self.previous = previous
        self.blocked_by: dict[str, set[int]] = {}
        for member in members:
            for code in member.blocked:
                self.blocked_by.setdefault(code, set()).add(member.id)

    def free(self, candidate: Candidate) -> tuple[int, int]:
        """How many leads and how many auditors may serve on the candidate."""
        blocked = set(self.previous.get(candidate.credit_code, ()))
        for code in (candidate.credit_code, candidate.unit_code, candidate.town_code):
            blocked |= self.blocked_by.get(code, set())
        return len(self.leads - blocked), len(self.others - blocked)

    def staffable(self, candidate: Candidate, size: int) -> bool:
        """A lead and `size - 1` auditors may all serve on it."""
        leads, others = self.free(candidate)
        return leads >= 1 and others >= size - 1


def town_needs(candidates: list[Candidate], settings: PlanSettings) -> dict[str, tuple[int, int]]:
    """Per town with organizations: how many key audits and inspections it must get (capped by its size)."""
    sizes = Counter(c.town_code for c in candidates)
    needs = {}
    for town, size in sorted(sizes.items()):
        key = min(settings.min_key_audits_per_town, size)
        needs[town] = (key, min(settings.min_inspections_per_town, size - key))
    return needs


def check_counts(candidates: list[Candidate], settings: PlanSettings, members: list[Member]) -> None:
    wanted = settings.key_audits + settings.inspections
    if wanted > len(candidates):
        raise PlanInfeasible("organizations", f"{wanted} audits and inspections asked for, but the district has "
                             f"only {len(candidates)} organizations", needed=wanted, available=len(candidates))
    needs = town_needs(candidates, settings)
    for index, kind, total in ((0, "key_audit", settings.key_audits), (1, "inspection", settings.inspections)):
        needed = sum(n[index] for n in needs.values())
        if needed > total:
            raise PlanInfeasible(f"town_coverage_{kind}", f"{len(needs)} towns need at least {needed} of kind "
                                 f"{kind} in all, but only {total} are planned", needed=needed, available=total)
    if wanted:
        check_auditors(settings, members)


def check_auditors(settings: PlanSettings, members: list[Member]) -> None:
    leads = [m for m in members if m.lead]
    others = [m for m in members if not m.lead]
    biggest = max(settings.key_team_size if settings.key_audits else 0,
                  settings.inspection_team_size if settings.inspections else 0)
    if not leads:
        raise PlanInfeasible("team_lead", "no active audit lead to head a team", needed=1, available=0)
    if len(others) < biggest - 1:
        raise PlanInfeasible("team_size", f"a team needs {biggest - 1} auditors besides its lead, but there are "
                             f"only {len(others)}", needed=biggest - 1, available=len(others))
    lead_days = settings.key_audits * settings.key_audit_days + settings.inspections * settings.inspection_days
    capacity = sum(m.capacity for m in leads)
    if lead_days > capacity:
        raise PlanInfeasible("lead_capacity", f"leading every team takes {lead_days} days, the leads have "
                             f"{capacity}", needed=lead_days, available=capacity)
    days = (settings.key_audits * (settings.key_team_size - 1) * settings.key_audit_days
            + settings.inspections * (settings.inspection_team_size - 1) * settings.inspection_days)
    capacity = sum(m.capacity for m in others)
    if days > capacity:
        raise PlanInfeasible("auditor_capacity", f"the teams need {days} auditor days, the auditors have "
                             f"{capacity}", needed=days, available=capacity)


def check_staffing(candidates: list[Candidate], settings: PlanSettings, key_ok: list[bool],
                   inspection_ok: list[bool]) -> None:
    """After ties and rotation: enough organizations a team may visit, in all and in each town."""
    key_count = sum(key_ok)
    if key_count < settings.key_audits:
        raise PlanInfeasible("key_audit_candidates", f"{settings.key_audits} key audits asked for, but only "
                             f"{key_count} organizations may get one (conflicts of interest, rotation)",
                             needed=settings.key_audits, available=key_count)
    either = sum(k or i for k, i in zip(key_ok, inspection_ok, strict=True))
    wanted = settings.key_audits + settings.inspections
    if either < wanted:
        raise PlanInfeasible("conflict_of_interest", f"only {either} organizations have a team free of ties; "
                             f"{wanted} are needed", needed=wanted, available=either)
    _check_towns(candidates, settings, key_ok, inspection_ok)


def _check_towns(candidates, settings, key_ok, inspection_ok) -> None:
    for town, (need_key, need_inspection) in town_needs(candidates, settings).items():
        rows = [i for i, c in enumerate(candidates) if c.town_code == town]
        keys = sum(key_ok[i] for i in rows)
        either = sum(key_ok[i] or inspection_ok[i] for i in rows)
        name = candidates[rows[0]].town_name
        if keys < need_key or either < need_key + need_inspection:
            needed, available = (need_key, keys) if keys < need_key else (need_key + need_inspection, either)
            raise PlanInfeasible("town_coverage", f"{name} ({town}) needs {needed} visits but only {available} "
                                 "of its organizations have a team free of ties (or rotation)",
                                 needed=needed, available=available, town_code=town)
