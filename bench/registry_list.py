"""The registry at 500,000 villages (issue 4), through its HTTP API, on SQLite and on PostgreSQL.

For each backend: a fresh database, migrated, filled with 5 districts x 400 towns x 250 villages,
each village with one 2025 value of collective operating income, every fifth with a planning class
and every hundredth with an awarded title. Then the registry runs as a real uvicorn process beside
a bare baseline (`bench.registry_baseline`: raw driver plus orjson, same SQL, same rows), and:

1. a filtered list page (town + partial name + metric range, sorted by name) p50/p95 over
   sequential requests, bar p95 < 30 ms; a few other list shapes are shown beside it;
2. the bulk read of one metric for all units (`/v1/statistics`), bar < 2 s per call;
3. list throughput at 8 connections against the baseline in alternating slices, bar >= 0.6.

Nothing is cached between runs; loading counts toward the bench's time. `run()` says whether
every bar held.
"""

import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import orjson
import psycopg
from sqlalchemy import insert

from bench.databases import postgres_databases
from bench.load import Load, combine, measure
from bench.report import Bar, ms, title
from services.common.database import make_engine
from services.common.migrate import upgrade
from services.common.tokens import Principal, TokenSigner, ensure_keypair
from services.registry.models import Designation, StatisticValue, Unit, UnitClass
from tests.platform import ROOT, UVICORN_OPTIONS, free_port, wait_ready

DISTRICTS, TOWNS_PER_DISTRICT, VILLAGES_PER_TOWN = 5, 400, 250
VILLAGES = DISTRICTS * TOWNS_PER_DISTRICT * VILLAGES_PER_TOWN
YEAR, METRIC = 2025, "collective_operating_income"
BATCH = 50_000

PAGE_P95 = 0.030
BULK_SECONDS = 2.0
MIN_RATIO = 0.6
SEQUENTIAL = 300
CONCURRENCY, ROUNDS, SLICE_SECONDS, WARMUP = 8, 3, 1.5, 0.5

# Syllables of plausible village names (name character, pinyin).
SYLLABLES = [tuple(pair.split(":")) for pair in ["东:dong", "西:xi", "南:nan", "北:bei", "山:shan", "水:shui", "河:he", "桥:qiao", "石:shi", "林:lin", "花:hua", "田:tian", "塘:tang", "湾:wan", "溪:xi", "岭:ling", "坪:ping", "岗:gang", "庄:zhuang", "家:jia", "新:xin", "大:da", "小:xiao", "上:shang", "下:xia", "前:qian", "后:hou", "龙:long", "凤:feng", "桃:tao", "李:li", "杨:yang", "柳:liu", "竹:zhu", "梅:mei", "松:song", "金:jin", "银:yin", "黄:huang", "白:bai", "青:qing", "红:hong", "安:an", "平:ping", "和:he", "兴:xing", "福:fu", "乐:le"]]

unit_table, value_table = Unit.__table__, StatisticValue.__table__
class_table, designation_table = UnitClass.__table__, Designation.__table__


@dataclass
class Place:
    name: str
    pinyin: str


def place(rng: random.Random, suffix: str, pinyin_suffix: str) -> Place:
    (a, pa), (b, pb) = rng.choice(SYLLABLES), rng.choice(SYLLABLES)
    return Place(a + b + suffix, f"{(pa + pb).capitalize()} {pinyin_suffix}")


def unit_row(unit_id: int, code: str, level: str, parent: tuple[int, str] | None, town: str | None,
             where: Place, now: datetime) -> dict:
    return {"id": unit_id, "unit_code": code, "level": level, "kind": level, "parent_id": parent and parent[0],
            "parent_code": parent and parent[1], "town_code": town, "name": where.name, "name_pinyin": where.pinyin,
            "name_en": None, "urban_rural_code": "220" if level == "village" else None,
            "valid_from": date(2020, 1, 1), "valid_to": None, "demo": False, "version": 1,
            "created_at": now, "updated_at": now}


def generate(rng: random.Random) -> Iterator[tuple[str, list[dict]]]:
    """(table, rows) batches: districts and towns first, then villages with their values and classes."""
    now = datetime.now(UTC)
    upper, villages, values, classes, titles = [], [], [], [], []
    next_id = 1
    for d in range(DISTRICTS):
        district = (next_id, f"{330100 + d * 10 + 2}000000")
        upper.append(unit_row(*district, "district", None, None, place(rng, "区", "Qu"), now))
        next_id += 1
        for t in range(TOWNS_PER_DISTRICT):
            town = (next_id, f"{district[1][:6]}{t + 100:03d}000")
            upper.append(unit_row(*town, "town", district, town[1], place(rng, "镇", "Zhen"), now))
            next_id += 1
            for v in range(VILLAGES_PER_TOWN):
                code = f"{town[1][:9]}{v + 1:03d}"
                villages.append(unit_row(next_id, code, "village", town, town[1], place(rng, "村", "Cun"), now))
                cents = rng.randrange(0, 300_000_000)
                values.append({"unit_id": next_id, "unit_code": code, "metric_key": METRIC, "year": YEAR,
                               "value": Decimal(cents).scaleb(-2), "source": "年报", "entered_by": "bench",
                               "entered_at": now, "demo": False})
                if next_id % 5 == 0:
                    classes.append({"unit_id": next_id, "unit_code": code, "scheme_key": "planning_class",
                                    "year": YEAR, "class_name": rng.choice(("集聚提升类", "城郊融合类", "特色保护类")),
                                    "demo": False, "updated_at": now})
                if next_id % 100 == 0:
                    titles.append({"unit_id": next_id, "unit_code": code, "town_code": town[1],
                                   "kind_key": "shihua_village", "year": 2024, "status": "awarded", "demo": False,
                                   "version": 1, "created_at": now, "updated_at": now})
                next_id += 1
                if len(villages) == BATCH:
                    yield "unit", upper + villages
                    yield "statistic_value", values
                    upper, villages, values = [], [], []
    yield "unit_class", classes
    yield "designation", titles


def load_sqlite(url: str) -> None:
    tables = {"unit": unit_table, "statistic_value": value_table, "unit_class": class_table,
              "designation": designation_table}
    engine = make_engine(url, pool_size=1)
    with engine.begin() as conn:
        for name, rows in generate(random.Random(4)):
            conn.execute(insert(tables[name]), rows)
    engine.dispose()


def load_postgres(url: str) -> None:
    with psycopg.connect(url) as conn:
        for name, rows in generate(random.Random(4)):
            columns = list(rows[0])
            with conn.cursor().copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        for name in ("unit", "statistic_value", "unit_class", "designation"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load, done now


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str | None]:
    """A fresh, migrated, filled database of the backend; None when PostgreSQL cannot be reached."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'registry.db'}"
        upgrade("registry", url)
        load_sqlite(url)
        yield url
        return
    with postgres_databases(["registry"]) as urls:
        if urls is not None:
            upgrade("registry", urls["registry"])
            load_postgres(urls["registry"])
        yield urls and urls["registry"]


@contextmanager
def process(app: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """A uvicorn process of `app` on a free loopback port; yields its base URL."""
    port = free_port()
    with open(log, "ab") as out:
        child = subprocess.Popen([sys.executable, "-m", "uvicorn", app, *UVICORN_OPTIONS, "--host", "127.0.0.1",
                                  "--port", str(port)],
                                 cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url + "/healthz")
        yield url
    finally:
        child.terminate()
        child.wait(timeout=15)


def admin_headers(var_dir: Path) -> dict[str, str]:
    private, _ = ensure_keypair(var_dir / "keys")
    signer = TokenSigner(private.read_text(), "zhenxing-gateway", seconds=3600)
    return {"Authorization": f"Bearer {signer.sign(Principal('api:bench', 'admin', kind='api_client'), 'registry')}"}


def town_code(rng: random.Random) -> str:
    return f"{330100 + rng.randrange(DISTRICTS) * 10 + 2}{rng.randrange(TOWNS_PER_DISTRICT) + 100:03d}000"


def filtered_page(rng: random.Random) -> dict:
    """The page the bar is about: one town, part of a name, an income range, by name."""
    low = rng.randrange(0, 1_500_000)
    return {"town": town_code(rng), "q": rng.choice(SYLLABLES)[0], "metric": METRIC, "metric_year": YEAR,
            "metric_min": low, "metric_max": low + 1_500_000, "sort": "name", "limit": 50}


SHAPES = {  # name: (parameters, requests); the first is the bar's, the others are shown beside it
    "town + q + metric range, by name": (filtered_page, SEQUENTIAL),
    "town, by name": (lambda rng: {"town": town_code(rng), "sort": "name", "limit": 50}, 100),
    "q alone (pinyin part), by code": (lambda rng: {"q": rng.choice(SYLLABLES)[1] + rng.choice(SYLLABLES)[1],
                                                    "limit": 50}, 30),
    "planning class, by name": (lambda rng: {"scheme": "planning_class", "class_name": "特色保护类",
                                             "sort": "name", "limit": 50}, 30),
    "metric range alone, by -name": (lambda rng: {"metric": METRIC, "metric_year": YEAR,
                                                  "metric_min": 2_990_000, "sort": "-name", "limit": 50}, 30),
}


def sequential(client: httpx.Client, url: str, headers: dict, make, count: int) -> list[float]:
    rng, times = random.Random(7), []
    for _ in range(count):
        began = time.perf_counter()
        response = client.get(url + "/v1/units", params=make(rng), headers=headers)
        times.append(time.perf_counter() - began)
        response.raise_for_status()
    return sorted(times)


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure_pages(client: httpx.Client, url: str, headers: dict, backend: str) -> Bar:
    bar_p95 = None
    for shape, (make, count) in SHAPES.items():
        times = sequential(client, url, headers, make, count)
        bar_p95 = bar_p95 if bar_p95 is not None else percentile(times, 0.95)
        print(f"  {shape:<36}{count:>5} requests  p50 {ms(percentile(times, 0.5)):>8} ms"
              f"  p95 {ms(percentile(times, 0.95)):>8} ms")
    return Bar(f"{backend}: filtered list page p95 < {ms(PAGE_P95)} ms", bar_p95 < PAGE_P95, f"{ms(bar_p95)} ms")


def measure_bulk(client: httpx.Client, url: str, headers: dict, backend: str) -> Bar:
    times = []
    for _ in range(2):
        began = time.perf_counter()
        response = client.get(url + "/v1/statistics", params={"year": YEAR, "metrics": METRIC}, headers=headers)
        times.append(time.perf_counter() - began)
        response.raise_for_status()
    items = orjson.loads(response.content)["items"]
    print(f"  bulk read of {METRIC} {YEAR}: {len(items)} units, {len(response.content) / 1e6:.1f} MB, "
          f"calls took {' and '.join(f'{t:.2f} s' for t in times)}")
    ok = len(items) == VILLAGES and max(times) < BULK_SECONDS
    return Bar(f"{backend}: bulk read of one metric for all units < {BULK_SECONDS:.0f} s", ok,
               f"{max(times):.2f} s (slower of two calls), {len(items)} units")


def measure_throughput(client: httpx.Client, service: str, baseline: str, headers: dict, backend: str) -> Bar:
    params = filtered_page(random.Random(11))
    query = str(httpx.QueryParams(params))
    ours = client.get(f"{service}/v1/units?{query}", headers=headers).json()["items"]
    bare = client.get(f"{baseline}/?{query}").json()["items"]
    assert [u["unit_code"] for u in ours] == [u["unit_code"] for u in bare], "baseline answers other rows"
    targets = {"registry": (f"{service}/v1/units?{query}", headers), "baseline": (f"{baseline}/?{query}", {})}
    slices = {name: [] for name in targets}
    for round_number in range(ROUNDS):
        for name in (list(targets) if round_number % 2 == 0 else list(reversed(targets))):
            slices[name].append(measure(Load(*targets[name], CONCURRENCY, SLICE_SECONDS, WARMUP)))
    results = {name: combine(parts) for name, parts in slices.items()}
    for name, result in results.items():
        print(f"  {name:<10}{CONCURRENCY} conns  {result.rps:>7.0f} rps  p50 {ms(result.percentile(0.5))} ms  "
              f"p99 {ms(result.percentile(0.99))} ms  errors {result.errors}  ({len(ours)} rows a page)")
    ratio = results["registry"].rps / results["baseline"].rps
    errors = sum(r.errors for r in results.values())
    return Bar(f"{backend}: list throughput >= {MIN_RATIO} of the bare baseline", ratio >= MIN_RATIO and not errors,
               f"{ratio:.2f} ({errors} errors)")


def measure_backend(backend: str, tmp: Path) -> list[Bar]:
    title(f"registry list at {VILLAGES:,} villages on {backend}")
    began = time.perf_counter()
    with database(backend, tmp) as url:
        if url is None:
            return []
        print(f"  loaded and migrated in {time.perf_counter() - began:.1f} s")
        var_dir = tmp / backend
        headers = admin_headers(var_dir)
        env = {"REGISTRY_DATABASE_URL": url, "REGISTRY_VAR_DIR": str(var_dir), "REGISTRY_LOG_LEVEL": "WARNING"}
        with (process("services.registry.app:create_app", env, var_dir / "registry.log") as service,
              process("bench.registry_baseline:create_app", {"BASELINE_DATABASE_URL": url},
                      var_dir / "baseline.log") as baseline,
              httpx.Client(timeout=60) as client):
            bars = [measure_pages(client, service, headers, backend), measure_bulk(client, service, headers, backend),
                    measure_throughput(client, service, baseline, headers, backend)]
    for bar in bars:
        print(bar.line())
    return bars


def run() -> bool:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zx-bench-registry-") as tmp:
        bars = [bar for backend in ("sqlite", "postgresql") for bar in measure_backend(backend, Path(tmp))]
    title(f"registry list: {sum(bar.passed for bar in bars)} of {len(bars)} bars met "
          f"in {time.monotonic() - started:.0f} s")
    for bar in bars:
        print(bar.line())
    return all(bar.passed for bar in bars)


if __name__ == "__main__":
    sys.exit(0 if run() else 1)
