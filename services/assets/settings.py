"""Settings of the assets service (environment prefix ASSETS_)."""

from functools import cache

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class AssetsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSETS_", extra="ignore")

    service_name: str = "assets"


@cache
def get_settings() -> AssetsSettings:
    return AssetsSettings()
