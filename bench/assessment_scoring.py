"""Assessment scoring (计分): 500,000 villages × 40 indicators (every method, some formulas).

Bars: the vectorized scoring (best of 3) under 1 s and at least 20× faster than a straightforward
per-village Python loop over the same scheme. The loop runs on a 20,000-village sample, its time
scaled by 25, plus once the class percentiles it prepares from all villages; it must give the same
points, totals, grades and vetoes. Ranks need every village, so the loop also scores a district of
5,000 whole and every field, ranks overall and within class included, must agree.
The whole run, from a stored inputs snapshot to results stored and queryable, under 30 s on
SQLite (and on PostgreSQL when TEST_POSTGRES_URL reaches a server).

Wall times are the bars; beside them the CPU seconds (this process's, and PostgreSQL's backends' when
the server is local) and the load average, since on a shared machine the wall time follows the load.
"""

import bisect
import os
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from sqlalchemy import text
from sqlmodel import Session

from bench.databases import postgres_databases
from services.assessment import inputs, results, runs, schemes
from services.assessment.formulas import evaluate_one
from services.assessment.models import Period, Run
from services.assessment.schemas import SchemeIn
from services.assessment.scheme_spec import WEIGHTED, SchemeSpec
from services.assessment.scoring import VETO_OFFSET, score
from services.common.database import is_sqlite, make_engine
from services.common.migrate import upgrade

VILLAGES, SAMPLE, CHECKED = 500_000, 20_000, 5_000
SCORING_SECONDS, SPEEDUP, RUN_SECONDS = 1.0, 20.0, 30.0
CLASSES = ["集聚提升类", "城郊融合类", "特色保护类", "搬迁撤并类"]


def scheme_body() -> dict:
    def ind(code, method, source="metric", key=None, **kw):
        return {"code": code, "dimension": "d", "name_zh": code, "source": source, "key": key or code,
                "method": method, **kw}

    def weighted():
        return {c: 4 for c in CLASSES}

    items = [ind(f"t{i}", "threshold_linear", params={"floor": 10, "target": 80}, targets={"城郊融合类": 90},
                 weights=weighted(), missing="reweight" if i % 2 else "zero") for i in range(8)]
    items += [ind(f"r{i}", "ratio", params={"target": 50, "cap": 1.1}, weights=weighted(),
                  direction="lower" if i == 0 else "higher") for i in range(6)]
    items += [ind(f"p{i}", "percentile", weights=weighted(), missing="reweight") for i in range(4)]
    items += [ind(f"y{i}", "yes_no", weights=weighted()) for i in range(4)]
    items += [ind("f0", "threshold_linear", "formula", "t0 + t1 / max(t2, 1)", params={"floor": 0, "target": 100},
                  weights=weighted()),
              ind("f1", "ratio", "formula", "if(r1 > r2, r1 - r2, r2 / 2)", params={"target": 30}, weights=weighted()),
              ind("f2", "threshold_linear", "formula", "min(p0, p1) * 0.5 + (y0 >= 1)", params={"floor": 0, "target": 60},
                  weights=weighted())]
    items += [ind(f"dd{i}", "deduction", params={"per": 0.5, "cap": 3}) for i in range(4)]
    items += [ind(f"b{i}", "bonus", params={"per": 1, "cap": 2}) for i in range(3)]
    items += [ind("v0", "veto", params={"above": 98}), ind("v1", "veto", "formula", "t3 > 99 and r3 > 99")]
    items += [ind(f"x{i}", "value") for i in range(4)] + [ind("f3", "value", "formula", "x0 * x1 - x2"),
                                                          ind("f4", "value", "formula", "abs(x3 - 50) / x0")]
    assert len(items) == 40
    return {"code": "bench", "name_zh": "基准", "district_code": "990000000000", "classes": CLASSES,
            "default_class": CLASSES[0], "dimensions": [{"code": "d", "name_zh": "维度"}], "indicators": items,
            "grade_bands": [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 75}, {"grade": "合格", "min": 60},
                            {"grade": "不合格", "min": 0}], "decimals": 2}


def make_document(spec: SchemeSpec, n: int) -> dict:
    rng = np.random.default_rng(7)
    columns = {}
    for indicator in spec.indicators:
        if indicator.source == "formula":
            continue
        values = rng.uniform(0, 100, n).round(2) if not indicator.code.startswith(("y", "dd", "b")) else \
            rng.integers(0, 4, n).astype(float)
        values[rng.random(n) < 0.01] = np.nan
        columns[indicator.column] = [None if v != v else float(v) for v in values]
    codes = [f"99{i:010d}" for i in range(n)]
    return {"district_code": "990000000000", "year": 2025, "unit_codes": codes, "names": [f"村{i}" for i in range(n)],
            "towns": [f"99{i % 200:04d}000000" for i in range(n)],
            "classes": {"planning_class": [CLASSES[i % 4] for i in range(n)]}, "columns": columns}


def loop_scores(spec: SchemeSpec, values: dict, classes: list[str], sample, ordered: dict) -> list[tuple]:
    """The straightforward way: one village at a time, one indicator at a time, Decimal rounding.

    Per village: (points per indicator in units of 10^-decimals, total, grade index, vetoing codes).
    """
    found = []
    for i in sample:
        klass = classes[i] if classes[i] in spec.classes else spec.default_class
        raw = {}
        for indicator in spec.order():
            raw[indicator.code] = (evaluate_one(indicator.key, raw) if indicator.source == "formula"
                                   else values[indicator.column][i])
        exact, absent_weight, vetoes = {}, 0.0, []
        for indicator in spec.indicators:
            x = raw[indicator.code]
            if x != x and indicator.missing == "reweight":
                absent_weight += indicator.weight_for(klass)
                exact[indicator.code] = 0.0
                continue
            x = 0.0 if x != x else x
            if indicator.method == "veto" and (x > indicator.params["above"] if "above" in indicator.params
                                               else x != 0):
                vetoes.append(indicator.code)
            exact[indicator.code] = _one(spec, indicator, x, klass, ordered)
        factor = 0.0 if absent_weight >= 100 else 100 / (100 - absent_weight)
        points = [half_up(exact[c.code] * (factor if c.method in WEIGHTED else 1.0), spec.decimals)
                  for c in spec.indicators]
        total = max(sum(points), 0)
        grade = len(spec.bands) - 1 if vetoes else next(
            g for g, (_, low) in enumerate(spec.bands) if Decimal(total).scaleb(-spec.decimals) >= Decimal(str(low)))
        found.append((points, total, grade, vetoes))
    return found


def half_up(value: float, decimals: int) -> int:
    """As an office rounds: the float read to 7 places past the shown ones (so 4 × 19.9 / 80, which is
    0.99499999999999999 in binary, reads 0.995 as on paper), then half-up, in units of 10^-decimals."""
    written = Decimal(f"{value:.{decimals + 7}f}")
    return int(written.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP).scaleb(decimals))


def loop_ranks(keys: list[int]) -> list[int]:
    """Competition ranks, highest first: equal keys share a rank and the next one skips (1, 1, 3)."""
    first = {}
    for position, key in enumerate(sorted(keys, reverse=True)):
        first.setdefault(key, position + 1)
    return [first[key] for key in keys]


def loop_class_ranks(keys: list[int], classes: list[str]) -> list[int]:
    ranks = [0] * len(keys)
    for klass in set(classes):
        members = [i for i, c in enumerate(classes) if c == klass]
        for i, rank in zip(members, loop_ranks([keys[i] for i in members]), strict=True):
            ranks[i] = rank
    return ranks


def _one(spec, indicator, x, klass, ordered) -> float:
    weight, params, lower = indicator.weight_for(klass), indicator.params, indicator.direction == "lower"
    if indicator.method == "threshold_linear":
        floor, target = params["floor"], indicator.target_for(klass)
        if target == floor:
            return weight if (x >= target if target >= floor else x <= target) else 0.0
        return weight * min(max((x - floor) / (target - floor), 0.0), 1.0)
    if indicator.method == "ratio":
        target, cap = indicator.target_for(klass), params.get("cap", 1.0)
        top, bottom = (target, x) if lower else (x, target)
        return weight * (cap if bottom <= 0 else min(max(top / bottom, 0.0), cap))
    if indicator.method == "percentile":
        values = ordered[(indicator.code, klass)]
        if len(values) == 1:
            return weight
        beaten = len(values) - bisect.bisect_right(values, x) if lower else bisect.bisect_left(values, x)
        return weight * beaten / (len(values) - 1)
    if indicator.method == "yes_no":
        return weight if (x == 0 if lower else x != 0) else 0.0
    if indicator.method in ("deduction", "bonus"):
        amount = min(max(x, 0.0) * params["per"], params["cap"])
        return -amount if indicator.method == "deduction" else amount
    return 0.0


def class_orders(spec, values, classes) -> dict:
    """Each percentile indicator's sorted values per class: prepared once, over every village."""
    ordered = {}
    for indicator in spec.indicators:
        if indicator.method != "percentile":
            continue
        for klass in spec.classes:
            column = values[indicator.column]
            keep = [v for v, c in zip(column, classes, strict=True) if c == klass and (v == v or indicator.missing == "zero")]
            ordered[(indicator.code, klass)] = sorted(0.0 if v != v else v for v in keep)
    return ordered


def first_mismatch(looped: list[tuple], scores, sample, ranks: tuple | None = None) -> str | None:
    """The first field where the loop and the vectorized scores differ, described; None when all agree."""
    codes = scores.codes
    for n, i in enumerate(sample):
        points, total, grade, vetoes = looped[n]
        pairs = [(f"points of {code}", a, b) for code, a, b in zip(codes, points, scores.points[i].tolist(), strict=True)]
        pairs += [("total", total, int(scores.total[i])), ("grade", grade, int(scores.grade[i])),
                  ("vetoes", vetoes, [codes[k] for k in np.flatnonzero(scores.vetoed[i])])]
        if ranks:
            pairs += [("rank", ranks[0][n], int(scores.rank[i])),
                      ("class rank", ranks[1][n], int(scores.class_rank[i]))]
        for field, a, b in pairs:
            if a != b:
                return f"village #{i}, {field}: loop {a}, vectorized {b} (raw values {scores.raw[i].tolist()})"
    return None


def full_check(spec: SchemeSpec) -> str | None:
    """Every field, ranks included, on a small district that the loop scores whole."""
    data = inputs.inputs_for(make_document(spec, CHECKED), [], spec)
    values = {k: v.tolist() for k, v in data.columns.items()}
    looped = loop_scores(spec, values, data.classes, range(CHECKED), class_orders(spec, values, data.classes))
    keys = [total - VETO_OFFSET if vetoes else total for _, total, _, vetoes in looped]
    ranks = (loop_ranks(keys), loop_class_ranks(keys, data.classes))
    return first_mismatch(looped, score(spec, data), range(CHECKED), ranks)


def scoring_bars(spec: SchemeSpec, document: dict) -> bool:
    data = inputs.inputs_for(document, [], spec)
    vector_seconds = vector_cpu = float("inf")
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        scores = score(spec, data)
        vector_seconds = min(vector_seconds, time.perf_counter() - started)
        vector_cpu = min(vector_cpu, time.process_time() - cpu_started)
    values = {k: v.tolist() for k, v in data.columns.items()}
    sample = range(0, VILLAGES, VILLAGES // SAMPLE)
    started = time.perf_counter()
    ordered = class_orders(spec, values, data.classes)
    prepared = time.perf_counter()
    looped = loop_scores(spec, values, data.classes, sample, ordered)
    loop_seconds = prepared - started + (time.perf_counter() - prepared) * VILLAGES / len(sample)
    mismatch = first_mismatch(looped, scores, sample) or full_check(spec)
    speedup = loop_seconds / vector_seconds
    print(f"  scoring {VILLAGES:,} villages × {len(spec.indicators)} indicators: {vector_seconds:.3f} s best of 3 "
          f"(bar {SCORING_SECONDS} s; CPU {vector_cpu:.3f} s; load average {load()}); per-village loop {loop_seconds:.1f} s scaled from {len(sample):,} "
          f"→ {speedup:.0f}× (bar {SPEEDUP:.0f}×); same points, totals, grades and vetoes on the sample, and ranks "
          f"too on {CHECKED:,} villages scored whole: {mismatch is None}")
    if mismatch:
        print(f"  first mismatch: {mismatch}")
    return vector_seconds < SCORING_SECONDS and speedup >= SPEEDUP and mismatch is None


def whole_run(url: str, label: str, body: dict, document: dict) -> bool:
    upgrade("assessment", url)
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            scheme = schemes.create(session, SchemeIn(**body), actor="bench")
            schemes.publish(session, scheme, actor="bench")
            period = Period(district_code="990000000000", year=2025, created_by="bench")
            session.add(period)
            session.flush()
            inputs.store_snapshot(session, period, document, actor="bench")
            run_id = runs.create(session, scheme, period, actor="bench").id
        server_before = server_cpu(engine)
        started, cpu_started = time.perf_counter(), time.process_time()
        runs.execute(engine, run_id)
        with Session(engine) as session:
            run = session.get(Run, run_id)
            top = results.ranking(session, run, towns=None, town=None, class_name=None, grade=None, after=None,
                                  limit=50)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        server = server_cpu(engine)
        server = "" if server is None or server_before is None else f", PostgreSQL's backends {server - server_before:.1f} s"
        print(f"  whole run on {label}: {seconds:.1f} s from stored inputs to {run.units:,} stored results "
              f"(status {run.status}{', ' + run.reason if run.reason else ''}; top rank {top[0]['rank'] if top else '-'})"
              f" (bar {RUN_SECONDS:.0f} s); CPU: this process {cpu:.1f} s{server}; load average {load()}")
        return run.status == "done" and seconds < RUN_SECONDS and bool(top)
    finally:
        engine.dispose()


def load() -> str:
    """The machine's 1-minute load average over its cores: wall times above mean little without it."""
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def server_cpu(engine) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends serving the bench's database, when the server runs
    on this machine and its processes can be read; None otherwise (and for SQLite, which runs in-process)."""
    if is_sqlite(engine):
        return None
    with engine.connect() as connection:
        pids = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        try:
            return sum(_process_cpu(pid) for pid in pids)
        except OSError:
            return None


def _process_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run() -> bool:
    print(f"assessment_scoring (load average {load()})")
    body = scheme_body()
    spec = schemes.spec_of(SchemeIn(**body))
    document = make_document(spec, VILLAGES)
    met = scoring_bars(spec, document)
    with tempfile.TemporaryDirectory() as directory:
        met &= whole_run(f"sqlite:///{Path(directory) / 'bench.db'}", "SQLite", body, document)
    with postgres_databases(["assessment"]) as urls:
        if urls is not None:
            met &= whole_run(urls["assessment"], "PostgreSQL", body, document)
    return met


if __name__ == "__main__":
    raise SystemExit(0 if run() else 1)
