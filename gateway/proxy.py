"""`/api/<service>/<path>`: the services' APIs behind the gateway's sign-in, with a signed token."""

import time

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from gateway.principals import ApiPrincipal, web_session
from gateway.security import CSRF_HEADER, check_csrf
from gateway.upstream import upstream_errors
from services.common.errors import NotFound
from services.common.tokens import Principal, TokenSigner

router = APIRouter(tags=["proxy"])

# Hop-by-hop headers (RFC 9110 7.6.1) and what the gateway sets itself.
_DROP_REQUEST = {b"host", b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade",
                 b"proxy-authorization", b"authorization", b"cookie", b"content-length"}
_DROP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length",
                  "server", "date"}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class TokenCache:
    """Signs a principal's token once and reuses it for half its life."""

    def __init__(self, signer: TokenSigner):
        self.signer = signer
        self.tokens: dict[tuple, tuple[float, str]] = {}

    def token(self, principal: Principal, audience: str) -> str:
        key = (principal.kind, principal.subject, principal.role, principal.towns, audience)
        entry = self.tokens.get(key)
        now = time.time()
        if entry and entry[0] > now:
            return entry[1]
        if len(self.tokens) > 10_000:
            self.tokens.clear()
        token = self.signer.sign(principal, audience, now)
        self.tokens[key] = (now + self.signer.seconds / 2, token)
        return token


def _forward_headers(request: Request, token: str) -> list[tuple[bytes, bytes]]:
    headers = [(k, v) for k, v in request.headers.raw if k not in _DROP_REQUEST]
    headers.append((b"authorization", b"Bearer " + token.encode()))
    headers.append((b"x-request-id", request.state.request_id.encode()))
    headers.append((b"x-forwarded-for", (request.client.host if request.client else "").encode()))
    return headers


@router.api_route("/api/{service}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
async def proxy(service: str, path: str, request: Request, principal: ApiPrincipal) -> StreamingResponse:
    clients = request.app.state.upstreams
    if service not in clients:
        raise NotFound(f"There is no service '{service}'.", code="unknown_service")
    if request.state.via_cookie and request.method in _UNSAFE:
        found = web_session(request)
        check_csrf(request, found[0].csrf_token if found else None, request.headers.get(CSRF_HEADER))
    token = request.app.state.tokens.token(principal, service)
    client = clients[service]
    body = request.stream() if request.method in _UNSAFE else None
    upstream_request = client.build_request(request.method, "/" + path, params=request.url.query or None,
                                            headers=_forward_headers(request, token), content=body)
    with upstream_errors(service):
        response = await client.send(upstream_request, stream=True)
    headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROP_RESPONSE}
    return StreamingResponse(_relay(response, service), status_code=response.status_code, headers=headers,
                             background=BackgroundTask(response.aclose))


async def _relay(response, service: str):
    with upstream_errors(service):
        async for chunk in response.aiter_raw():
            yield chunk
