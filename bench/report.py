"""Bars a benchmark checks, and the lines it prints."""

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import Result


@dataclass
class Bar:
    """One promise about performance and what this run measured against it."""

    name: str
    passed: bool
    measured: str

    def line(self) -> str:
        return f"  {'PASS' if self.passed else 'FAIL'}  {self.name}: {self.measured}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


HEADER = (f"  {'target':<18}{'conns':>6}{'requests':>10}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}{'errors':>8}{'client cpu':>12}")


def row(target: str, concurrency: int, result: Result) -> str:
    return (f"  {target:<18}{concurrency:>6}{result.completed:>10}{result.rps:>9.0f}"
            f"{ms(result.percentile(0.5)):>9}{ms(result.percentile(0.99)):>9}{ms(result.max_latency):>9}"
            f"{result.errors:>8}{result.client_cpu_share:>11.0%}")


def title(text: str) -> None:
    print(f"\n== {text} ==", flush=True)


@dataclass
class MachineClock:
    """CPU seconds used so far by the whole machine and by this process with its finished children."""

    busy: float
    ours: float
    wall: float


def machine_clock() -> MachineClock | None:
    stat = Path("/proc/stat")
    if not stat.exists():
        return None
    values = [int(v) for v in stat.read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    ours = sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return MachineClock((sum(values) - idle) / os.sysconf("SC_CLK_TCK"), ours, time.monotonic())


def other_work(since: MachineClock | None) -> str:
    """The share of the machine that processes other than the bench's used since `since`.

    Every process the bench starts is its child and has been waited for by the end, so its CPU
    time is in RUSAGE_CHILDREN; what is left of the machine's busy time is someone else's.
    """
    now = machine_clock()
    if since is None or now is None:
        return "other work on the machine: unknown"
    others = (now.busy - since.busy) - (now.ours - since.ours)
    share = max(0.0, others / ((now.wall - since.wall) * (os.cpu_count() or 1)))
    return f"other work used {share:.0%} of the machine's {os.cpu_count()} cores meanwhile"
