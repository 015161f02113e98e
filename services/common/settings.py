"""Settings every process shares; each service subclasses with its own env prefix."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class ServiceSettings(BaseSettings):
    """What a service needs to run: where its data lives and whom it trusts."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    var_dir: Path = ROOT / "var"
    database_url: str = ""
    # The gateway's public key (PEM). Empty: read var_dir/keys/gateway-public.pem.
    token_public_key: str = ""
    token_issuer: str = "zhenxing-gateway"
    log_level: str = "INFO"
    log_json: bool = True

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.var_dir / (self.service_name + '.db')}"

    def public_key_pem(self) -> str:
        if self.token_public_key:
            return self.token_public_key
        return (self.var_dir / "keys" / "gateway-public.pem").read_text()
