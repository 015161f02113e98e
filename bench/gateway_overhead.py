"""What the gateway costs: the same audit page read from the registry directly and through the gateway.

At each concurrency level every target is measured in turn, in the same run, against the same
registry process: the registry directly (with a token the gateway would have signed), the gateway
with its default proxy transport, and a second gateway process with the other transport, so that
the choice of transport rests on a measurement.
"""

from bench.load import Load, Result, measure
from bench.report import HEADER, Bar, ms, row, title
from bench.stack import AUDIT_PATH, Stack, extra_gateway
from gateway.settings import GatewaySettings

LEVELS = (1, 16, 64)
SECONDS = 6.0
WARMUP = 1.0
MIN_THROUGHPUT_RATIO = 0.7
MAX_ADDED_P50 = 0.0005
MAX_LATENCY = 5.0

DIRECT = "direct"
DEFAULT_TRANSPORT = GatewaySettings.model_fields["proxy_transport"].default
OTHER_TRANSPORT = "httpx" if DEFAULT_TRANSPORT == "aiohttp" else "aiohttp"
GATEWAY = f"gateway {DEFAULT_TRANSPORT}"
OTHER = f"gateway {OTHER_TRANSPORT}"

Results = dict[tuple[str, int], Result]


def run(stack: Stack) -> list[Bar]:
    title(f"gateway overhead: GET {AUDIT_PATH} ({SECONDS:.0f} s per level after {WARMUP:.0f} s warm-up)")
    proxied = "/api/registry" + AUDIT_PATH
    with extra_gateway(stack.platform, OTHER_TRANSPORT) as other_url:
        targets = {DIRECT: (stack.registry_url + AUDIT_PATH, stack.direct_headers()),
                   GATEWAY: (stack.platform.gateway + proxied, stack.gateway_headers()),
                   OTHER: (other_url + proxied, stack.gateway_headers())}
        results = measure_all(targets)
    print_ratios(results)
    bars = check(results)
    for bar in bars:
        print(bar.line())
    return bars


def measure_all(targets: dict[str, tuple[str, dict[str, str]]]) -> Results:
    print(HEADER)
    results: Results = {}
    for level in LEVELS:
        for name, (url, headers) in targets.items():
            results[name, level] = measure(Load(url, headers, level, SECONDS, WARMUP))
            print(row(name, level, results[name, level]), flush=True)
    return results


def throughput_ratio(results: Results, gateway: str, level: int) -> float:
    return results[gateway, level].rps / results[DIRECT, level].rps


def added_p50(results: Results, gateway: str) -> float:
    return results[gateway, 1].percentile(0.5) - results[DIRECT, 1].percentile(0.5)


def print_ratios(results: Results) -> None:
    print()
    for gateway in (GATEWAY, OTHER):
        ratios = "  ".join(f"{level:>2} conns {throughput_ratio(results, gateway, level):.2f}"
                           for level in LEVELS)
        print(f"  {gateway:<18}gateway/direct throughput: {ratios};  "
              f"added p50 at 1 conn: {ms(added_p50(results, gateway))} ms")
    top = LEVELS[-1]
    print(f"  transports: {OTHER_TRANSPORT}/{DEFAULT_TRANSPORT} throughput at {top} conns "
          f"{results[OTHER, top].rps / results[GATEWAY, top].rps:.2f}; p50 at 1 conn "
          f"{ms(results[OTHER, 1].percentile(0.5))} vs {ms(results[GATEWAY, 1].percentile(0.5))} ms\n")


def check(results: Results) -> list[Bar]:
    """The bars hold for the gateway as configured by default; the other transport is shown only."""
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
        Bar(f"{GATEWAY} throughput does not fall from {middle} to {top} conns", rps_top >= rps_middle,
            f"{rps_middle:.0f} -> {rps_top:.0f} rps"),
        Bar(f"no request over {MAX_LATENCY:.0f} s", slowest <= MAX_LATENCY, f"slowest {ms(slowest)} ms"),
        Bar("every response was 200", errors == 0, f"{errors} errors"),
    ]
