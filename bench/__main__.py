"""Runs every benchmark against one running platform; exits 1 when a bar is missed."""

import sys
import time

from bench import (
    answers_load,
    assessment_scoring,
    assets_plan,
    contract_flags,
    engagement_report,
    gateway_overhead,
    public_page,
    registry_import,
    registry_list,
    session_stall,
)
from bench.report import Bar, machine_clock, other_work, title
from bench.stack import running_stack

# These share one running platform and return their bars.
ON_PLATFORM = (gateway_overhead, session_stall)
# These build their own data and processes and say whether all their bars were met.
STANDALONE = (registry_list, registry_import, assets_plan, assessment_scoring, contract_flags, engagement_report,
              answers_load, public_page)


def main() -> int:
    started, clock = time.monotonic(), machine_clock()
    with running_stack() as stack:
        bars = [bar for benchmark in ON_PLATFORM for bar in benchmark.run(stack)]
    for benchmark in STANDALONE:
        name = benchmark.__name__.removeprefix("bench.")
        bars.append(Bar(f"{name}: every bar met (see its lines above)", benchmark.run(), ""))
    missed = [bar for bar in bars if not bar.passed]
    title(f"{len(bars) - len(missed)} of {len(bars)} bars met in {time.monotonic() - started:.0f} s")
    # Two cores shared with someone else's work make every number here worse and noisier.
    print(f"  {other_work(clock)}")
    for bar in missed:
        print(bar.line())
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
