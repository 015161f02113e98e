"""What the gateway costs: the same audit page read from the registry directly and through the gateway.

Two targets share one registry process: the registry directly (with a token the gateway would
have signed) and the gateway. (Measured on this machine before the choice was made: httpx's own
pool as the proxy client fell to 28 rps at 64 connections with p99 2.5 s, against 99-213 rps
through aiohttp; the gateway now proxies with aiohttp directly.) Every target and level
takes turns in short slices, round after round in a rotated order, so that whatever else the
machine is doing meanwhile falls on all of them alike.
"""

import json

import httpx

from bench.load import Load, Result, combine, measure
from bench.report import HEADER, Bar, ms, row, title
from bench.stack import AUDIT_PATH, Stack

LEVELS = (1, 16, 64)
ROUNDS = 3
SLICE_SECONDS = 2.0
WARMUP = 0.5
MIN_THROUGHPUT_RATIO = 0.7
MAX_ADDED_P50 = 0.0005
MAX_LATENCY = 5.0
# Two runs of the same level differ by a few percent on this machine; a smaller drop is noise, not a fall.
NOISE = 0.05

DIRECT = "direct"
GATEWAY = "gateway"

Targets = dict[str, tuple[str, dict[str, str]]]
Results = dict[tuple[str, int], Result]


def run(stack: Stack) -> list[Bar]:
    title(f"gateway overhead: GET {AUDIT_PATH}, per target and level {ROUNDS} slices of "
          f"{SLICE_SECONDS:.0f} s, each after {WARMUP} s warm-up")
    proxied = "/api/registry" + AUDIT_PATH
    targets = {DIRECT: (stack.registry_url + AUDIT_PATH, stack.direct_headers()),
               GATEWAY: (stack.platform.gateway + proxied, stack.gateway_headers())}
    print(describe_answers(targets))
    results = measure_all(targets)
    print_ratios(results)
    bars = check(results)
    for bar in bars:
        print(bar.line())
    return bars


def describe_answers(targets: Targets) -> str:
    """One answer from each target: the same rows must come back, or the comparison means nothing."""
    bodies = [httpx.get(url, headers=headers, timeout=10).raise_for_status().content
              for url, headers in targets.values()]
    rows = len(json.loads(bodies[0])["items"])
    same = "the same" if all(body == bodies[0] for body in bodies) else "DIFFERENT"
    return f"  answer: {rows} rows, {len(bodies[0]) / 1000:.1f} kB, {same} from every target"


def measure_all(targets: Targets) -> Results:
    """Every (level, target) pair once per round, so slow drifts of the machine fall on all alike."""
    pairs = [(name, level) for level in LEVELS for name in targets]
    slices: dict[tuple[str, int], list[Result]] = {pair: [] for pair in pairs}
    for round_number in range(ROUNDS):
        for level in rotated(LEVELS, round_number):
            for name in rotated(targets, round_number):
                url, headers = targets[name]
                slices[name, level].append(measure(Load(url, headers, level, SLICE_SECONDS, WARMUP)))
        print(f"  round {round_number + 1} of {ROUNDS} done", flush=True)
    results = {pair: combine(parts) for pair, parts in slices.items()}
    print(HEADER)
    for name, level in pairs:
        print(row(name, level, results[name, level]))
    return results


def rotated(items, shift: int) -> list:
    items = list(items)
    return items[shift % len(items):] + items[:shift % len(items)]


def throughput_ratio(results: Results, gateway: str, level: int) -> float:
    return results[gateway, level].rps / results[DIRECT, level].rps


def added_p50(results: Results, gateway: str) -> float:
    return results[gateway, 1].percentile(0.5) - results[DIRECT, 1].percentile(0.5)


def print_ratios(results: Results) -> None:
    print()
    ratios = "  ".join(f"{level:>2} conns {throughput_ratio(results, GATEWAY, level):.2f}" for level in LEVELS)
    print(f"  gateway/direct throughput: {ratios};  added p50 at 1 conn: {ms(added_p50(results, GATEWAY))} ms")
    top, middle = LEVELS[-1], LEVELS[-2]
    falls = ", ".join(f"{name} {results[name, middle].rps:.0f} -> {results[name, top].rps:.0f}"
                      for name in (DIRECT, GATEWAY))
    print(f"  rps from {middle} to {top} conns: {falls}\n")


def check(results: Results) -> list[Bar]:
    top, middle = LEVELS[-1], LEVELS[-2]
    ratio = throughput_ratio(results, GATEWAY, top)
    added = added_p50(results, GATEWAY)
    rps_middle, rps_top = results[GATEWAY, middle].rps, results[GATEWAY, top].rps
    slowest = max(result.max_latency for result in results.values())
    errors = sum(result.errors for result in results.values())
    return [
        Bar(f"{GATEWAY} keeps >= {MIN_THROUGHPUT_RATIO} of direct throughput at {top} conns",
            ratio >= MIN_THROUGHPUT_RATIO, f"{ratio:.2f}"),
        Bar(f"{GATEWAY} adds <= {ms(MAX_ADDED_P50)} ms to p50 at 1 conn", added <= MAX_ADDED_P50,
            f"{ms(added)} ms"),
        Bar(f"{GATEWAY} throughput does not fall from {middle} to {top} conns (beyond {NOISE:.0%} noise)",
            rps_top >= rps_middle * (1 - NOISE),
            f"{rps_middle:.0f} -> {rps_top:.0f} rps"),
        Bar(f"no request over {MAX_LATENCY:.0f} s", slowest <= MAX_LATENCY, f"slowest {ms(slowest)} ms"),
        Bar("every response was 200", errors == 0, f"{errors} errors"),
    ]
