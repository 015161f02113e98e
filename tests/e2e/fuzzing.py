"""Running the schemathesis command against one service through the gateway, and reading its results."""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.platform import ROOT

# negative_data_rejection: input the OpenAPI forbids (`?on=0`, `"active": 0`) must be refused.
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "negative_data_rejection")


@dataclass
class FuzzRun:
    exit_code: int
    seconds: float
    statuses: Counter
    failures: list[dict]
    output_tail: str

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        kinds = ", ".join(f"{f['code']} {f['title']}: {f['count']}" for f in self.failures) or "none"
        by_status = " ".join(f"{s}x{n}" for s, n in sorted(self.statuses.items()))
        return (f"{self.requests} requests in {self.seconds:.0f} s, {self.server_errors} answered 5xx; "
                f"failures: {kinds}; statuses: {by_status}")


def run_schemathesis(gateway: str, service: str, api_key: str, work_dir: Path, *, seconds: int,
                     workers: int = 1) -> FuzzRun:
    """Every operation of `service`, through `gateway`, for about `seconds` (all phases)."""
    log, report = work_dir / f"{service}-responses.log", work_dir / f"{service}-report.json"
    base = f"{gateway}/api/{service}"  # the service's OpenAPI paths lack the gateway's prefix
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.json", "--url", base,
               "-H", f"Authorization: Bearer {api_key}", "--checks", ",".join(CHECKS),
               "--max-examples", "5", "--max-time", str(seconds), "--workers", str(workers),
               "--request-timeout", "60", "--suppress-health-check", "all", "--no-color",
               "--report", "json", "--report-json-path", str(report), "--report-dir", str(work_dir)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.fuzz_hooks", "ZX_FUZZ_LOG": str(log),
           "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    # The budget is schemathesis's own; the timeout only stops a run that hangs.
    # Its output quotes the bodies sent and received, which need not be UTF-8.
    done = subprocess.run(command, cwd=work_dir, env=env, capture_output=True, encoding="utf-8", errors="replace",
                          timeout=seconds * 3 + 120)
    elapsed = time.monotonic() - started
    (work_dir / f"{service}-output.txt").write_text(done.stdout + done.stderr)
    statuses = Counter(int(line.split()[0]) for line in log.read_text().splitlines()) if log.exists() else Counter()
    written = report.exists() and report.stat().st_size > 0  # empty when schemathesis itself failed
    failures = json.loads(report.read_text())["failures"] if written else [{"code": "-", "title": "no report",
                                                                                 "count": 1}]
    return FuzzRun(done.returncode, elapsed, statuses, failures, (done.stdout + done.stderr)[-20000:])
