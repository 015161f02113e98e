"""Cross-site request forgery checks and the security headers on every gateway response."""

import secrets

from fastapi import Request

from services.common.errors import Forbidden

CSRF_COOKIE = "zx_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def check_csrf(request: Request, expected_token: str | None, submitted_token: str | None) -> None:
    """Fetch metadata first, then Origin; the token is the fallback for browsers that send neither."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site in ("same-origin", "none"):
            return
        raise Forbidden("Cross-site requests are refused.", code="csrf_cross_site")
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        if origin == own_origin(request):
            return
        raise Forbidden("Requests from another origin are refused.", code="csrf_cross_origin")
    if expected_token and submitted_token and secrets.compare_digest(expected_token, submitted_token):
        return
    raise Forbidden("The form's security token is missing or wrong; reload the page and try again.",
                    code="csrf_token_invalid")


def is_https(scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return value == b"https"
    return False


class SecurityHeadersMiddleware:
    """Adds CSP and friends to every response that does not set its own."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                 (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"),
                 (b"cross-origin-opener-policy", b"same-origin"),
                 (b"permissions-policy", b"camera=(self), geolocation=(), microphone=()")]
        if is_https(scope):
            extra.append((b"strict-transport-security", b"max-age=31536000"))

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
