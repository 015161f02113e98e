"""The gateway's clients to the services, and the one place their failures become gateway errors."""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from httpx_aiohttp import AiohttpTransport

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
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise ServiceUnavailable(service, f"The {service} service cannot be reached; try again shortly.") from exc
    except httpx.TimeoutException as exc:
        raise ServiceTimeout(service, f"The {service} service did not answer in time.") from exc
    except httpx.HTTPError as exc:
        raise BadGateway(service, f"The {service} service gave a broken answer.") from exc


def make_clients(settings: GatewaySettings) -> dict[str, httpx.AsyncClient]:
    """One pooled client per service, kept for the life of the process."""
    timeout = httpx.Timeout(settings.upstream_timeout, connect=settings.connect_timeout)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=128, keepalive_expiry=30)
    clients = {}
    for name, url in settings.service_urls().items():
        transport = (AiohttpTransport(limits=limits, trust_env=False)
                     if settings.proxy_transport == "aiohttp" else
                     httpx.AsyncHTTPTransport(limits=limits, trust_env=False))
        clients[name] = httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport,
                                          trust_env=False)
    return clients
