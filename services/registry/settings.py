"""Settings of the registry service (environment prefix REGISTRY_)."""

from functools import cache

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    service_name: str = "registry"
    # One import (checking and applying every row); past it all rolls back and the caller gets a 504
    # saying so. Below the gateway's upstream_timeout: at the bench's 5,000 rows/s about 100,000 rows.
    import_seconds: float = 20.0


@cache
def get_settings() -> RegistrySettings:
    return RegistrySettings()
