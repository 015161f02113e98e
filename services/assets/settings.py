"""Settings of the assets service (environment prefix ASSETS_)."""

from functools import cache

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class AssetsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSETS_", extra="ignore")

    service_name: str = "assets"
    # The registry this service reads units, organizations and statistics from, with the caller's token.
    registry_url: str = "http://127.0.0.1:8001"
    # Per call to the registry; a plan reads a few pages. Kept short so that reading and solving
    # together finish inside the gateway's upstream_timeout (see the limits table in README.md).
    registry_timeout: float = 5.0
    # A plan's reads of the registry together (a city's 20,000 organizations are 40 pages), then the
    # whole solve of its proposal (selection and teams): the best plan found by then, or a 422.
    plan_read_seconds: float = 5.0
    plan_solve_seconds: float = 15.0
    # One ledger import (checking, reading the registry for its organizations, applying); past it all
    # rolls back and the caller gets a 504 saying so.
    import_seconds: float = 20.0
    # The district whose organizations the annual audit plan covers (门头沟区 in the demo).
    district_code: str = "110109000000"
    # Evidence (证据材料): the largest file taken, and the most pixels an image may have (decompression bombs).
    evidence_max_bytes: int = 15 * 1024 * 1024
    evidence_max_pixels: int = 50_000_000


@cache
def get_settings() -> AssetsSettings:
    return AssetsSettings()
