"""Settings of the gateway (environment prefix GATEWAY_)."""

from functools import cache

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    registry_url: str = "http://127.0.0.1:8001"
    assessment_url: str = "http://127.0.0.1:8002"
    assets_url: str = "http://127.0.0.1:8003"
    # The private signing key (PEM). Empty: var_dir/keys/gateway-private.pem, made on first run.
    token_private_key: str = ""
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # None: Secure cookies exactly when the request came over HTTPS.
    cookie_secure: bool | None = None
    login_max_failures: int = 5
    login_window_minutes: int = 15
    lockout_minutes: int = 15
    connect_timeout: float = 1.0
    upstream_timeout: float = 30.0
    # Connections to each service: more callers than this wait in the gateway, so a service works
    # at the concurrency it serves best (measured: the registry's rps fell 22% from 16 to 64).
    upstream_connections: int = 16
    # How long a verified API key is trusted before it is looked up again (revocation delay).
    api_key_cache_seconds: float = 2.0
    session_cache_seconds: float = 2.0

    def service_urls(self) -> dict[str, str]:
        return {"registry": self.registry_url, "assessment": self.assessment_url, "assets": self.assets_url}


@cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
