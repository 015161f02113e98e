"""Settings of the assessment service (environment prefix ASSESSMENT_)."""

from functools import cache

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class AssessmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSESSMENT_", extra="ignore")

    service_name: str = "assessment"
    # The registry this service gathers statistics, classes and designations from, with the caller's token.
    registry_url: str = "http://127.0.0.1:8001"
    registry_timeout: float = 10.0
    # The assets service whose finding measures (per village and year) a period also gathers.
    assets_url: str = "http://127.0.0.1:8003"
    assets_timeout: float = 10.0
    # All the reads of one gathering together; past it nothing is stored and the caller gets a 504
    # saying so. Below the gateway's upstream_timeout (see the limits table in README.md).
    gather_seconds: float = 20.0


@cache
def get_settings() -> AssessmentSettings:
    return AssessmentSettings()
