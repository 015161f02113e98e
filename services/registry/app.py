"""The registry service: villages, their organizations, classes, designations and yearly figures."""

from fastapi import FastAPI

from services.common.application import build_service_app
from services.registry import routes_catalogue, routes_imports, routes_organizations, routes_units
from services.registry.settings import RegistrySettings, get_settings


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    return build_service_app(
        settings or get_settings(), title="Zhenxing registry",
        description="Administrative units, collective economic organizations, classifications, "
                    "designations and yearly statistics (村庄名录).",
        routers=[routes_units.router, routes_organizations.router, routes_catalogue.router,
                 routes_imports.router],
        hot_gets={"/v1/units": routes_units.list_units})
