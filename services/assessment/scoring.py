"""Scoring (计分): every village's points, total, grade and ranks at once, columnwise with numpy.

Pure: takes a `SchemeSpec` and `Inputs`, returns `Scores`. Points are kept as integers in units
of 10^-decimals, rounded half-up per indicator as an office rounds by hand, so totals are exact
sums and ties are real ties.

Methods (each gives points for one village):
- threshold_linear: floor gives 0, the class's target gives the full weight, linear between;
  a lower-is-better indicator has floor above target. Floor equal to target: all or nothing.
- ratio: weight × min(value / target, cap) (target / value when lower is better); a zero
  denominator gives the cap (a zero target is met by anything; nothing is the best of "lower").
- percentile: weight × share of the class's other villages strictly below (above when lower is
  better); equal values share a percentile; a class of one gets the full weight.
- yes_no: the full weight when the value is not 0 (when it is 0, if lower is better).
- deduction / bonus: minus / plus min(value × per, cap).
- veto (一票否决): not 0 (or above `above`) makes the grade the lowest band and names why.
- value: no points; the value is shown and formulas may read it.
Missing data: zero (counts as 0), reweight (left out; the village's other weighted indicators
scale up to 100), block (no run while any village lacks it).

The work is laid out for speed: matrices are (indicators, villages) so each indicator's column is
contiguous (`Scores` shows them transposed, villages first); per-class weights and targets are
one lookup into a small table, or a plain number when every class shares them; each percentile
and each rank one sort per class (and one overall for the rank).
"""

from dataclasses import dataclass

import numpy as np

from services.assessment.formulas import compile_formula
from services.assessment.scheme_spec import FULL_MARKS, WEIGHTED, IndicatorSpec, SchemeSpec
from services.common.errors import DomainError

VETO_OFFSET = 10 ** 15  # puts a vetoed village's rank after every other's
HALF_UP_SLACK = 1e-7  # in units of the last shown place; see round_half_up


class MissingInputs(DomainError):
    status, code, title = 409, "inputs_incomplete", "Inputs are incomplete"


@dataclass
class Inputs:
    """The values a run scores: one entry per village, columns of floats with NaN for missing."""

    unit_codes: list[str]
    classes: list[str]
    columns: dict[str, np.ndarray]


@dataclass
class Scores:
    codes: list[str]  # indicator codes, the column order of raw, points and left_out
    raw: np.ndarray  # (villages, indicators) float, NaN where missing
    points: np.ndarray  # (villages, indicators) int64 in units of 10^-decimals
    left_out: np.ndarray  # (villages, indicators) bool: missing and reweighted away
    vetoed: np.ndarray  # (villages, indicators) bool
    total: np.ndarray  # int64, units of 10^-decimals
    dimensions: np.ndarray  # (villages, dimensions) int64
    grade: np.ndarray  # index into spec.bands
    rank: np.ndarray
    class_rank: np.ndarray
    class_index: np.ndarray


@dataclass(frozen=True)
class _Classes:
    """Each village's class as an index into spec.classes, and the villages of each class."""

    index: np.ndarray  # intp
    members: list[np.ndarray]  # per class of spec.classes, its villages' positions

    def lookup(self, by_class: list[float]) -> float | np.ndarray:
        """A per-class parameter for every village: a plain number when all classes share it."""
        if all(value == by_class[0] for value in by_class):
            return by_class[0]
        return np.take(np.asarray(by_class, dtype=np.float64), self.index)


def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    """Half away from zero at `decimals` places, as integers in units of 10^-decimals.

    A score is rounded as the number an office writes down: 4 × 19.9 / 80 is 0.995 on paper and
    1.00 shown, though its float is 0.99499999999999999. The binary error of the few operations
    behind a score stays below 1e-9 of a unit for scores under 10^6 units, while a score worked
    from inputs written to a few places is never within 1e-7 of a unit below a half without being
    on it; HALF_UP_SLACK sits between the two, so the result is what Decimal(ROUND_HALF_UP) gives
    for the written number.
    """
    scaled = np.abs(values) * 10.0 ** decimals
    scaled += 0.5 + HALF_UP_SLACK
    np.floor(scaled, out=scaled)
    return np.copysign(scaled, values).astype(np.int64)


def score(spec: SchemeSpec, inputs: Inputs) -> Scores:
    n = len(inputs.unit_codes)
    classes = _classes_of(spec, inputs.classes)
    raw = _raw_values(spec, inputs, n)
    left_out = _left_out(spec, raw)
    factor = _reweight_factor(spec, left_out, classes)
    points = np.zeros(raw.shape, dtype=np.int64)
    vetoed = np.zeros(raw.shape, dtype=bool)
    for row, indicator in enumerate(spec.indicators):
        x = np.where(np.isnan(raw[row]), 0.0, raw[row])
        if indicator.method == "veto":
            vetoed[row] = _veto(indicator, x) & ~left_out[row]
        elif indicator.method != "value":
            exact = _points(spec, indicator, x, left_out[row], classes, factor)
            points[row] = round_half_up(exact, spec.decimals)
    return _summarize(spec, raw, points, left_out, vetoed, classes)


def _classes_of(spec: SchemeSpec, classes: list[str]) -> _Classes:
    lookup = {name: k for k, name in enumerate(spec.classes)}
    fallback = lookup[spec.default_class]
    seen = {name: lookup.get(name, fallback) for name in set(classes)}
    index = np.fromiter(map(seen.__getitem__, classes), dtype=np.intp, count=len(classes))
    return _Classes(index, [np.flatnonzero(index == k) for k in range(len(spec.classes))])


def _raw_values(spec: SchemeSpec, inputs: Inputs, n: int) -> np.ndarray:
    """(indicators, villages): each indicator's value, a formula's computed after what it reads."""
    row_of = {indicator.code: row for row, indicator in enumerate(spec.indicators)}
    raw = np.empty((len(spec.indicators), n))
    for indicator in spec.order():
        target = raw[row_of[indicator.code]]
        if indicator.source == "formula":
            target[...] = compile_formula(indicator.key)({code: raw[row] for code, row in row_of.items()})
        else:
            column = inputs.columns.get(indicator.column)
            target[...] = np.nan if column is None else column
    return raw


def _left_out(spec: SchemeSpec, raw: np.ndarray) -> np.ndarray:
    """Missing values under the reweight policy; a missing value under block refuses the run."""
    left_out = np.zeros(raw.shape, dtype=bool)
    for row, indicator in enumerate(spec.indicators):
        if indicator.missing == "zero":
            continue
        missing = np.isnan(raw[row], out=left_out[row])
        if indicator.missing == "block" and missing.any():
            count = int(missing.sum())
            raise MissingInputs(f"指标 {indicator.code} 有 {count} 个村缺数据 / {count} villages lack "
                                f"{indicator.code}, whose policy is to block",
                                extra={"indicator": indicator.code, "missing": count})
    return left_out


def _reweight_factor(spec: SchemeSpec, left_out: np.ndarray, classes: _Classes) -> np.ndarray | None:
    """What each village's weighted points are scaled by so its present weights count for 100."""
    absent_weight = np.zeros(left_out.shape[1])
    for row, indicator in enumerate(spec.indicators):
        if indicator.method in WEIGHTED and left_out[row].any():
            absent_weight += classes.lookup([indicator.weight_for(c) for c in spec.classes]) * left_out[row]
    if not absent_weight.any():
        return None
    with np.errstate(divide="ignore"):
        factor = FULL_MARKS / (FULL_MARKS - absent_weight)
    factor[absent_weight >= FULL_MARKS] = 0.0
    return factor


def _veto(indicator: IndicatorSpec, x: np.ndarray) -> np.ndarray:
    return x > float(indicator.params["above"]) if "above" in indicator.params else x != 0


def _points(spec: SchemeSpec, indicator: IndicatorSpec, x: np.ndarray, absent: np.ndarray, classes: _Classes,
            factor: np.ndarray | None) -> np.ndarray:
    """The unrounded points of a weighted, deduction or bonus indicator; 0 where left out."""
    if indicator.method in WEIGHTED:
        exact = _share(spec, indicator, x, absent, classes)
        exact *= classes.lookup([indicator.weight_for(c) for c in spec.classes])
        if factor is not None:
            exact *= factor
    else:
        exact = np.maximum(x, 0.0) * float(indicator.params["per"])
        np.minimum(exact, float(indicator.params["cap"]), out=exact)
        if indicator.method == "deduction":
            np.negative(exact, out=exact)
    if indicator.missing == "reweight":
        exact[absent] = 0.0
    return exact


def _share(spec: SchemeSpec, indicator: IndicatorSpec, x: np.ndarray, absent: np.ndarray,
           classes: _Classes) -> np.ndarray:
    """The share of the weight earned, from 0 to 1 (or the ratio's cap)."""
    method, lower = indicator.method, indicator.direction == "lower"
    if method == "yes_no":
        return ((x == 0) if lower else (x != 0)).astype(np.float64)
    if method == "percentile":
        return _percentile(-x if lower else x, absent, classes)
    target = classes.lookup([indicator.target_for(c) for c in spec.classes])
    if method == "threshold_linear":
        return _linear(x, float(indicator.params["floor"]), target)
    cap = float(indicator.params.get("cap", 1.0))
    numerator, denominator = (target, x) if lower else (x, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(numerator, denominator)
    ratio = np.where(np.less_equal(denominator, 0), cap, ratio)
    return np.clip(ratio, 0.0, cap, out=ratio)


def _linear(x: np.ndarray, floor: float, target: float | np.ndarray) -> np.ndarray:
    span = np.subtract(target, floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((x - floor) / span, 0.0, 1.0)
    if not np.any(span == 0):
        return share
    reached = np.where(np.greater_equal(target, floor), x >= target, x <= target)
    return np.where(span == 0, reached, share)


def _percentile(x: np.ndarray, absent: np.ndarray, classes: _Classes) -> np.ndarray:
    """Share of the other present villages of the class with a strictly lower x; a class of one gets 1."""
    share = np.zeros(len(x))
    for members in classes.members:
        present = members[~absent[members]]
        if len(present) > 1:
            share[present] = _strictly_below(x[present]) / (len(present) - 1)
        else:
            share[present] = 1.0
    return share


def _strictly_below(values: np.ndarray) -> np.ndarray:
    """For each value, how many values are strictly smaller, from one sort; equal values count the same."""
    n = len(values)
    order = np.argsort(values)
    ordered = values[order]
    new_run = np.empty(n, dtype=bool)
    new_run[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_run[1:])
    run_start = np.where(new_run, np.arange(n), 0)
    np.maximum.accumulate(run_start, out=run_start)
    below = np.empty(n, dtype=np.int64)
    below[order] = run_start
    return below


def _summarize(spec: SchemeSpec, raw: np.ndarray, points: np.ndarray, left_out: np.ndarray,
               vetoed: np.ndarray, classes: _Classes) -> Scores:
    dimension_of = {code: d for d, (code, _, _) in enumerate(spec.dimensions)}
    dimensions = np.zeros((len(spec.dimensions), points.shape[1]), dtype=np.int64)
    for row, indicator in enumerate(spec.indicators):
        dimensions[dimension_of[indicator.dimension]] += points[row]
    total = dimensions.sum(axis=0)  # every indicator is in one dimension
    np.maximum(total, 0, out=total)
    any_veto = vetoed.any(axis=0)
    lows = np.sort(round_half_up(np.array([low for _, low in spec.bands], dtype=np.float64), spec.decimals))
    grade = len(lows) - np.searchsorted(lows, total, side="right")
    grade[any_veto] = len(spec.bands) - 1
    key = np.where(any_veto, total - VETO_OFFSET, total)
    return Scores([i.code for i in spec.indicators], raw.T, points.T, left_out.T, vetoed.T, total, dimensions.T,
                  grade, competition_rank(key), _class_ranks(key, classes), classes.index)


def competition_rank(key: np.ndarray) -> np.ndarray:
    """1 for the highest; equal keys share a rank and the next rank skips (1, 1, 3)."""
    return _strictly_below(np.negative(key)) + 1


def _class_ranks(key: np.ndarray, classes: _Classes) -> np.ndarray:
    ranks = np.zeros(len(key), dtype=np.int64)
    for members in classes.members:
        ranks[members] = competition_rank(key[members])
    return ranks
