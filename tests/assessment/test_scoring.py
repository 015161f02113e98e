"""Every scoring method on hand-computed cases, with the edges; pure, no database."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from bench.assessment_scoring import half_up, loop_scores
from services.assessment.formulas import FormulaError, compile_formula, evaluate_one
from services.assessment.scheme_spec import IndicatorSpec, SchemeSpec, check
from services.assessment.scoring import Inputs, MissingInputs, competition_rank, round_half_up, score

NAN = float("nan")
BANDS = (("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0))


def spec(*indicators, classes=("A", "B"), decimals=2) -> SchemeSpec:
    return SchemeSpec(classes=classes, default_class=classes[0], dimensions=(("d", "维度", "dimension"),),
                      indicators=tuple(indicators), bands=BANDS, decimals=decimals)


def ind(code="x", method="threshold_linear", weight=100, source="metric", key=None, **kw) -> IndicatorSpec:
    weights = kw.pop("weights", {"A": weight, "B": weight} if weight else {})
    return IndicatorSpec(code=code, dimension="d", method=method, source=source, key=key or code,
                         weights=weights, **kw)


def run(scheme, values, classes=None, column="metric:x"):
    columns = values if isinstance(values, dict) else {column: np.array(values, dtype=float)}
    n = len(next(iter(columns.values())))
    return score(scheme, Inputs([f"u{i}" for i in range(n)], classes or ["A"] * n, columns))


def points(result, k=0):
    return [p / 100 for p in result.points[:, k]]


class TestThresholdLinear:
    def test_floor_gives_zero_target_full_and_linear_between(self):
        s = spec(ind(params={"floor": 100, "target": 500}))
        assert points(run(s, [50, 100, 300, 500, 900])) == [0, 0, 50, 100, 100]

    def test_lower_is_better_has_floor_above_target(self):
        s = spec(ind(direction="lower", params={"floor": 1000, "target": 0}))
        assert points(run(s, [0, 250, 1000, 2000])) == [100, 75, 0, 0]

    def test_floor_equal_to_target_is_all_or_nothing(self):
        s = spec(ind(params={"floor": 10, "target": 10}))
        assert points(run(s, [9.99, 10, 11])) == [0, 100, 100]

    def test_targets_differ_by_class(self):
        s = spec(ind(params={"floor": 0}, targets={"A": 100, "B": 200}))
        assert points(run(s, [100, 100], classes=["A", "B"])) == [100, 50]


class TestRatio:
    def test_ratio_to_target_is_capped(self):
        s = spec(ind(method="ratio", params={"target": 200, "cap": 1}))
        assert points(run(s, [0, 50, 200, 400])) == [0, 25, 100, 100]

    def test_cap_above_one_allows_extra(self):
        s = spec(ind(method="ratio", params={"target": 100, "cap": 1.2}))
        assert points(run(s, [110, 150])) == [110, 120]

    def test_zero_target_gives_the_cap(self):
        s = spec(ind(method="ratio", params={"target": 0}))
        assert points(run(s, [0, 5])) == [100, 100]

    def test_lower_is_better_divides_target_by_value_and_zero_value_gets_the_cap(self):
        s = spec(ind(method="ratio", direction="lower", params={"target": 50}))
        assert points(run(s, [0, 50, 100])) == [100, 100, 50]


class TestPercentile:
    def test_ties_share_a_percentile_within_class(self):
        s = spec(ind(method="percentile"))
        result = run(s, [1, 2, 2, 3, 7], classes=["A", "A", "A", "A", "B"])
        assert points(result) == [0, 33.33, 33.33, 100, 100]

    def test_lower_is_better(self):
        s = spec(ind(method="percentile", direction="lower"))
        assert points(run(s, [1, 2, 3])) == [100, 50, 0]

    def test_a_class_of_one_gets_the_full_weight(self):
        s = spec(ind(method="percentile"))
        assert points(run(s, [4, 9, 1], classes=["A", "B", "A"])) == [100, 100, 0]

    def test_villages_left_out_are_not_in_the_class_ranking(self):
        s = spec(ind(method="percentile", weight=50, missing="reweight"), ind("w", method="yes_no", weight=50))
        result = run(s, {"metric:x": np.array([1.0, NAN, 3, 5]), "metric:w": np.zeros(4)})
        assert points(result) == [0, 0, 25, 50]


class TestOthers:
    def test_yes_no(self):
        assert points(run(spec(ind(method="yes_no")), [0, 1, 3])) == [0, 100, 100]
        assert points(run(spec(ind(method="yes_no", direction="lower")), [0, 1])) == [100, 0]

    def test_deduction_per_occurrence_is_capped(self):
        s = spec(ind("w", method="threshold_linear", params={"floor": 0, "target": 1}),
                 ind(method="deduction", weight=0, params={"per": 2, "cap": 5}))
        result = run(s, {"metric:w": np.array([1.0, 1, 1]), "metric:x": np.array([0.0, 2, 10])})
        assert points(result, 1) == [0, -4, -5]
        assert list(result.total) == [10000, 9600, 9500]

    def test_bonus_is_capped_and_total_never_below_zero(self):
        s = spec(ind("w", params={"floor": 0, "target": 1}), ind(method="bonus", weight=0, params={"per": 3, "cap": 5}),
                 ind("d", method="deduction", weight=0, params={"per": 200, "cap": 200}))
        result = run(s, {"metric:w": np.array([0.0, 0]), "metric:x": np.array([1.0, 9]),
                         "metric:d": np.array([0.0, 1])})
        assert points(result, 1) == [3, 5]
        assert list(result.total) == [300, 0]

    def test_veto_sets_lowest_grade_and_ranks_after_others(self):
        s = spec(ind("w", params={"floor": 0, "target": 1}), ind(method="veto", weight=0, params={"above": 0}))
        result = run(s, {"metric:w": np.array([1.0, 0.7]), "metric:x": np.array([1.0, 0])})
        assert list(result.vetoed[:, 1]) == [True, False]
        assert list(result.grade) == [3, 2]
        assert list(result.rank) == [2, 1]


class TestMissingData:
    def scheme(self, policy):
        return spec(ind("a", weight=60, params={"floor": 0, "target": 10}, missing=policy),
                    ind("b", weight=40, params={"floor": 0, "target": 10}))

    def test_zero_counts_a_missing_value_as_zero(self):
        result = run(self.scheme("zero"), {"metric:a": np.array([NAN]), "metric:b": np.array([5.0])})
        assert points(result, 0) == [0] and points(result, 1) == [20]

    def test_reweight_leaves_the_indicator_out_and_scales_the_rest(self):
        result = run(self.scheme("reweight"), {"metric:a": np.array([NAN, 10]), "metric:b": np.array([5.0, 5])})
        assert points(result, 1) == [50, 20]
        assert list(result.left_out[:, 0]) == [True, False]
        assert list(result.total) == [5000, 8000]

    def test_block_refuses_to_score(self):
        with pytest.raises(MissingInputs) as caught:
            run(self.scheme("block"), {"metric:a": np.array([NAN, 1]), "metric:b": np.array([5.0, 5])})
        assert caught.value.extra == {"indicator": "a", "missing": 1}


class TestRoundingAndRanks:
    def test_half_up_not_bankers(self):
        assert list(round_half_up(np.array([2.675, 0.125, 0.135, -0.125, 1.005]), 2)) == [268, 13, 14, -13, 101]
        for value in (2.675, 0.125, 1.005, 33.335):
            expected = Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            assert round_half_up(np.array([value]), 2)[0] == int(expected * 100)

    def test_one_decimal_place(self):
        s = spec(ind(params={"floor": 0, "target": 3}), decimals=1)
        assert list(run(s, [1]).points[:, 0]) == [333]

    def test_competition_ranking_ties_share(self):
        assert list(competition_rank(np.array([90, 95, 95, 80, 90]))) == [3, 1, 1, 5, 3]

    def test_ranks_within_class(self):
        s = spec(ind(params={"floor": 0, "target": 10}))
        result = run(s, [5, 7, 7, 9], classes=["A", "B", "A", "B"])
        assert list(result.rank) == [4, 2, 2, 1]
        assert list(result.class_rank) == [2, 2, 1, 1]

    def test_a_vetoed_village_ranks_last_in_its_class_too(self):
        s = spec(ind("w", params={"floor": 0, "target": 10}), ind(method="veto", weight=0))
        result = run(s, {"metric:w": np.array([9.0, 5, 7, 1]), "metric:x": np.array([1.0, 0, 0, 0])},
                     classes=["A", "A", "B", "A"])
        assert list(result.rank) == [4, 2, 1, 3]
        assert list(result.class_rank) == [3, 1, 1, 2]

    def test_dimensions_add_up_to_the_total(self):
        s = SchemeSpec(classes=("A",), default_class="A", bands=BANDS,
                       dimensions=(("d", "维度", "dimension"), ("e", "维度二", "second")),
                       indicators=(ind("a", weight=60, weights={"A": 60}, params={"floor": 0, "target": 10}),
                                   IndicatorSpec("b", "e", "yes_no", "metric", "b", weights={"A": 40}),
                                   IndicatorSpec("c", "e", "deduction", "metric", "c", params={"per": 1, "cap": 5})))
        result = run(s, {"metric:a": np.array([5.0]), "metric:b": np.array([1.0]), "metric:c": np.array([2.0])})
        assert result.dimensions.tolist() == [[3000, 3800]] and list(result.total) == [6800]

    def test_grades_follow_the_bands(self):
        s = spec(ind(params={"floor": 0, "target": 100}))
        assert list(run(s, [95, 90, 89.99, 60, 10]).grade) == [0, 0, 1, 2, 3]


class TestFormulas:
    def scheme(self, formula, **kw):
        return spec(ind("a", method="value", weight=0), ind("b", method="value", weight=0),
                    ind("f", source="formula", key=formula, params={"floor": 0, "target": 10}, **kw))

    def test_formula_reads_other_indicators(self):
        result = run(self.scheme("if(a > b, a - b, min(a, b) / 2)"),
                     {"metric:a": np.array([8.0, 2]), "metric:b": np.array([3.0, 6])})
        assert list(result.raw[:, 2]) == [5, 1]
        assert points(result, 2) == [50, 10]

    def test_division_by_zero_is_missing_and_the_policy_applies(self):
        result = run(self.scheme("a / b"), {"metric:a": np.array([4.0, 4]), "metric:b": np.array([0.0, 2])})
        assert np.isnan(result.raw[0, 2]) and points(result, 2) == [0, 20]

    def test_vector_and_scalar_evaluation_agree(self):
        text = "max(a, 1) * 2 - abs(-b) / 4 + (a >= 2 and not b == 3)"
        env = {"a": np.array([0.0, 2, 5]), "b": np.array([3.0, 4, 0])}
        vector = compile_formula(text)(env)
        assert list(vector) == [evaluate_one(text, {k: v[i] for k, v in env.items()}) for i in range(3)]

    @pytest.mark.parametrize("text", ["a +", "a ** 2", "eval(a)", "__import__('os')", "if(a, b)"])
    def test_bad_formulas_are_refused(self, text):
        with pytest.raises(FormulaError):
            compile_formula(text)


class TestChecks:
    def codes(self, *indicators, **kw):
        return [(m.code, m.field) for m in check(spec(*indicators, **kw))]

    def test_a_good_scheme_passes(self):
        assert check(spec(ind(params={"floor": 0, "target": 1}))) == []

    def test_weights_must_add_up_to_100_per_class(self):
        assert self.codes(ind(weights={"A": 100, "B": 90}, params={"floor": 0, "target": 1})) == [
            ("weights_not_100", "weights.B")]

    def test_unknown_reference(self):
        found = self.codes(ind(params={"floor": 0, "target": 1}),
                           ind("f", method="value", weight=0, source="formula", key="x + nope"))
        assert found == [("unknown_reference", "indicators[1].key")]

    def test_formula_syntax(self):
        found = self.codes(ind(params={"floor": 0, "target": 1}),
                           ind("f", method="value", weight=0, source="formula", key="x +"))
        assert found == [("formula_syntax", "indicators[1].key")]

    def test_cycles(self):
        found = self.codes(ind(params={"floor": 0, "target": 1}),
                           ind("f", method="value", weight=0, source="formula", key="g + 1"),
                           ind("g", method="value", weight=0, source="formula", key="f * 2"))
        assert found == [("formula_cycle", "indicators")]

    def test_duplicate_code_unknown_dimension_missing_parameter_and_unknown_class(self):
        found = self.codes(ind(weight=50, params={"floor": 0, "target": 1}), ind(weight=50, params={"target": 1}),
                           IndicatorSpec("y", "nodim", "bonus", "metric", "y", params={"per": 1, "cap": 1}),
                           ind("z", method="yes_no", weights={"A": 0, "C": 1}))
        assert ("duplicate_code", "indicators[1].code") in found
        assert ("missing_parameter", "indicators[1].params.floor") in found
        assert ("unknown_dimension", "indicators[2].dimension") in found
        assert ("unknown_class", "indicators[3].weights.C") in found


class TestPerVillageReference:
    """The bench's per-village loop, which the vectorized scoring must equal, rounds as an office does."""

    def loop(self, scheme, column, values, classes=None):
        return [points for points, *_ in loop_scores(scheme, {column: values}, classes or ["A"] * len(values),
                                                     range(len(values)), {})]

    def test_a_half_computed_in_binary_rounds_up(self):
        # 4 × (29.9 − 10) / 80 = 0.995 on paper (0.99499999999999999 as a float): 1.00, not 0.99
        s = spec(ind(weight=4, params={"floor": 10, "target": 90}))
        assert self.loop(s, "metric:x", [29.9]) == [[100]]
        assert points(run(s, [29.9])) == [1.0]

    def test_a_half_after_reweighting_rounds_up(self):
        # 4 × 3.78 / 70 = 0.216, scaled by 100 / (100 − 4) for the missing one: 0.225, shown 0.23
        s = spec(ind(weight=4, params={"floor": 10, "target": 80}), ind("m", weight=4, missing="reweight",
                                                                          params={"floor": 0, "target": 1}))
        looped = loop_scores(s, {"metric:x": [13.78], "metric:m": [NAN]}, ["A"], range(1), {})
        assert looped[0][0] == [23, 0]
        assert points(run(s, {"metric:x": np.array([13.78]), "metric:m": np.array([NAN])})) == [0.23]

    def test_half_up_reads_the_written_number(self):
        computed = 4 * (29.9 - 10) / 80  # 0.995 written, a hair below it as a float
        assert [half_up(v, 2) for v in (computed, 2.675, 1.005, -0.125, 0.994999)] == [100, 268, 101, -13, 99]
