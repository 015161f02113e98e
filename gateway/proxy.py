"""`/api/<service>/<path>`: the services' APIs behind the gateway's sign-in, with a signed token.

Answered before the gateway's FastAPI stack (`HotPathApp.hot_prefix`): the middleware layers and
the router that pages need cost about half of the gateway's CPU per proxied request here.
"""

import time

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.auth.principals import api_principal, web_session
from gateway.auth.security import CSRF_HEADER, check_csrf
from gateway.upstream import Upstream, upstream_errors
from services.common.errors import MethodNotAllowed, NotFound
from services.common.tokens import Principal, TokenSigner

# Hop-by-hop headers (RFC 9110 7.6.1) and what the gateway sets itself. A Content-Length is kept:
# the body streams through with it (aiohttp sends chunked only when the caller did), so a service
# can refuse a too large upload before reading it.
_DROP_REQUEST = {b"host", b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade",
                 b"proxy-authorization", b"authorization", b"cookie", b"x-request-id"}
_DROP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "server", "date"}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_METHODS = {"GET", "HEAD", *_UNSAFE}
PREFIX = "/api/"
# Answers up to this size are read whole and sent with their length: fewer writes, fewer tasks.
BUFFER_LIMIT = 1024 * 1024


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


def _forward_headers(request: Request, token: str, *, with_body: bool) -> list[tuple[str, str]]:
    # A request sent on without its body must not announce one: the service would read the next
    # request on the pooled connection as that body, and answer it 400.
    drop = _DROP_REQUEST if with_body else _DROP_REQUEST | {b"content-length"}
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw if k not in drop]
    headers.append(("Authorization", "Bearer " + token))
    headers.append(("X-Request-ID", request.state.request_id))
    headers.append(("X-Forwarded-For", request.client.host if request.client else ""))
    return headers


def _upstream(request: Request) -> tuple[str, Upstream]:
    service, slash, _rest = request.scope["path"][len(PREFIX):].partition("/")
    upstream = request.app.state.upstreams.get(service)
    if upstream is None or not slash:
        raise NotFound(f"There is no service '{service}'.", code="unknown_service")
    return service, upstream


async def proxy(request: Request) -> Response:
    if request.method not in _METHODS:
        raise MethodNotAllowed(f"{request.method} is not allowed here.", headers={"Allow": ", ".join(sorted(_METHODS))})
    service, upstream = _upstream(request)
    principal = await api_principal(request)
    if request.state.via_cookie and request.method in _UNSAFE:
        found = web_session(request)
        check_csrf(request, found[0].csrf_token if found else None, request.headers.get(CSRF_HEADER))
    token = request.app.state.tokens.token(principal, service)
    raw_path = request.scope["raw_path"][len(PREFIX) + len(service.encode()):]
    url = upstream.url(raw_path, request.scope["query_string"])
    body = request.stream() if request.method in _UNSAFE else None
    headers = _forward_headers(request, token, with_body=body is not None)
    with upstream_errors(service):
        answer = await upstream.session.request(request.method, url, headers=headers,
                                                data=body, allow_redirects=False, timeout=upstream.timeout)
    return await _relay(service, answer)


async def _relay(service: str, answer) -> Response:
    headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _DROP_RESPONSE]
    if answer.content_length is not None and answer.content_length <= BUFFER_LIMIT:
        with upstream_errors(service):
            body = await answer.read()
        answer.release()
        response = Response(body, status_code=answer.status)
        response.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        return response
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return StreamingResponse(_chunks(service, answer), status_code=answer.status, headers=dict(headers),
                             background=BackgroundTask(answer.release))


async def _chunks(service: str, answer):
    with upstream_errors(service):
        async for chunk in answer.content.iter_any():
            yield chunk

