"""The platform under measurement: the four real processes on SQLite files in a temporary folder."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from services.common import audit
from services.common.database import make_engine
from services.common.migrate import upgrade
from services.common.tokens import Principal, TokenSigner
from tests.platform import APPS, Platform

AUDIT_PATH = "/v1/audit?limit=100"
AUDIT_ROWS = 100
ISSUER = "zhenxing-gateway"
# Long enough to outlive the whole run; the service caches the verified token like the gateway's.
DIRECT_TOKEN_SECONDS = 3600


@dataclass
class Stack:
    platform: Platform
    api_key: str

    @property
    def registry_url(self) -> str:
        return self.platform.url("registry")

    def direct_headers(self) -> dict[str, str]:
        """What the gateway would send the registry: a token it signed for an admin."""
        pem = (self.platform.var_dir / "keys" / "gateway-private.pem").read_text()
        signer = TokenSigner(pem, ISSUER, seconds=DIRECT_TOKEN_SECONDS)
        token = signer.sign(Principal(subject="api:bench", role="admin", kind="api_client"), "registry")
        return {"Authorization": f"Bearer {token}"}

    def gateway_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def fill_audit(database_url: str, rows: int) -> None:
    """Writes `rows` audit records the way a service does, in one transaction."""
    with Session(make_engine(database_url, pool_size=1)) as session, session.begin():
        for number in range(rows):
            audit.record(session, actor="bench", action="update", entity="unit", entity_id=str(number),
                         before={"name": f"村 {number}"}, after={"name": f"村 {number} (renamed)"})


@contextmanager
def running_stack() -> Iterator[Stack]:
    """Fresh databases, ~100 audit rows in the registry, the four processes and an admin API key."""
    with tempfile.TemporaryDirectory(prefix="zx-bench-") as tmp:
        var_dir = Path(tmp)
        urls = {name: f"sqlite:///{var_dir / name}.db" for name in APPS}
        upgrade("registry", urls["registry"])
        fill_audit(urls["registry"], AUDIT_ROWS)
        platform = Platform(var_dir=var_dir, database_urls=urls)
        try:
            platform.start_all()
            key = platform.cli("create-api-key", "--name", "bench", "--role", "admin").stdout.strip()
            yield Stack(platform, key)
        finally:
            platform.stop_all()
