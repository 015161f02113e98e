"""A whole proposal from plain data: score, check the counts, choose, staff, schedule.

Two MILPs in turn (selection, then teams); only organizations a tie-free team can visit are
offered to the first, so the second always has a way to staff what the first chose.
"""

import time
from dataclasses import dataclass, field

from services.assets.plan.feasibility import Member, PlanTimeLimit, Staffing, check_counts
from services.assets.plan.planning import choose_targets
from services.assets.plan.risk import Candidate, score_candidates
from services.assets.plan.rules import PlanSettings
from services.assets.plan.teams import Job, assign_quarters, assign_teams


@dataclass
class Pick:
    kind: str
    candidate: Candidate
    team: list[Member]
    quarter: int


@dataclass
class Proposal:
    picks: list[Pick]
    seconds: dict[str, float] = field(default_factory=dict)

    def risk_covered(self) -> float:
        return round(sum(p.candidate.score for p in self.picks), 2)


def propose(candidates: list[Candidate], members: list[Member], settings: PlanSettings, *, year: int,
            seed: int = 0, previous: dict[str, set[int]] | None = None, time_limit: float = 30.0) -> Proposal:
    """`previous` maps a credit code to the auditors who were on it last year; `time_limit` bounds the
    whole proposal's solving, which ends with the best plan found by then or a PlanTimeLimit."""
    previous = previous or {}
    started = time.perf_counter()
    candidates = sorted(candidates, key=lambda c: c.credit_code)
    score_candidates(candidates, year, settings.weights)
    check_counts(candidates, settings, members)
    staffing = Staffing(members, previous)
    key_ok = [staffing.staffable(c, settings.key_team_size) for c in candidates]
    inspection_ok = [staffing.staffable(c, settings.inspection_team_size) for c in candidates]
    chosen = choose_targets(candidates, year, settings, key_ok, inspection_ok, seed=seed, time_limit=time_limit)
    selected = time.perf_counter()
    left = time_limit - (selected - started)  # one limit for the whole proposal, not one per solve
    if left <= 0:
        raise PlanTimeLimit(time_limit, "team_assignment")
    jobs = [Job(candidates[i], kind, settings.days(kind), settings.team_size(kind),
                frozenset(previous.get(candidates[i].credit_code, set())))
            for kind, indexes in (("key_audit", chosen.key_audits), ("inspection", chosen.inspections))
            for i in indexes]
    try:
        teams = assign_teams(jobs, members, seed=seed, time_limit=left)
    except PlanTimeLimit:
        raise PlanTimeLimit(time_limit, "team_assignment") from None  # named by the caller's limit, not what was left
    quarters = assign_quarters(jobs, teams)
    picks = [Pick(job.kind, job.candidate, team, quarter) for job, team, quarter in zip(jobs, teams, quarters,
                                                                                      strict=True)]
    done = time.perf_counter()
    return Proposal(picks, {"selection": round(selected - started, 3), "teams": round(done - selected, 3)})


def loads(picks: list[Pick], settings: PlanSettings) -> dict[int, int]:
    """Days each auditor is planned for."""
    found: dict[int, int] = {}
    for pick in picks:
        for member in pick.team:
            found[member.id] = found.get(member.id, 0) + settings.days(pick.kind)
    return found
