"""`make test`: the guards, the whole suite on SQLite, then the database tests again on PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

from tests.databases import postgres_reachable

IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parents[1]


def pytest(*args: str, **env: str) -> int:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]
    print("\n$ " + " ".join(f"{k}={v}" for k, v in env.items()) + " " + " ".join(command[2:]), flush=True)
    return subprocess.call(command, env={**os.environ, **env})


def tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def errors_only(mypy_output: str) -> str:
    """mypy's errors without its notes, which differ with and without its cache."""
    return "".join(line for line in mypy_output.splitlines(keepends=True) if ": note:" not in line)


def guards() -> int:
    """ruff, import-linter's layer contracts, and mypy against its shrinking baseline; all must pass."""
    failed = 0
    for command in ([tool("ruff"), "check", "."], [tool("lint-imports"), "--no-cache"]):
        print("\n$ " + " ".join(command[:1] + command[1:]), flush=True)
        failed |= subprocess.call(command, cwd=ROOT)
    print("\n$ mypy | mypy-baseline filter", flush=True)
    mypy = subprocess.run([tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    failed |= subprocess.run([tool("mypy-baseline"), "filter", "--no-colors", "--hide-stats"], cwd=ROOT,
                             input=errors_only(mypy.stdout), text=True).returncode
    return failed


def main() -> int:
    extra = sys.argv[1:]
    if guards():
        print("FAILED: a guard above found a problem.", flush=True)
        return 1
    sqlite = pytest(*extra, ZX_TEST_DB="sqlite")
    reason = postgres_reachable()
    if reason:
        message = f"PostgreSQL not reachable ({reason}): set TEST_POSTGRES_URL to run the database tests on it."
        print(("FAILED: " if IN_CI else "SKIPPED: ") + message, flush=True)
        return 1 if IN_CI or sqlite else 0
    postgres = pytest("-m", "db", *extra, ZX_TEST_DB="postgres")
    # pytest exits 5 when it selects nothing; that is a failure of ours, not a pass.
    return sqlite or postgres


if __name__ == "__main__":
    sys.exit(main())
