"""No stall at 64 connections: a sync, session-holding endpoint keeps answering every second.

A sync yield-dependency that holds a session can deadlock a process when more worker threads wait
for a connection than the pool holds (services/common/database.py caps sessions for this reason).
A stall shows as a second in which nothing completes, or as a request that waits for seconds.
"""

from bench.load import Load, Result, measure
from bench.report import HEADER, Bar, ms, row, title
from bench.stack import AUDIT_PATH, Stack

CONCURRENCY = 64
SECONDS = 10.0
WARMUP = 1.0
MAX_LATENCY = 5.0


def run(stack: Stack) -> list[Bar]:
    title(f"session stall: GET {AUDIT_PATH} on the registry at {CONCURRENCY} conns for {SECONDS:.0f} s")
    result = measure(Load(stack.registry_url + AUDIT_PATH, stack.direct_headers(), CONCURRENCY, SECONDS,
                          WARMUP))
    print(HEADER)
    print(row("registry", CONCURRENCY, result))
    print(f"\n  completions per second: {' '.join(str(count) for count in result.per_second())}\n")
    bars = check(result)
    for bar in bars:
        print(bar.line())
    return bars


def check(result: Result) -> list[Bar]:
    slowest_second = min(result.per_second())
    return [
        Bar("every second completes requests", slowest_second > 0,
            f"slowest second {slowest_second} requests"),
        Bar(f"no request over {MAX_LATENCY:.0f} s", result.max_latency <= MAX_LATENCY,
            f"slowest {ms(result.max_latency)} ms"),
        Bar("every response was 200", result.errors == 0, f"{result.errors} errors of {result.completed}"),
    ]
