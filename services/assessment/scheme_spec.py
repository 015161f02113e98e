"""A scheme (考核方案) as plain data, and the checks it must pass before it is saved.

Pure: no database, no HTTP. `SchemeSpec` is what scoring reads; `check` names every mistake
with its own code so an editor can show each beside the field it concerns.
"""

from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

from services.assessment.formulas import FormulaError, references

METHODS = ("threshold_linear", "ratio", "percentile", "yes_no", "deduction", "bonus", "veto", "value")
WEIGHTED = frozenset({"threshold_linear", "ratio", "percentile", "yes_no"})
SOURCES = ("metric", "designation", "class", "assets", "manual", "formula")
POLICIES = ("zero", "reweight", "block")
DIRECTIONS = ("higher", "lower")
# What an indicator with source "assets" may read: the assets service's finding measures per village and year.
ASSETS_MEASURES = ("engagements", "findings", "findings_general", "findings_major", "findings_serious", "rectified",
                   "overdue", "rectification_rate", "amount")
FULL_MARKS = 100


@dataclass(frozen=True)
class IndicatorSpec:
    """An indicator (考核指标): where its value comes from and how it becomes points."""

    code: str
    dimension: str
    method: str
    source: str
    key: str = ""  # metric key, designation kind, class name, assets measure; the formula for formulas
    direction: str = "higher"
    missing: str = "zero"
    params: dict = field(default_factory=dict)
    weights: dict = field(default_factory=dict)  # class name → points out of 100
    targets: dict = field(default_factory=dict)  # class name → target, over params["target"]
    name_zh: str = ""
    name_en: str = ""
    unit: str = ""

    @property
    def column(self) -> str:
        """The input column this indicator reads (formulas read other indicators)."""
        return f"manual:{self.code}" if self.source == "manual" else f"{self.source}:{self.key}"

    def target_for(self, class_name: str) -> float | None:
        value = self.targets.get(class_name, self.params.get("target"))
        return None if value is None else float(value)

    def weight_for(self, class_name: str) -> float:
        return float(self.weights.get(class_name, 0)) if self.method in WEIGHTED else 0.0


@dataclass(frozen=True)
class SchemeSpec:
    classes: tuple[str, ...]
    default_class: str
    dimensions: tuple[tuple[str, str, str], ...]  # code, name_zh, name_en
    indicators: tuple[IndicatorSpec, ...]
    bands: tuple[tuple[str, float], ...]  # grade, lowest total; highest first
    decimals: int = 2
    class_scheme: str = "planning_class"

    def order(self) -> list[IndicatorSpec]:
        """Indicators in an order where a formula comes after everything it reads."""
        by_code = {i.code: i for i in self.indicators}
        graph = {i.code: (references(i.key) if i.source == "formula" else set()) for i in self.indicators}
        return [by_code[code] for code in TopologicalSorter(graph).static_order()]


@dataclass(frozen=True)
class Mistake:
    code: str
    field: str
    message: str


def check(spec: SchemeSpec) -> list[Mistake]:
    """Every mistake in the scheme, each with its own code; empty when it may be saved."""
    found = _check_classes(spec) + _check_bands(spec)
    codes = [i.code for i in spec.indicators]
    dimensions = {d[0] for d in spec.dimensions}
    for n, indicator in enumerate(spec.indicators):
        where = f"indicators[{n}]"
        if codes.count(indicator.code) > 1:
            found.append(Mistake("duplicate_code", f"{where}.code", f"指标代码 {indicator.code} 重复 / "
                                                                    f"code {indicator.code} is used twice"))
        if indicator.dimension not in dimensions:
            found.append(Mistake("unknown_dimension", f"{where}.dimension",
                                 f"没有维度 {indicator.dimension} / no dimension {indicator.dimension}"))
        found += _check_indicator(spec, indicator, where, set(codes))
    found += _check_weights(spec)
    return found or _check_cycles(spec)


def _check_classes(spec: SchemeSpec) -> list[Mistake]:
    if not spec.classes:
        return [Mistake("no_classes", "classes", "至少需要一个村庄类别 / at least one village class is needed")]
    if spec.default_class not in spec.classes:
        return [Mistake("unknown_class", "default_class",
                        f"默认类别 {spec.default_class} 不在类别中 / default class is not one of the classes")]
    return []


def _check_bands(spec: SchemeSpec) -> list[Mistake]:
    lows = [low for _, low in spec.bands]
    if not spec.bands or lows != sorted(lows, reverse=True) or len(set(lows)) != len(lows) or lows[-1] != 0:
        return [Mistake("bad_grade_bands", "grade_bands", "等次下限须由高到低且最低为 0 / "
                                                          "grade bands must go from highest to 0")]
    return []


def _check_indicator(spec: SchemeSpec, indicator: IndicatorSpec, where: str, codes: set[str]) -> list[Mistake]:
    found = []
    if indicator.source == "formula":
        try:
            missing = sorted(references(indicator.key) - codes)
        except FormulaError as exc:
            return [Mistake("formula_syntax", f"{where}.key", f"公式无法解析 / {exc}")]
        found += [Mistake("unknown_reference", f"{where}.key", f"公式引用了不存在的指标 {name} / "
                                                               f"the formula reads {name}, which is no indicator")
                  for name in missing]
    elif not indicator.key and indicator.source != "manual":
        found.append(Mistake("missing_source_key", f"{where}.key", "须指明数据来源 / name the metric, kind or class"))
    elif indicator.source == "assets" and indicator.key not in ASSETS_MEASURES:
        found.append(Mistake("unknown_measure", f"{where}.key", f"资产服务没有指标 {indicator.key}，可选 "
                                                                f"{', '.join(ASSETS_MEASURES)} / the assets service "
                                                                f"has no measure {indicator.key}"))
    found += [Mistake("unknown_class", f"{where}.{part}.{name}", f"没有类别 {name} / no class {name}")
              for part in ("weights", "targets") for name in getattr(indicator, part) if name not in spec.classes]
    return found + _check_parameters(spec, indicator, where)


def _check_parameters(spec: SchemeSpec, indicator: IndicatorSpec, where: str) -> list[Mistake]:
    method, params = indicator.method, indicator.params
    if method == "threshold_linear" and "floor" not in params:
        return [Mistake("missing_parameter", f"{where}.params.floor", "须设下限 / floor is required")]
    if method in ("threshold_linear", "ratio"):
        lacking = [c for c in spec.classes if indicator.target_for(c) is None]
        if lacking:
            return [Mistake("missing_parameter", f"{where}.targets.{lacking[0]}",
                            f"类别 {lacking[0]} 缺目标值 / the target for {lacking[0]} is missing")]
    if method in ("deduction", "bonus") and not ("per" in params and "cap" in params):
        return [Mistake("missing_parameter", f"{where}.params", "须设每次分值和上限 / per and cap are required")]
    if method not in WEIGHTED and indicator.weights:
        return [Mistake("weight_not_allowed", f"{where}.weights",
                        "加分、扣分、否决和数值指标不计权重 / bonus, deduction, veto and value carry no weight")]
    return []


def _check_weights(spec: SchemeSpec) -> list[Mistake]:
    found = []
    for name in spec.classes:
        total = sum(i.weight_for(name) for i in spec.indicators)
        if abs(total - FULL_MARKS) > 1e-9:
            found.append(Mistake("weights_not_100", f"weights.{name}",
                                 f"类别 {name} 的权重合计为 {total:g}，应为 100 / weights of {name} add up to "
                                 f"{total:g}, not 100"))
    return found


def _check_cycles(spec: SchemeSpec) -> list[Mistake]:
    try:
        spec.order()
    except CycleError as exc:
        cycle = " → ".join(exc.args[1])
        return [Mistake("formula_cycle", "indicators", f"公式循环引用 {cycle} / formulas read each other in a "
                                                       f"circle: {cycle}")]
    return []
