"""Risk model (风险评估) of the annual plan: a score from 0 to 100 and a reason in words per organization.

Each feature becomes a percentile rank within the district (0 for a zero value), the score is
the weighted mean of those ranks, and the reason names the three features that weigh most.
Pure: plain data in, plain data out; numpy for the columns.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from scipy.stats import rankdata

DEFAULT_WEIGHTS = {"economic_size": 0.25, "government_investment": 0.25, "public_complaints": 0.2,
                   "years_since_audit": 0.2, "serious_findings": 0.05, "overdue_rectifications": 0.05}
FEATURES = tuple(DEFAULT_WEIGHTS)
YEARS_CAP = 5  # "never audited" counts as five years


@dataclass
class Candidate:
    """An organization (村集体经济组织) as the plan sees it: registry snapshot plus this service's history."""

    credit_code: str
    name: str
    unit_code: str
    unit_name: str
    town_code: str
    town_name: str
    economic_size: Decimal = Decimal(0)
    government_investment: Decimal = Decimal(0)
    public_complaints: int = 0
    last_key_audit: int | None = None
    last_inspection: int | None = None
    serious_findings: int = 0
    overdue_rectifications: int = 0
    score: float = 0.0
    rank: int = 0
    reason: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def last_engagement(self) -> int | None:
        years = [y for y in (self.last_key_audit, self.last_inspection) if y is not None]
        return max(years) if years else None


def years_since(candidate: Candidate, year: int) -> int:
    last = candidate.last_engagement
    return YEARS_CAP if last is None else min(YEARS_CAP, max(0, year - last))


def feature_matrix(candidates: list[Candidate], year: int) -> np.ndarray:
    rows = [(float(c.economic_size), float(c.government_investment), c.public_complaints, years_since(c, year),
             c.serious_findings, c.overdue_rectifications) for c in candidates]
    return np.array(rows, dtype=float).reshape(len(candidates), len(FEATURES))


def percentiles(values: np.ndarray) -> np.ndarray:
    """Each column's values as ranks in (0, 1]; a zero stays 0, so "no complaints" adds nothing."""
    ranked = rankdata(values, method="average", axis=0) / len(values)
    return np.where(values > 0, ranked, 0.0)


def score_candidates(candidates: list[Candidate], year: int, weights: dict[str, float] | None = None) -> None:
    """Sets `score`, `rank` (1 = riskiest) and `reason` on every candidate, in place."""
    if not candidates:
        return
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    vector = np.array([max(0.0, float(weights[f])) for f in FEATURES])
    values = feature_matrix(candidates, year)
    parts = percentiles(values) * vector / (vector.sum() or 1.0)
    scores = np.round(parts.sum(axis=1) * 100, 2)
    order = rankdata(-scores, method="min").astype(int)
    value_ranks = rankdata(-values, method="min", axis=0).astype(int)
    for index, candidate in enumerate(candidates):
        candidate.score, candidate.rank = float(scores[index]), int(order[index])
        candidate.reason = explain(candidate, year, parts[index], value_ranks[index], len(candidates))


def explain(candidate: Candidate, year: int, parts: np.ndarray, ranks: np.ndarray, total: int) -> str:
    """The three weightiest features in words: "政府投资第8位（共178个）… / government investment 8th of 178; …"."""
    chosen = [i for i in np.argsort(-parts, kind="stable")[:3] if parts[i] > 0]
    if not chosen:
        chosen = [FEATURES.index("years_since_audit")]
    words = [_words(FEATURES[i], candidate, year, int(ranks[i]), total) for i in chosen]
    return "；".join(w[0] for w in words) + " / " + "; ".join(w[1] for w in words)


def _words(feature: str, c: Candidate, year: int, rank: int, total: int) -> tuple[str, str]:
    if feature == "economic_size":
        return f"经济体量第{rank}位（共{total}个）", f"economic size {ordinal(rank)} of {total}"
    if feature == "government_investment":
        return f"政府投资第{rank}位（共{total}个）", f"government investment {ordinal(rank)} of {total}"
    if feature == "public_complaints":
        return f"群众反映{c.public_complaints}件", f"{c.public_complaints} complaints"
    if feature == "serious_findings":
        return f"严重问题{c.serious_findings}个", f"{c.serious_findings} serious findings"
    if feature == "overdue_rectifications":
        return f"逾期未整改{c.overdue_rectifications}项", f"{c.overdue_rectifications} overdue rectifications"
    return history_words(c)


def history_words(c: Candidate) -> tuple[str, str]:
    last = c.last_engagement
    if last is None:
        return "从未审计或检查", "never audited or inspected"
    return f"{last}年以来未审计或检查", f"not inspected since {last}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def candidates_from(snapshot: list[dict], history: dict[str, dict]) -> list[Candidate]:
    """Candidates from a plan's snapshot and `history` (credit code → last years and findings)."""
    found = []
    for entry in snapshot:
        past = history.get(entry["credit_code"], {})
        found.append(Candidate(
            credit_code=entry["credit_code"], name=entry["name"], unit_code=entry["unit_code"],
            unit_name=entry["unit_name"], town_code=entry["town_code"], town_name=entry["town_name"],
            economic_size=Decimal(entry["economic_size"]),
            government_investment=Decimal(entry["government_investment"]),
            public_complaints=entry["public_complaints"], last_key_audit=past.get("last_key_audit"),
            last_inspection=past.get("last_inspection"), serious_findings=past.get("serious_findings", 0),
            overdue_rectifications=past.get("overdue_rectifications", 0)))
    return found
