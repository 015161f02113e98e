"""Bars a benchmark checks, and the lines it prints."""

from dataclasses import dataclass

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
