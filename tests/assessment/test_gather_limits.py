"""A gathering ends inside the gateway's patience: within its own limit, or with a 504 and nothing stored."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.settings import GatewaySettings
from services.assessment import inputs
from services.assessment.settings import AssessmentSettings
from tests.assessment.conftest import make_scheme

pytestmark = pytest.mark.db
# Opening the period and storing the snapshot, beside the reads: well under a second at the demo size.
WRITE_MARGIN = 5.0


def test_the_gathering_and_its_margin_end_before_the_gateway_gives_up():
    settings = AssessmentSettings()
    assert settings.gather_seconds + WRITE_MARGIN < GatewaySettings().upstream_timeout
    assert max(settings.registry_timeout, settings.assets_timeout) <= settings.gather_seconds


def test_a_gathering_past_its_limit_is_a_504_and_stores_nothing(assessment, officer):
    assessment.app.state.settings = assessment.app.state.settings.model_copy(update={"gather_seconds": 0.0001})
    period = assessment.post("/v1/periods", json={"district_code": "110109000000", "year": 2025}, headers=officer)
    started = time.perf_counter()
    response = assessment.post(f"/v1/periods/{period.json()['id']}/inputs", headers=officer)
    assert response.status_code == 504 and response.json()["code"] == "time_limit", response.text
    assert time.perf_counter() - started < 2
    assert assessment.get(f"/v1/periods/{period.json()['id']}/inputs", headers=officer).status_code == 422


def test_a_write_during_a_gathering_goes_through(assessment, officer, monkeypatch):
    reading, written = threading.Event(), threading.Event()
    read = inputs.read_registry

    def slow_read(*args, **kwargs):
        reading.set()
        assert written.wait(20), "the write waited for the gathering"
        return read(*args, **kwargs)

    monkeypatch.setattr(inputs, "read_registry", slow_read)
    period = assessment.post("/v1/periods", json={"district_code": "110109000000", "year": 2025}, headers=officer)
    with ThreadPoolExecutor(1) as pool:
        gathered = pool.submit(assessment.post, f"/v1/periods/{period.json()['id']}/inputs", headers=officer)
        assert reading.wait(20)
        make_scheme(assessment, officer, publish=False)
        written.set()
        assert gathered.result().status_code == 201, gathered.result().text
