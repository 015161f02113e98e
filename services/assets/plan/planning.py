"""Choosing the year's key audits (重点审计) and inspections (定期检查): one MILP solved by HiGHS.

Maximise the risk covered (a key audit counts `key_weight` times, so the riskiest get key
audits) with: exactly K and M picks, an organization on at most one list, each town's minimum
of each kind, rotation (no key audit two years running outside the top `rotation_top`), and
organizations unvisited for `overdue_years` first (a bonus larger than any risk). Teams come
after, in `teams.py`; only organizations a tie-free team can visit are offered here.

The rows split into two laminar families (the counts with their towns' minimums; the
one-list-per-organization pairs), so the matrix is totally unimodular and the LP's vertex
optimum is already whole: HiGHS's dual simplex solves it in a second at city size, where the
MIP's presolve (clique tables over 20,000 pairs) alone takes half a minute. Should a vertex ever
come back fractional, the MIP is solved instead.
"""

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import LinearConstraint, linprog, milp
from scipy.sparse import coo_array, vstack

from services.assets.plan.feasibility import PlanInfeasible, PlanTimeLimit, check_staffing, town_needs
from services.assets.plan.risk import Candidate, years_since
from services.assets.plan.rules import PlanSettings

OVERDUE_BONUS = 1000.0  # above any weighted score (at most 100 × key_weight)


@dataclass
class Selection:
    key_audits: list[int]  # indexes into the candidates, riskiest first
    inspections: list[int]


def rotation_allows(candidate: Candidate, year: int, settings: PlanSettings) -> bool:
    return candidate.last_key_audit != year - 1 or candidate.rank <= settings.rotation_top


def is_overdue(candidate: Candidate, year: int, settings: PlanSettings) -> bool:
    return years_since(candidate, year) >= settings.overdue_years


def tie_breaks(count: int, seed: int) -> np.ndarray:
    """Tiny seeded values that decide between equal scores, so a seed names one plan."""
    return np.random.default_rng(seed).random(count) * 1e-3


def choose_targets(candidates: list[Candidate], year: int, settings: PlanSettings, key_ok: list[bool],
                   inspection_ok: list[bool], seed: int = 0, time_limit: float = 30.0) -> Selection:
    """`key_ok`/`inspection_ok` say which organizations a team may visit; rotation is applied here."""
    key_ok = [ok and rotation_allows(c, year, settings) for ok, c in zip(key_ok, candidates, strict=True)]
    check_staffing(candidates, settings, key_ok, inspection_ok)
    n = len(candidates)
    risk = np.array([c.score for c in candidates])
    bonus = np.array([OVERDUE_BONUS if is_overdue(c, year, settings) else 0.0 for c in candidates])
    value = np.concatenate([settings.key_weight * risk + bonus, risk + bonus]) + tie_breaks(2 * n, seed)
    upper = np.array(key_ok + inspection_ok, dtype=float)
    chosen = _solve(-value, upper, _constraints(candidates, settings), time_limit)
    return Selection(_riskiest(np.flatnonzero(chosen[:n]), risk), _riskiest(np.flatnonzero(chosen[n:]), risk))


def _solve(cost: np.ndarray, upper: np.ndarray, constraints: LinearConstraint, time_limit: float) -> np.ndarray:
    """The LP's vertex when whole, else the MIP's best within what is left of `time_limit`."""
    started = time.perf_counter()
    matrix, lb, ub = constraints.A, constraints.lb, constraints.ub
    equal = lb == ub
    above, below = ~equal & np.isfinite(lb), ~equal & np.isfinite(ub)
    relaxed = linprog(cost, A_ub=vstack([-matrix[above], matrix[below]]).tocsr(),
                      b_ub=np.concatenate([-lb[above], ub[below]]), A_eq=matrix[equal], b_eq=lb[equal],
                      bounds=np.column_stack([np.zeros_like(upper), upper]), method="highs-ds",
                      options={"time_limit": time_limit})
    if relaxed.x is not None and np.allclose(relaxed.x, np.round(relaxed.x), atol=1e-6):
        return relaxed.x > 0.5
    left = time_limit - (time.perf_counter() - started)
    if left <= 0:
        raise PlanTimeLimit(time_limit, "selection")
    result = milp(cost, integrality=np.ones(len(cost)), bounds=(0, upper), constraints=constraints,
                  options={"time_limit": left})
    if result.x is None and result.status == 1:  # HiGHS stopped at the time limit without a whole plan
        raise PlanTimeLimit(time_limit, "selection")
    if result.x is None:
        raise PlanInfeasible("selection", f"no selection meets every rule (solver: {result.message})")
    return result.x > 0.5


def _riskiest(indexes: np.ndarray, risk: np.ndarray) -> list[int]:
    return sorted(indexes.tolist(), key=lambda i: (-risk[i], i))


def _constraints(candidates: list[Candidate], settings: PlanSettings) -> LinearConstraint:
    n = len(candidates)
    ones = np.ones(n)
    both = np.arange(n)
    counts = coo_array((np.ones(2 * n), (np.repeat([0, 1], n), np.arange(2 * n))), shape=(2, 2 * n))
    at_most_one = coo_array((np.ones(2 * n), (np.tile(both, 2), np.arange(2 * n))), shape=(n, 2 * n))
    town_rows, lower = _town_rows(candidates, settings)
    matrix = vstack([counts, at_most_one, town_rows]).tocsr()
    lb = np.concatenate([[settings.key_audits, settings.inspections], np.full(n, -np.inf), lower])
    ub = np.concatenate([[settings.key_audits, settings.inspections], ones, np.full(len(lower), np.inf)])
    return LinearConstraint(matrix, lb, ub)


def _town_rows(candidates: list[Candidate], settings: PlanSettings) -> tuple[coo_array, np.ndarray]:
    """Two rows per town: its key audits ≥ its need, its inspections ≥ its need."""
    n = len(candidates)
    needs = town_needs(candidates, settings)
    town_index = {town: i for i, town in enumerate(needs)}
    rows = np.array([2 * town_index[c.town_code] for c in candidates])
    matrix = coo_array((np.ones(2 * n), (np.concatenate([rows, rows + 1]), np.arange(2 * n))),
                       shape=(2 * len(needs), 2 * n))
    lower = np.array([need for pair in needs.values() for need in pair], dtype=float)
    return matrix, lower


def greedy_targets(candidates: list[Candidate], year: int, settings: PlanSettings, key_ok: list[bool],
                   inspection_ok: list[bool]) -> Selection:
    """The obvious hand method under the same rules, for comparison in the bench: towns' minimums
    first with each town's riskiest, then the riskiest left; overdue organizations before others."""
    key_ok = [ok and rotation_allows(c, year, settings) for ok, c in zip(key_ok, candidates, strict=True)]
    order = sorted(range(len(candidates)), key=lambda i: (not is_overdue(candidates[i], year, settings),
                                                          -candidates[i].score, i))
    taken: set[int] = set()
    picks: dict[str, list[int]] = {"key_audit": [], "inspection": []}
    for kind, ok, total, slot in (("key_audit", key_ok, settings.key_audits, 0),
                                  ("inspection", inspection_ok, settings.inspections, 1)):
        for town, need in town_needs(candidates, settings).items():
            mine = [i for i in order if candidates[i].town_code == town and ok[i] and i not in taken][:need[slot]]
            picks[kind] += mine
            taken.update(mine)
        rest = [i for i in order if ok[i] and i not in taken][:max(0, total - len(picks[kind]))]
        picks[kind] += rest
        taken.update(rest)
    return Selection(picks["key_audit"], picks["inspection"])
