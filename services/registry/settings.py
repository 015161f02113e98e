"""Settings of the registry service (environment prefix REGISTRY_)."""

from functools import cache

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"


@cache
def get_settings() -> RegistrySettings:
    return RegistrySettings()
