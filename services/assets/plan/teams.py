"""Teams for the chosen engagements (审计组): a second MILP, then quarters.

Each engagement gets exactly one lead and `size - 1` auditors; nobody with a tie (回避) to the
organization, its village or its town, nobody who was on it last year; nobody past their
capacity; and the largest load (days over capacity) within 5% of the smallest possible. Past a few hundred
engagements the model is solved in blocks (towns kept together, auditors dealt out evenly), so a
city-sized plan stays within a minute; each block is still solved exactly.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import LinearConstraint, milp
from scipy.sparse import coo_array, vstack

from services.assets.plan.feasibility import Member, PlanInfeasible, PlanTimeLimit, may_serve
from services.assets.plan.risk import Candidate

BLOCK_SIZE = 240


@dataclass
class Job:
    """One engagement to staff: the organization, its kind, length and team size, who was on it last year."""

    candidate: Candidate
    kind: str
    days: int
    size: int
    previous: frozenset[int] = frozenset()


def assign_teams(jobs: list[Job], members: list[Member], *, seed: int = 0, time_limit: float = 30.0,
                 block_size: int = BLOCK_SIZE) -> list[list[Member]]:
    """A team per job, lead first, in the jobs' order."""
    teams: list[list[Member]] = [[] for _ in jobs]
    blocks = max(1, math.ceil(len(jobs) / block_size))
    for job_indexes, group in zip(_job_blocks(jobs, blocks), _member_groups(members, blocks), strict=True):
        block = solve_block([jobs[i] for i in job_indexes], group, seed=seed, time_limit=time_limit / blocks)
        for i, team in zip(job_indexes, block, strict=True):
            teams[i] = team
    return teams


def _job_blocks(jobs: list[Job], blocks: int) -> list[list[int]]:
    """Contiguous runs of jobs sorted by town, of about equal days."""
    order = sorted(range(len(jobs)), key=lambda i: (jobs[i].candidate.town_code, jobs[i].candidate.credit_code))
    target = sum(jobs[i].days * jobs[i].size for i in order) / blocks
    found, current, days = [], [], 0.0
    for i in order:
        current.append(i)
        days += jobs[i].days * jobs[i].size
        if days >= target * (len(found) + 1) and len(found) < blocks - 1:
            found.append(current)
            current = []
    return found + [current]


def _member_groups(members: list[Member], blocks: int) -> list[list[Member]]:
    """Leads and auditors dealt out in turn, largest capacity first, so groups are alike."""
    groups: list[list[Member]] = [[] for _ in range(blocks)]
    for lead in (True, False):
        ranked = sorted((m for m in members if m.lead == lead), key=lambda m: (-m.capacity, m.id))
        for index, member in enumerate(ranked):
            groups[index % blocks].append(member)
    return groups


def solve_block(jobs: list[Job], members: list[Member], *, seed: int = 0,
                time_limit: float = 30.0) -> list[list[Member]]:
    if not jobs:
        return []
    pairs = [(j, a) for j, job in enumerate(jobs) for a, m in enumerate(members)
             if may_serve(m, job.candidate, job.previous)]
    _check_each_job(jobs, members, pairs)
    count = len(pairs)
    cost = np.concatenate([np.random.default_rng(seed).random(count) * 1e-6, [1.0]])
    bounds_upper = np.concatenate([np.ones(count), [np.inf]])
    result = milp(cost, integrality=np.concatenate([np.ones(count), [0]]), bounds=(0, bounds_upper),
                  constraints=_constraints(jobs, members, pairs),
                  options={"time_limit": time_limit, "mip_rel_gap": 0.05})
    if result.x is None and result.status == 1:  # HiGHS stopped at the time limit without teams for all
        raise PlanTimeLimit(time_limit, "team_assignment")
    if result.x is None:
        raise PlanInfeasible("team_assignment", "no teams meet capacity, ties and last year's rule together "
                             f"(solver: {result.message}); add auditors, raise capacities or plan fewer visits")
    teams: list[list[Member]] = [[] for _ in jobs]
    for (j, a), chosen in zip(pairs, result.x[:count], strict=True):
        if chosen > 0.5:
            teams[j].append(members[a])
    return [sorted(team, key=lambda m: (not m.lead, m.id)) for team in teams]


def _check_each_job(jobs: list[Job], members: list[Member], pairs: list[tuple[int, int]]) -> None:
    leads, others = np.zeros(len(jobs), dtype=int), np.zeros(len(jobs), dtype=int)
    for j, a in pairs:
        (leads if members[a].lead else others)[j] += 1
    for j, job in enumerate(jobs):
        if leads[j] < 1 or others[j] < job.size - 1:
            c = job.candidate
            raise PlanInfeasible("conflict_of_interest", f"{c.name} ({c.town_name}) has {leads[j]} leads and "
                                 f"{others[j]} auditors free of ties; it needs 1 and {job.size - 1}",
                                 needed=job.size, available=int(min(leads[j], 1) + min(others[j], job.size - 1)),
                                 credit_code=c.credit_code)


def _constraints(jobs: list[Job], members: list[Member], pairs: list[tuple[int, int]]) -> LinearConstraint:
    """Per job: one lead, size-1 others. Per member: days ≤ capacity and days ≤ capacity × T."""
    count, width = len(pairs), len(pairs) + 1
    job_of = np.array([j for j, _ in pairs])
    member_of = np.array([a for _, a in pairs])
    is_lead = np.array([members[a].lead for a in member_of])
    columns = np.arange(count)
    lead_rows = coo_array((np.ones(count), (job_of * 2 + (~is_lead), columns)), shape=(2 * len(jobs), width))
    need = np.array([[1, job.size - 1] for job in jobs], dtype=float).ravel()
    days = np.array([jobs[j].days for j in job_of], dtype=float)
    capacity = np.array([m.capacity for m in members], dtype=float)
    load = coo_array((days, (member_of, columns)), shape=(len(members), width))
    balance = coo_array((np.concatenate([days, -capacity]),
                         (np.concatenate([member_of, np.arange(len(members))]),
                          np.concatenate([columns, np.full(len(members), count)]))), shape=(len(members), width))
    matrix = vstack([lead_rows, load, balance]).tocsr()
    lower = np.concatenate([need, np.zeros(len(members)), np.full(len(members), -np.inf)])
    upper = np.concatenate([need, capacity, np.zeros(len(members))])
    return LinearConstraint(matrix, lower, upper)


def assign_quarters(jobs: list[Job], teams: list[list[Member]], quarters: int = 4) -> list[int]:
    """Spread engagements over the quarters: at most an even share each, and each team member's
    days as even across quarters as the order allows. Longest jobs are placed first."""
    cap = math.ceil(len(jobs) / quarters)
    counts = [0] * quarters
    loads: dict[int, list[int]] = {}
    chosen = [0] * len(jobs)
    for j in sorted(range(len(jobs)), key=lambda j: (-jobs[j].days, jobs[j].candidate.credit_code)):
        open_quarters = [q for q in range(quarters) if counts[q] < cap]
        q = min(open_quarters, key=lambda q: (max(loads.get(m.id, [0] * quarters)[q] for m in teams[j]),
                                               counts[q], q))
        counts[q] += 1
        for m in teams[j]:
            loads.setdefault(m.id, [0] * quarters)[q] += jobs[j].days
        chosen[j] = q + 1
    return chosen
