"""Settings of the assets service (environment prefix ASSETS_)."""

from functools import cache

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class AssetsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSETS_", extra="ignore")

    service_name: str = "assets"
    # The registry this service reads units, organizations and statistics from, with the caller's token.
    registry_url: str = "http://127.0.0.1:8001"
    registry_timeout: float = 20.0
    # The district whose organizations the annual audit plan covers (门头沟区 in the demo).
    district_code: str = "110109000000"


@cache
def get_settings() -> AssetsSettings:
    return AssetsSettings()
