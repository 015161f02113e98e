"""The unit list is the registry's hot path: it skips the router, never the middleware."""

import pytest
import structlog
from fastapi.testclient import TestClient
from structlog.testing import LogCapture

from services.common.logging import configure_logging
from services.common.migrate import upgrade
from services.registry.app import create_app
from services.registry.settings import RegistrySettings

pytestmark = pytest.mark.db


class Stamp:
    """A middleware added after the app is built, as a later change might add one."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def stamped(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-stamped", b"yes")]
            await send(message)

        await self.app(scope, receive, stamped)


@pytest.fixture
def stamped_registry(databases, key_dir, tmp_path):
    url = databases.new("hot_path")
    upgrade("registry", url)
    app = create_app(RegistrySettings(database_url=url, var_dir=tmp_path, log_level="INFO", log_json=True,
                                      token_public_key=(key_dir / "gateway-public.pem").read_text()))
    app.add_middleware(Stamp)
    with TestClient(app) as client:
        yield client


def test_a_middleware_added_later_applies_to_the_hot_path_and_to_the_routes(stamped_registry, token_for):
    headers = token_for("viewer", audience="registry")
    hot = stamped_registry.get("/v1/units", headers=headers)
    routed = stamped_registry.get("/v1/metrics", headers=headers)
    assert hot.status_code == routed.status_code == 200
    assert hot.headers["x-stamped"] == routed.headers["x-stamped"] == "yes"


def test_the_hot_path_refuses_a_caller_without_a_token_as_the_routes_do(stamped_registry):
    hot = stamped_registry.get("/v1/units")
    assert hot.status_code == 401 and hot.headers["content-type"] == "application/problem+json"
    assert hot.json()["code"] == stamped_registry.get("/v1/metrics").json()["code"]


def test_the_hot_path_keeps_the_request_id_and_logs_its_line(stamped_registry, token_for):
    captured = LogCapture()
    structlog.configure(processors=[structlog.contextvars.merge_contextvars, captured])
    try:
        answer = stamped_registry.get("/v1/units", headers={**token_for("viewer", audience="registry"),
                                                              "X-Request-ID": "hot-path-0001"})
    finally:
        configure_logging("WARNING")
    assert answer.headers["x-request-id"] == "hot-path-0001"
    mine = [e for e in captured.entries if e.get("request_id") == "hot-path-0001" and e["event"] == "request"]
    assert mine and mine[0]["path"] == "/v1/units" and mine[0]["status"] == 200


def test_a_nul_byte_on_the_hot_path_is_422_naming_the_parameter(stamped_registry, token_for):
    answer = stamped_registry.get("/v1/units", params={"q": "a\x00b"}, headers=token_for("viewer", audience="registry"))
    assert answer.status_code == 422 and "q" in answer.text
