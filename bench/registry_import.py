"""Registry import: 100,000 villages and their statistics from CSV through the import function.

`run()` generates the CSV files, imports them in a child process per size (20,000 and 100,000
units) on a fresh migrated SQLite database, and on PostgreSQL when one is reachable, and prints
rows a second and the peak RSS growth of each child. A second child per size imports again
under tracemalloc (which slows it, so it is not timed) for the importer's own memory: the
Python heap's peak and, on SQLite, the library's own high-water mark (its page and statement
caches). The bar: at least 5,000 rows a second for units and for statistics, and the importer's
memory flat (the 100k peak well under 5x the 20k one). RSS is printed beside it; it also holds
what the allocator keeps and what the imported modules load.
"""

import csv
import ctypes
import ctypes.util
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROWS_A_SECOND = 5000
SIZES = (20_000, 100_000)
VILLAGES_PER_TOWN = 500
METRICS = ("households", "registered_population", "collective_operating_income", "collective_debt")


def write_files(folder: Path, villages: int) -> tuple[Path, Path]:
    """A district, its towns and `villages` villages with valid codes; one year's figures for each village."""
    units, figures = folder / f"units-{villages}.csv", folder / f"statistics-{villages}.csv"
    with units.open("w", newline="", encoding="utf-8") as u, figures.open("w", newline="", encoding="utf-8") as f:
        unit_rows, figure_rows = csv.writer(u), csv.writer(f)
        unit_rows.writerow(["区划代码", "名称", "上级区划代码", "类型", "城乡分类代码", "设立日期"])
        figure_rows.writerow(["区划代码", "年度", *METRICS])
        unit_rows.writerow(["110109000000", "基准区", "", "区", "", "2020-01-01"])
        for n in range(villages):
            town = f"110109{100 + n // VILLAGES_PER_TOWN:03d}000"
            if n % VILLAGES_PER_TOWN == 0:
                unit_rows.writerow([town, f"第{town[6:9]}镇", "110109000000", "镇", "", "2020-01-01"])
            code = town[:9] + f"{n % VILLAGES_PER_TOWN + 1:03d}"
            unit_rows.writerow([code, f"村{n}", town, "行政村", "220", "2020-01-01"])
            figure_rows.writerow([code, "2024", 100 + n % 400, 300 + n % 900, f"{n * 7 % 900000}.{n % 100:02d}", "0"])
    return units, figures


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now, or at its peak with "VmHWM" (which, unlike getrusage's
    ru_maxrss, starts afresh at exec: the parent's size does not count)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def sqlite_library():
    """The SQLite library the sqlite3 module uses, for its memory counters (None if linked in statically)."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    library.sqlite3_memory_highwater.restype = ctypes.c_int64
    return library


def child(url: str, units: str, figures: str, traced: str = "") -> None:
    """In its own process: import both files and print seconds and peak RSS growth as JSON; when
    `traced`, the Python heap's peak and SQLite's memory high-water mark instead of seconds."""
    from sqlmodel import Session

    from services.common.database import make_engine
    from services.common.tokens import Principal
    from services.registry.imports import import_file

    engine, admin = make_engine(url), Principal(subject="bench", role="admin")
    with engine.connect():
        pass
    sqlite = sqlite_library() if traced and url.startswith("sqlite") else None
    if traced:
        tracemalloc.start()
        if sqlite is not None:
            sqlite.sqlite3_memory_highwater(1)
    baseline, result = rss_mb(), {}
    for kind, path in (("units", units), ("statistics", figures)):
        started = time.perf_counter()
        with Session(engine) as session:
            report = import_file(session, Path(path), kind=kind, principal=admin)
            session.commit()
        assert report.status == "applied" and not report.error_count, report.errors[:3]
        result[kind] = {"rows": report.rows, "seconds": time.perf_counter() - started}
    result["peak_growth_mb"] = rss_mb("VmHWM") - baseline
    if traced:
        result["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        result["sqlite_peak_mb"] = sqlite.sqlite3_memory_highwater(0) / 2**20 if sqlite is not None else 0.0
    print(json.dumps(result))


@contextmanager
def fresh_database(backend: str, folder: Path, label: str) -> Iterator[str]:
    """An empty database of the backend migrated to head, dropped afterwards (PostgreSQL)."""
    # Imported here: the child that measures the importer's memory imports this module too.
    from bench.databases import postgres_databases
    from services.common.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{folder / (label + '.db')}"
        upgrade("registry", url)
        yield url
        return
    with postgres_databases([label]) as urls:
        upgrade("registry", urls[label])
        yield urls[label]


def measure(backend: str, folder: Path, villages: int) -> dict:
    units, figures = write_files(folder, villages)
    with fresh_database(backend, folder, f"{backend}_{villages}") as url:
        timed = run_child(url, units, figures)
    with fresh_database(backend, folder, f"{backend}_{villages}_traced") as url:
        traced = run_child(url, units, figures, "traced")
    return timed | {"heap_peak_mb": traced["heap_peak_mb"], "sqlite_peak_mb": traced["sqlite_peak_mb"]}


def run_child(url: str, *args) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.registry_import", url, *map(str, args)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> bool:
    from tests.databases import postgres_reachable

    unreachable = postgres_reachable()  # None, or why not
    backends = ["sqlite"] + ([] if unreachable else ["postgres"])
    met = True
    with tempfile.TemporaryDirectory(prefix="zx-bench-import-") as folder:
        for backend in backends:
            met &= report(backend, {n: measure(backend, Path(folder), n) for n in SIZES})
    if len(backends) == 1:
        print("registry import: PostgreSQL not reachable, measured on SQLite only")
    return met


def report(backend: str, runs: dict[int, dict]) -> bool:
    big = runs[SIZES[-1]]
    rates = {kind: big[kind]["rows"] / big[kind]["seconds"] for kind in ("units", "statistics")}
    for kind, rate in rates.items():
        print(f"registry import [{backend}] {kind}: {big[kind]['rows']:,} rows in {big[kind]['seconds']:.1f} s "
              f"= {rate:,.0f} rows/s (bar {ROWS_A_SECOND:,})")
    own = {n: runs[n]["heap_peak_mb"] + runs[n]["sqlite_peak_mb"] for n in SIZES}
    flat = is_flat(own)
    for n in SIZES:
        print(f"registry import [{backend}] importer memory for {n:,} units: Python heap peak "
              f"{runs[n]['heap_peak_mb']:.1f} MB + SQLite library peak {runs[n]['sqlite_peak_mb']:.1f} MB")
    print(f"registry import [{backend}] importer memory: {own[SIZES[0]]:.1f} MB for {SIZES[0]:,} units, "
          f"{own[SIZES[-1]]:.1f} MB for {SIZES[-1]:,} ({'flat' if flat else 'NOT flat'})")
    growth = {n: runs[n]["peak_growth_mb"] for n in SIZES}
    print(f"registry import [{backend}] peak RSS growth: {growth[SIZES[0]]:.1f} MB for {SIZES[0]:,} units, "
          f"{growth[SIZES[-1]]:.1f} MB for {SIZES[-1]:,} ({'flat' if is_flat(growth) else 'NOT flat'})")
    return flat and min(rates.values()) >= ROWS_A_SECOND


def is_flat(megabytes: dict[int, float]) -> bool:
    return megabytes[SIZES[-1]] <= max(2.5 * megabytes[SIZES[0]], 16.0)


if __name__ == "__main__":
    if len(sys.argv) in (4, 5):
        child(*sys.argv[1:])
    else:
        sys.exit(0 if run() else 1)
