"""The gateway's connection pools to the services, and the one place their failures become gateway errors.

Each service gets one aiohttp session: the proxy uses it directly (measured: about half the
gateway's CPU per request of httpx's API on top, which re-parses URLs and runs a cookie jar on
every answer), and the pages use httpx's API on the same pool through the aiohttp transport.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from yarl import URL

from gateway.settings import GatewaySettings
from services.common.errors import DomainError


class UpstreamError(DomainError):
    """A service could not answer; the problem names it."""

    def __init__(self, service: str, detail: str):
        super().__init__(detail, extra={"service": service})


class ServiceUnavailable(UpstreamError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class ServiceTimeout(UpstreamError):
    status, code, title = 504, "service_timeout", "Service timed out"


class BadGateway(UpstreamError):
    status, code, title = 502, "bad_gateway", "Bad answer from service"


@contextmanager
def upstream_errors(service: str) -> Iterator[None]:
    """Maps both clients' failures: cannot connect 503, too slow 504, anything else broken 502."""
    try:
        yield
    except (aiohttp.ClientConnectorError, httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
            aiohttp.ConnectionTimeoutError) as exc:
        raise ServiceUnavailable(service, f"The {service} service cannot be reached; try again shortly.") from exc
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise ServiceTimeout(service, f"The {service} service did not answer in time.") from exc
    except (aiohttp.ClientError, httpx.HTTPError) as exc:
        raise BadGateway(service, f"The {service} service gave a broken answer.") from exc


@dataclass
class Upstream:
    name: str
    base: str
    session: aiohttp.ClientSession
    client: httpx.AsyncClient
    timeout: aiohttp.ClientTimeout

    def url(self, raw_path: bytes, query: bytes) -> URL:
        text = self.base + raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        return URL(text, encoded=True)

    async def close(self) -> None:
        await self.client.aclose()
        await self.session.close()


def make_upstreams(settings: GatewaySettings) -> dict[str, Upstream]:
    """One pool per service, kept for the life of the process; call inside the running loop."""
    upstreams = {}
    for name, url in settings.service_urls().items():
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=settings.upstream_connections, keepalive_timeout=30),
            cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"))
        # `connect` bounds the wait for one of the pool's connections too: a service kept busy answers 503.
        timeout = aiohttp.ClientTimeout(total=None, connect=settings.upstream_timeout,
                                        sock_connect=settings.connect_timeout, sock_read=settings.upstream_timeout)
        client = httpx.AsyncClient(base_url=url, transport=AiohttpTransport(client=session, trust_env=False),
                                   timeout=httpx.Timeout(settings.upstream_timeout, connect=settings.connect_timeout),
                                   trust_env=False)
        upstreams[name] = Upstream(name, url.rstrip("/"), session, client, timeout)
    return upstreams
