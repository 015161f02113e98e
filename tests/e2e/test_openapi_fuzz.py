"""Schemathesis against each service's OpenAPI, through the gateway of the four real processes.

It fails on any 5xx, any status or content type the OpenAPI does not document, any body that
breaks its documented schema, and any input the schema forbids that is accepted. Bounded in time:
each service gets `ZX_FUZZ_SECONDS` (20 by default, about 1.6 min in all with the start); raise
it, and `ZX_FUZZ_WORKERS`, for a long run (400 s and 2 workers: about 55,000 requests), e.g.

    ZX_TEST_DB=postgres ZX_FUZZ_SECONDS=400 ZX_FUZZ_WORKERS=2 \
        .venv/bin/python -m pytest -q -s tests/e2e/test_openapi_fuzz.py
"""

import os

import pytest

from tests.e2e.fuzzing import FuzzRun, run_schemathesis
from tests.platform import Platform

pytestmark = pytest.mark.db

SERVICES = ("registry", "assessment", "assets")
SECONDS = int(os.environ.get("ZX_FUZZ_SECONDS", "20"))


@pytest.fixture(scope="module")
def fuzzed_platform(databases, tmp_path_factory):
    """A platform of its own: the fuzzer edits and creates records the other e2e tests read."""
    urls = {name: databases.new(f"fuzz_{name}") for name in ("gateway", *SERVICES)}
    running = Platform(var_dir=tmp_path_factory.mktemp("fuzz"), database_urls=urls)
    running.start_all()
    key = running.cli("create-api-key", "--name", "fuzzer", "--role", "admin").stdout.strip()
    yield running, key
    running.stop_all()


@pytest.mark.timeout(SECONDS * 2 + 240)  # a long run outlasts the suite's usual limit
@pytest.mark.parametrize("service", SERVICES)
def test_every_answer_is_documented_and_none_is_a_server_error(service, fuzzed_platform, tmp_path):
    platform, key = fuzzed_platform
    run: FuzzRun = run_schemathesis(platform.gateway, service, key, tmp_path,
                                    seconds=SECONDS,
                                    workers=int(os.environ.get("ZX_FUZZ_WORKERS", "1")))
    print(f"\n{service}: {run.summary()}")
    assert run.requests > 0, run.output_tail
    assert run.exit_code == 0 and not run.failures, run.output_tail
