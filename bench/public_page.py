"""A village's public page (三务公开) through the gateway at 64 connections, beside a static file of the
same size served by the same gateway in the same run; then the same page asked with If-None-Match.

The stack is the benchmark platform (four processes on SQLite, demo data loaded). The static file is
the page's own bytes, written under the gateway's static folder for the run and removed after it.
Page and file take turns in short slices, round after round, so the machine's drift falls on both.
The conditional requests run from this process at the same concurrency; every answer must be a 304.
"""

import asyncio
import os
import time
from pathlib import Path

import aiohttp
import httpx

from bench.load import Load, Result, combine, measure
from bench.report import HEADER, Bar, ms, row, title
from bench.stack import running_stack

VILLAGE = "110109102201"  # the demo publishes this village's finances and contracts
PAGE = f"/public/villages/{VILLAGE}"
STATIC = Path(__file__).resolve().parents[1] / "gateway" / "static"
CONNECTIONS = 64
ROUNDS = 3
SLICE_SECONDS = 3.0
WARMUP = 0.5
CONDITIONAL_REQUESTS = 5000
MIN_RATIO = 0.5
MAX_P99 = 0.100


def run() -> bool:
    title(f"public village page: GET {PAGE} through the gateway at {CONNECTIONS} conns, beside a static file "
          f"of the same size; {ROUNDS} rounds of {SLICE_SECONDS:.0f} s slices")
    with running_stack() as stack:
        base = stack.platform.gateway
        first = httpx.get(base + PAGE, timeout=10).raise_for_status()
        body, tag = first.content, first.headers["etag"]
        copy = STATIC / f"zx-bench-public-{os.getpid()}.html"
        copy.write_bytes(body)
        try:
            assert httpx.get(f"{base}/static/{copy.name}", timeout=10).content == body
            print(f"  page: {len(body) / 1000:.1f} kB, ETag {tag}; static copy /static/{copy.name}")
            results = measure_both({"static file": f"{base}/static/{copy.name}", "public page": base + PAGE})
            statuses, conditional = asyncio.run(conditional_load(base + PAGE, tag))
        finally:
            copy.unlink(missing_ok=True)
    return report(results, statuses, conditional)


def measure_both(targets: dict[str, str]) -> dict[str, Result]:
    slices: dict[str, list[Result]] = {name: [] for name in targets}
    for number in range(ROUNDS):
        names = list(targets)[number % 2:] + list(targets)[:number % 2]
        for name in names:
            slices[name].append(measure(Load(targets[name], {}, CONNECTIONS, SLICE_SECONDS, WARMUP)))
        print(f"  round {number + 1} of {ROUNDS} done", flush=True)
    results = {name: combine(parts) for name, parts in slices.items()}
    print(HEADER)
    for name, result in results.items():
        print(row(name, CONNECTIONS, result))
    return results


async def conditional_load(url: str, tag: str) -> tuple[dict[int, int], list[float]]:
    """CONDITIONAL_REQUESTS requests with If-None-Match over CONNECTIONS connections: statuses and latencies."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    left = iter(range(CONDITIONAL_REQUESTS))
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=15)) as session:
        async def worker() -> None:
            for _ in left:
                began = time.perf_counter()
                async with session.get(url, headers={"If-None-Match": tag}) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                latencies.append(time.perf_counter() - began)

        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    return statuses, latencies


def report(results: dict[str, Result], statuses: dict[int, int], conditional: list[float]) -> bool:
    page, static = results["public page"], results["static file"]
    ratio = page.rps / static.rps
    p99 = page.percentile(0.99)
    ordered = sorted(conditional)
    not_modified = statuses.get(304, 0)
    print(f"\n  page/static throughput at {CONNECTIONS} conns: {ratio:.2f}")
    print(f"  If-None-Match: {CONDITIONAL_REQUESTS} requests, statuses {dict(sorted(statuses.items()))}, "
          f"p50 {ms(ordered[len(ordered) // 2])} ms, p99 {ms(ordered[int(len(ordered) * 0.99)])} ms")
    bars = [Bar(f"public page keeps >= {MIN_RATIO} of the static file's rps at {CONNECTIONS} conns",
                ratio >= MIN_RATIO, f"{page.rps:.0f} / {static.rps:.0f} rps = {ratio:.2f}"),
            Bar(f"public page p99 < {ms(MAX_P99)} ms at {CONNECTIONS} conns", p99 < MAX_P99, f"{ms(p99)} ms"),
            Bar("every conditional request answered 304", not_modified == CONDITIONAL_REQUESTS,
                f"{not_modified} of {CONDITIONAL_REQUESTS} were 304"),
            Bar("every page and file request was 200", page.errors + static.errors == 0,
                f"{page.errors + static.errors} errors")]
    for bar in bars:
        print(bar.line())
    return all(bar.passed for bar in bars)


if __name__ == "__main__":
    raise SystemExit(0 if run() else 1)
