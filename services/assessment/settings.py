"""Settings of the assessment service (environment prefix ASSESSMENT_)."""

from functools import cache

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class AssessmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSESSMENT_", extra="ignore")

    service_name: str = "assessment"


@cache
def get_settings() -> AssessmentSettings:
    return AssessmentSettings()
