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
"""

from dataclasses import dataclass

import numpy as np

from services.assessment.formulas import compile_formula
from services.assessment.scheme import FULL_MARKS, WEIGHTED, IndicatorSpec, SchemeSpec
from services.common.errors import DomainError

VETO_OFFSET = 10 ** 15  # puts a vetoed village's rank after every other's


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


def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    """Half away from zero at `decimals` places, as integers in units of 10^-decimals.

    Rounding first to six places past the scale drops binary noise (2.675 is stored as
    2.67499999...), so the result is what Decimal(ROUND_HALF_UP) gives for the written number.
    """
    scaled = np.round(np.abs(values) * 10.0 ** decimals, 6)
    return (np.sign(values) * np.floor(scaled + 0.5)).astype(np.int64)


def score(spec: SchemeSpec, inputs: Inputs) -> Scores:
    n, indicators = len(inputs.unit_codes), spec.order()
    class_index = _class_index(spec, inputs.classes)
    raw = _raw_values(indicators, inputs, n)
    columns = [i.code for i in spec.indicators]
    position = {code: k for k, code in enumerate(columns)}
    matrix = np.column_stack([raw[c] for c in columns]) if columns else np.zeros((n, 0))
    left_out = np.zeros(matrix.shape, dtype=bool)
    vetoed = np.zeros(matrix.shape, dtype=bool)
    exact = np.zeros(matrix.shape)
    for indicator in spec.indicators:
        k = position[indicator.code]
        values, absent = _apply_policy(indicator, matrix[:, k])
        left_out[:, k] = absent
        exact[:, k], vetoed[:, k] = _points(spec, indicator, values, absent, class_index)
    exact = _reweight(spec, exact, left_out, class_index)
    points = round_half_up(exact, spec.decimals)
    return _summarize(spec, columns, matrix, points, left_out, vetoed, class_index)


def _class_index(spec: SchemeSpec, classes: list[str]) -> np.ndarray:
    lookup = {name: k for k, name in enumerate(spec.classes)}
    fallback = lookup[spec.default_class]
    return np.fromiter((lookup.get(c, fallback) for c in classes), dtype=np.int64, count=len(classes))


def _raw_values(indicators: list[IndicatorSpec], inputs: Inputs, n: int) -> dict[str, np.ndarray]:
    raw: dict[str, np.ndarray] = {}
    for indicator in indicators:
        if indicator.source == "formula":
            value = compile_formula(indicator.key)(raw)
            raw[indicator.code] = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
        else:
            column = inputs.columns.get(indicator.column)
            raw[indicator.code] = np.full(n, np.nan) if column is None else np.asarray(column, dtype=np.float64)
    return raw


def _apply_policy(indicator: IndicatorSpec, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    missing = np.isnan(values)
    if indicator.missing == "block" and missing.any():
        raise MissingInputs(f"指标 {indicator.code} 有 {int(missing.sum())} 个村缺数据 / {int(missing.sum())} "
                            f"villages lack {indicator.code}, whose policy is to block",
                            extra={"indicator": indicator.code, "missing": int(missing.sum())})
    if indicator.missing == "zero":
        return np.where(missing, 0.0, values), np.zeros(len(values), dtype=bool)
    return np.where(missing, 0.0, values), missing


def _per_class(spec: SchemeSpec, pick, class_index: np.ndarray) -> np.ndarray:
    return np.array([pick(c) for c in spec.classes], dtype=np.float64)[class_index]


def _points(spec: SchemeSpec, indicator: IndicatorSpec, x: np.ndarray, absent: np.ndarray,
            class_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    method, params, lower = indicator.method, indicator.params, indicator.direction == "lower"
    none = np.zeros(len(x), dtype=bool)
    if method in WEIGHTED:
        weight = _per_class(spec, indicator.weight_for, class_index)
        share = _share(spec, indicator, x, absent, class_index, lower)
        return np.where(absent, 0.0, weight * share), none
    if method in ("deduction", "bonus"):
        amount = np.minimum(np.maximum(x, 0.0) * float(params["per"]), float(params["cap"]))
        return np.where(absent, 0.0, -amount if method == "deduction" else amount), none
    if method == "veto":
        hit = x > float(params["above"]) if "above" in params else x != 0
        return np.zeros(len(x)), hit & ~absent
    return np.zeros(len(x)), none


def _share(spec, indicator, x, absent, class_index, lower) -> np.ndarray:
    method = indicator.method
    if method == "yes_no":
        return ((x == 0) if lower else (x != 0)).astype(np.float64)
    if method == "percentile":
        return _percentile(x, absent, class_index, len(spec.classes), lower)
    target = _per_class(spec, indicator.target_for, class_index)
    if method == "threshold_linear":
        return _linear(x, float(indicator.params["floor"]), target)
    cap = float(indicator.params.get("cap", 1.0))
    numerator, denominator = (target, x) if lower else (x, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(denominator <= 0, cap, numerator / np.where(denominator <= 0, 1.0, denominator))
    return np.clip(ratio, 0.0, cap)


def _linear(x: np.ndarray, floor: float, target: np.ndarray) -> np.ndarray:
    span = target - floor
    reached = np.where(target >= floor, x >= target, x <= target).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((x - floor) / np.where(span == 0, 1.0, span), 0.0, 1.0)
    return np.where(span == 0, reached, share)


def _percentile(x, absent, class_index, classes: int, lower: bool) -> np.ndarray:
    share = np.zeros(len(x))
    for c in range(classes):
        members = (class_index == c) & ~absent
        values = x[members]
        count = len(values)
        if count == 0:
            continue
        ordered = np.sort(values)
        if lower:
            beaten = count - np.searchsorted(ordered, values, side="right")
        else:
            beaten = np.searchsorted(ordered, values, side="left")
        share[members] = beaten / (count - 1) if count > 1 else 1.0
    return share


def _reweight(spec: SchemeSpec, exact: np.ndarray, left_out: np.ndarray, class_index: np.ndarray) -> np.ndarray:
    """Scales a village's weighted points up when reweighted indicators were left out."""
    if not left_out.any():
        return exact
    weighted = np.array([i.method in WEIGHTED for i in spec.indicators])
    weights = np.column_stack([_per_class(spec, i.weight_for, class_index) for i in spec.indicators])
    absent_weight = (weights * (left_out & weighted)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(absent_weight >= FULL_MARKS, 0.0, FULL_MARKS / (FULL_MARKS - absent_weight))
    return np.where(weighted, exact * factor[:, None], exact)


def _summarize(spec, columns, matrix, points, left_out, vetoed, class_index) -> Scores:
    total = np.maximum(points.sum(axis=1), 0)
    dimension_of = {i.code: d for i in spec.indicators for d, dim in enumerate(spec.dimensions)
                    if dim[0] == i.dimension}
    dimensions = np.zeros((len(total), len(spec.dimensions)), dtype=np.int64)
    for k, code in enumerate(columns):
        dimensions[:, dimension_of[code]] += points[:, k]
    any_veto = vetoed.any(axis=1)
    lows = np.array([round(low * 10 ** spec.decimals) for _, low in spec.bands], dtype=np.int64)
    grade = np.where(any_veto, len(spec.bands) - 1, (total[:, None] < lows[None, :]).sum(axis=1))
    key = np.where(any_veto, total - VETO_OFFSET, total)
    return Scores(columns, matrix, points, left_out, vetoed, total, dimensions, grade,
                  competition_rank(key), _class_ranks(key, class_index), class_index)


def competition_rank(key: np.ndarray) -> np.ndarray:
    """1 for the highest; equal keys share a rank and the next rank skips (1, 1, 3)."""
    ordered = np.sort(key)
    return len(key) - np.searchsorted(ordered, key, side="right") + 1


def _class_ranks(key: np.ndarray, class_index: np.ndarray) -> np.ndarray:
    ranks = np.zeros(len(key), dtype=np.int64)
    for c in np.unique(class_index):
        members = class_index == c
        ranks[members] = competition_rank(key[members])
    return ranks
