"""Property-based runs of schemathesis against each service's own OpenAPI: no 5xx, no broken schema."""

from contextlib import ExitStack

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from services.assessment.app import create_app as assessment_app
from services.assessment.settings import AssessmentSettings
from services.assets.app import create_app as assets_app
from services.assets.settings import AssetsSettings
from services.common.migrate import upgrade
from services.registry.app import create_app as registry_app
from services.registry.settings import RegistrySettings

pytestmark = pytest.mark.db

SERVICES = {"registry": (registry_app, RegistrySettings), "assessment": (assessment_app, AssessmentSettings),
            "assets": (assets_app, AssetsSettings)}


def _app(name: str, databases, key_dir, tmp_path):
    create_app, settings_class = SERVICES[name]
    url = databases.new(f"fuzz_{name}")
    upgrade(name, url)
    return create_app(settings_class(database_url=url, var_dir=tmp_path, log_level="ERROR",
                                     token_public_key=(key_dir / "gateway-public.pem").read_text()))


def _fuzz(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

    run()


@pytest.mark.parametrize("name", list(SERVICES))
def test_no_server_error_and_responses_match_the_schema(name, databases, key_dir, tmp_path, token_for):
    app = _app(name, databases, key_dir, tmp_path)
    with ExitStack() as stack:
        if name in ("assets", "assessment"):  # they read the registry: give them a real one, in-process
            registry = stack.enter_context(TestClient(_app("registry", databases, key_dir, tmp_path)))
            app.state.registry_client = registry
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert operations, "the service publishes no operations"
        for operation in operations:
            _fuzz(operation, token_for("admin", audience=name))
