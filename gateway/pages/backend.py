"""Pages ask the services over HTTP, as the signed-in person, through the same pooled clients."""

from typing import Any

import httpx
from fastapi import Request

from gateway.upstream import BadGateway, upstream_errors
from services.common.errors import Forbidden
from services.common.tokens import Principal


async def call(request: Request, principal: Principal, service: str, method: str, path: str,
               **kwargs: Any) -> httpx.Response:
    """One request to a service; connection failures raise the gateway's 502/503/504 errors."""
    token = request.app.state.tokens.token(principal, service)
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": request.state.request_id,
               **kwargs.pop("headers", {})}
    with upstream_errors(service):
        return await request.app.state.upstreams[service].client.request(method, path, headers=headers, **kwargs)


async def get_json(request: Request, principal: Principal, service: str, path: str, **params: Any) -> Any:
    """A read that must succeed; a 404 from the service becomes None."""
    response = await call(request, principal, service, "GET", path,
                          params={k: v for k, v in params.items() if v not in (None, "")})
    if response.status_code == 404:
        return None
    if response.status_code == 403:
        raise Forbidden(response.json().get("detail", ""), code="forbidden_upstream")
    if response.status_code >= 400:
        raise BadGateway(service, f"The {service} service refused the request ({response.status_code}).")
    return response.json()


def localized(message: str, lang: str) -> str:
    """Services write bilingual messages as "中文 / English"; a page shows the reader's half."""
    if " / " not in message:
        return message
    chinese, english = message.split(" / ", 1)
    return chinese if lang == "zh" else english
