"""A small HTTP load generator for loopback benchmarks, run in a process of its own.

`measure(Load(...))` starts `python -m bench.load RESULT_FILE`, which keeps `concurrency`
keep-alive connections busy with the same GET for a warm-up and then a measured window, and
records every request. It runs on uvloop in its own process so that its work never shares an event loop with
the server under test; it reports its CPU time, so a reader can see it was not the bottleneck.
"""

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import uvloop

REQUEST_TIMEOUT = 15.0
# A worker stops at the end of the window, or after this many requests, whichever comes first.
MAX_REQUESTS_PER_WORKER = 200_000


@dataclass
class Load:
    url: str
    headers: dict[str, str]
    concurrency: int
    seconds: float
    warmup: float = 1.0


@dataclass
class Result:
    """What one measured window saw; times in seconds."""

    seconds: float
    latencies: list[float]
    finished_at: list[float] = field(repr=False)
    errors: int
    client_cpu: float

    @property
    def completed(self) -> int:
        """Requests that finished inside the window (stragglers only count toward latency)."""
        return sum(1 for at in self.finished_at if at <= self.seconds)

    @property
    def rps(self) -> float:
        return self.completed / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    @property
    def max_latency(self) -> float:
        return max(self.latencies, default=float("nan"))

    def per_second(self) -> list[int]:
        buckets = [0] * int(self.seconds)
        for at in self.finished_at:
            if at < len(buckets):
                buckets[int(at)] += 1
        return buckets

    @property
    def client_cpu_share(self) -> float:
        """The client's CPU time as a share of one core over the window."""
        return self.client_cpu / self.seconds


def combine(parts: list[Result]) -> Result:
    """One result from slices measured one after another, as if they were one window."""
    finished_at, offset = [], 0.0
    for part in parts:
        finished_at += [offset + at for at in part.finished_at if at <= part.seconds]
        offset += part.seconds
    return Result(seconds=offset, latencies=[at for part in parts for at in part.latencies],
                  finished_at=finished_at, errors=sum(part.errors for part in parts),
                  client_cpu=sum(part.client_cpu for part in parts))


def measure(load: Load) -> Result:
    """Runs one load in a fresh client process and returns what it measured."""
    # The answer goes through a file: a pipe once returned it garbled under heavy load.
    with tempfile.TemporaryDirectory(prefix="zx-load-") as folder:
        answer = Path(folder) / "result.json"
        subprocess.run([sys.executable, "-m", "bench.load", str(answer)], input=json.dumps(asdict(load)),
                       text=True, check=True, timeout=load.warmup + load.seconds + REQUEST_TIMEOUT + 30)
        return Result(**json.loads(answer.read_text()))


async def _worker(session: aiohttp.ClientSession, load: Load, start: float, end: float,
                  record: list) -> None:
    for _ in range(MAX_REQUESTS_PER_WORKER):
        began = time.perf_counter()
        if began >= end:
            return
        try:
            async with session.get(load.url, headers=load.headers) as response:
                await response.read()
                ok = response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            ok = False
        done = time.perf_counter()
        if began >= start:
            record.append((done - began, done - start, ok))


async def _run(load: Load) -> dict:
    connector = aiohttp.TCPConnector(limit=load.concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    record: list[tuple[float, float, bool]] = []
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter() + load.warmup
        end = start + load.seconds
        workers = [asyncio.create_task(_worker(session, load, start, end, record))
                   for _ in range(load.concurrency)]
        cpu_before = await _cpu_at(start)
        await asyncio.gather(*workers)
        client_cpu = time.process_time() - cpu_before
    return {"seconds": load.seconds, "latencies": [r[0] for r in record],
            "finished_at": [r[1] for r in record], "errors": sum(1 for r in record if not r[2]),
            "client_cpu": client_cpu}


async def _cpu_at(moment: float) -> float:
    """The process's CPU time read when the measured window opens (the warm-up runs meanwhile)."""
    await asyncio.sleep(max(0.0, moment - time.perf_counter()))
    return time.process_time()


def main() -> None:
    load = Load(**json.load(sys.stdin))
    Path(sys.argv[1]).write_text(json.dumps(uvloop.run(_run(load))))


if __name__ == "__main__":
    main()
