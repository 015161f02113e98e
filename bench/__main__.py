"""Runs every benchmark against one running platform; exits 1 when a bar is missed."""

import sys
import time

from bench import gateway_overhead, session_stall
from bench.report import machine_clock, other_work, title
from bench.stack import running_stack

BENCHMARKS = (gateway_overhead, session_stall)


def main() -> int:
    started, clock = time.monotonic(), machine_clock()
    with running_stack() as stack:
        bars = [bar for benchmark in BENCHMARKS for bar in benchmark.run(stack)]
    missed = [bar for bar in bars if not bar.passed]
    title(f"{len(bars) - len(missed)} of {len(bars)} bars met in {time.monotonic() - started:.0f} s")
    # Two cores shared with someone else's work make every number here worse and noisier.
    print(f"  {other_work(clock)}")
    for bar in missed:
        print(bar.line())
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
