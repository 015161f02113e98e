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
    # Evidence (证据材料): the largest file taken, and the most pixels an image may have (decompression bombs).
    evidence_max_bytes: int = 15 * 1024 * 1024
    evidence_max_pixels: int = 50_000_000


@cache
def get_settings() -> AssetsSettings:
    return AssetsSettings()
