"""Reading runs: the ranking, one village's breakdown with a sentence per indicator, the comparison
of two runs, and what-if (a scheme scored in memory against a period, nothing written)."""

import orjson
from sqlalchemy import and_, or_, select
from sqlmodel import Session

from services.assessment import inputs as period_inputs
from services.assessment import schemes
from services.assessment.models import Run, RunResult, Scheme
from services.assessment.scheme_spec import IndicatorSpec, SchemeSpec
from services.assessment.scoring import score
from services.common.errors import NotFound

SHOWN = ("unit_code", "unit_name", "town_code", "class_name", "total", "grade", "rank", "class_rank")
# Units as an English sentence writes them; one not listed is left out there.
UNIT_EN = {"元": " yuan", "万元": "0,000 yuan", "人": " people", "户": " households", "件": " cases", "个": "",
           "次": " times", "亩": " mu", "%": "%", "": ""}
METHOD_ZH = {"threshold_linear": "达标线性", "ratio": "目标比例", "percentile": "类内百分位", "yes_no": "是否",
             "deduction": "扣分", "bonus": "加分", "veto": "一票否决", "value": "数值"}


def ranking(session: Session, run: Run, *, towns: tuple[str, ...] | None, town: str | None,
            class_name: str | None, grade: str | None, after: tuple[int, str] | None, limit: int) -> list[dict]:
    table = RunResult.__table__
    query = select(*[table.c[c] for c in SHOWN], table.c.vetoes).where(table.c.run_id == run.id)
    if towns is not None:
        query = query.where(table.c.town_code.in_(towns))
    for column, value in (("town_code", town), ("class_name", class_name), ("grade", grade)):
        if value:
            query = query.where(table.c[column] == value)
    if after:
        query = query.where(or_(table.c.rank > after[0], and_(table.c.rank == after[0], table.c.unit_code > after[1])))
    rows = session.execute(query.order_by(table.c.rank, table.c.unit_code).limit(limit)).mappings()
    return [{**{k: row[k] for k in SHOWN}, "vetoes": orjson.loads(row["vetoes"])} for row in rows]


def one(session: Session, run: Run, unit_code: str) -> RunResult:
    result = session.get(RunResult, (run.id, unit_code))
    if result is None:
        raise NotFound(f"计分 {run.id} 中没有 {unit_code} / run {run.id} has no {unit_code}", code="result_not_found")
    return result


def breakdown(spec: SchemeSpec, result: RunResult) -> dict:
    values = orjson.loads(result.breakdown)
    k = len(spec.indicators)
    items = [_explained(spec, indicator, result.class_name, values[n], values[k + n])
             for n, indicator in enumerate(spec.indicators)]
    dimension_points = orjson.loads(result.dimensions)
    return {**{c: getattr(result, c) for c in SHOWN}, "vetoes": orjson.loads(result.vetoes),
            "dimensions": [{"code": d[0], "name_zh": d[1], "name_en": d[2], "points": p}
                           for d, p in zip(spec.dimensions, dimension_points, strict=True)],
            "indicators": items}


def _explained(spec: SchemeSpec, indicator: IndicatorSpec, class_name: str, raw, points) -> dict:
    weight = indicator.weight_for(class_name)
    target = indicator.target_for(class_name)
    return {"code": indicator.code, "name_zh": indicator.name_zh, "name_en": indicator.name_en,
            "dimension": indicator.dimension, "method": indicator.method, "unit": indicator.unit, "raw": raw,
            "points": points, "weight": weight, "target": target,
            "sentence": sentence(indicator, raw, points, weight, target)}


def sentence(indicator: IndicatorSpec, raw, points, weight: float, target: float | None) -> dict[str, str]:
    """One line per language saying how the value became the points: {"zh": ..., "en": ...}."""
    name_en = indicator.name_en or indicator.code
    shown = {"zh": "缺数据", "en": "missing"} if raw is None else {
        "zh": f"{_n(raw)}{indicator.unit}", "en": f"{_n(raw)}{UNIT_EN.get(indicator.unit, '')}"}
    if raw is None and indicator.missing == "reweight":
        return {"zh": f"{indicator.name_zh}：缺数据，不计入并按比例折算其余指标",
                "en": f"{name_en}: missing; left out, the others reweighted"}
    rule = _rule(indicator, weight, target)
    return {"zh": f"{indicator.name_zh}：{shown['zh']}；{rule['zh']}；得 {_n(points)} 分",
            "en": f"{name_en}: {shown['en']}; {rule['en']}; {_n(points)} points"}


def _rule(indicator: IndicatorSpec, weight: float, target: float | None) -> dict[str, str]:
    method, params = indicator.method, indicator.params
    if method == "threshold_linear":
        return {"zh": f"下限 {_n(params['floor'])} 得 0 分，目标 {_n(target)} 得满分 {_n(weight)} 分",
                "en": f"floor {_n(params['floor'])} gives 0, target {_n(target)} gives {_n(weight)}"}
    if method == "ratio":
        return {"zh": f"按完成目标 {_n(target)} 的比例计，满分 {_n(weight)} 分",
                "en": f"share of the target {_n(target)} times {_n(weight)}"}
    if method == "percentile":
        return {"zh": f"按类内排位百分比计，满分 {_n(weight)} 分", "en": f"percentile within the class times {_n(weight)}"}
    if method == "yes_no":
        return {"zh": f"达到即得 {_n(weight)} 分", "en": f"{_n(weight)} when met"}
    if method in ("deduction", "bonus"):
        verb = "扣" if method == "deduction" else "加"
        return {"zh": f"每次{verb} {_n(params['per'])} 分，最多 {_n(params['cap'])} 分",
                "en": f"{_n(params['per'])} per occurrence, at most {_n(params['cap'])}"}
    if method == "veto":
        return {"zh": "触发即一票否决", "en": "any occurrence vetoes the grade"}
    return {"zh": "仅供参考，不计分", "en": "shown, not scored"}


def _n(value: float) -> str:
    """A number as an office writes it: no exponent, no trailing zeros (1000000, 0.25)."""
    return f"{value:.6f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def compare(session: Session, a: Run, b: Run, *, limit: int = 50) -> dict:
    """Who moved between two runs, by how much, and which indicators moved them most."""
    spec_a = schemes.spec_of_scheme(session, schemes.get(session, a.scheme_id))
    spec_b = schemes.spec_of_scheme(session, schemes.get(session, b.scheme_id))
    first = {r.unit_code: r for r in session.exec(select(RunResult).where(RunResult.run_id == a.id)).scalars()}
    moves = []
    for row in session.exec(select(RunResult).where(RunResult.run_id == b.id)).scalars():
        before = first.get(row.unit_code)
        if before is None:
            continue
        moves.append({"unit_code": row.unit_code, "unit_name": row.unit_name, "rank_a": before.rank,
                      "rank_b": row.rank, "rank_change": before.rank - row.rank,
                      "total_a": before.total, "total_b": row.total, "total_change": round(row.total - before.total, 4),
                      "indicators": _indicator_moves(spec_a, spec_b, before, row)})
    moves.sort(key=lambda m: (-abs(m["rank_change"]), -abs(m["total_change"]), m["unit_code"]))
    return {"a": a.id, "b": b.id, "moved": sum(1 for m in moves if m["rank_change"]), "items": moves[:limit]}


def _points_by_code(spec: SchemeSpec, result: RunResult) -> dict[str, float]:
    values, k = orjson.loads(result.breakdown), len(spec.indicators)
    return {i.code: values[k + n] for n, i in enumerate(spec.indicators)}


def _indicator_moves(spec_a, spec_b, before: RunResult, after: RunResult, top: int = 3) -> list[dict]:
    old, new = _points_by_code(spec_a, before), _points_by_code(spec_b, after)
    changes = [{"code": c, "change": round(new.get(c, 0) - old.get(c, 0), 4)} for c in sorted(set(old) | set(new))]
    return sorted([c for c in changes if c["change"]], key=lambda c: -abs(c["change"]))[:top]


def what_if(session: Session, scheme: Scheme, period_id: int, *, limit: int = 50) -> dict:
    """Scores `scheme` (a draft, say) in memory and shows rank changes against the published run."""
    period = period_inputs.get_period(session, period_id)
    spec = schemes.spec_of_scheme(session, scheme)
    snapshot = period_inputs.latest_snapshot(session, period)
    document = orjson.loads(snapshot.payload)
    manual = [(e.unit_code, e.indicator_code, e.value) for e in period_inputs.manual_entries(session, period)]
    scores = score(spec, period_inputs.inputs_for(document, manual, spec))
    baseline = _published_run(session, scheme, period_id)
    ranks = {} if baseline is None else dict(session.execute(
        select(RunResult.unit_code, RunResult.rank).where(RunResult.run_id == baseline.id)).all())
    scale = 10.0 ** spec.decimals
    items = [{"unit_code": code, "unit_name": document["names"][i], "total": float(scores.total[i] / scale),
              "grade": spec.bands[scores.grade[i]][0], "rank": int(scores.rank[i]),
              "published_rank": ranks.get(code), "rank_change": (ranks[code] - int(scores.rank[i])) if code in ranks else None}
             for i, code in enumerate(document["unit_codes"])]
    items.sort(key=lambda x: (x["rank"], x["unit_code"]))
    return {"scheme_id": scheme.id, "period_id": period_id, "baseline_run_id": baseline.id if baseline else None,
            "moved": sum(1 for x in items if x["rank_change"]), "items": items[:limit]}


def _published_run(session: Session, scheme: Scheme, period_id: int) -> Run | None:
    return session.exec(select(Run).join(Scheme, Scheme.id == Run.scheme_id).where(
        Scheme.code == scheme.code, Scheme.status == "published", Run.period_id == period_id, Run.status == "done")
        .order_by(Run.id.desc())).scalars().first()
