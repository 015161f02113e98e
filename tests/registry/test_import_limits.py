"""An import ends inside the gateway's patience: within its limit, or with a 504 and nothing applied."""

import pytest

from gateway.settings import GatewaySettings
from services.registry.settings import RegistrySettings
from tests.registry.test_imports import UNIT_HEADER, changes, csv_file, upload, village

pytestmark = pytest.mark.db
WRITE_MARGIN = 5.0  # committing what the import applied, beside the checking and applying


def test_an_import_and_its_margin_end_before_the_gateway_gives_up():
    assert RegistrySettings().import_seconds + WRITE_MARGIN < GatewaySettings().upstream_timeout


def test_an_import_past_its_limit_is_a_504_and_applies_nothing(district, admin):
    registry = district
    registry.app.state.settings = registry.app.state.settings.model_copy(update={"import_seconds": 0.0})
    before = changes(registry, admin)
    response = upload(registry, admin, "units", csv_file([UNIT_HEADER, village("110109104210", "新村")]))
    assert response.status_code == 504 and response.json()["code"] == "time_limit", response.text
    assert changes(registry, admin) == before
    assert registry.get("/v1/units/110109104210", headers=admin).status_code == 404
