"""Who is calling the gateway: a browser session (cookie) or another system (API key)."""

import time
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from gateway.auth import accounts, sessions
from gateway.models import User, WebSession
from services.common.errors import Unauthorized
from services.common.tokens import Principal

T = TypeVar("T")
COOKIE_SECURE = "__Host-zx_session"
COOKIE_PLAIN = "zx_session"


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(COOKIE_SECURE) or request.cookies.get(COOKIE_PLAIN)


def web_session(request: Request) -> tuple[WebSession, User] | None:
    """The signed-in browser's session: cached on the request, and trusted for a couple of seconds
    after the database confirmed it (reading it for every save cost the gateway more than the
    proxying itself); an end in another gateway process takes effect within that time."""
    if hasattr(request.state, "web"):
        return request.state.web
    cookie = session_cookie(request)
    found = recent_web_session(request)
    if cookie and found is None:
        with Session(request.app.state.engine, expire_on_commit=False) as db:
            found = sessions.resume_session(db, cookie, request.app.state.settings)
            db.commit()
        if found is not None:
            request.app.state.web_sessions.put(cookie, found)
    request.state.web = found
    return found


def recent_web_session(request: Request) -> tuple[WebSession, User] | None:
    """The browser's session if the database confirmed it a moment ago: no thread, no database."""
    cookie = session_cookie(request)
    return request.app.state.web_sessions.get(cookie) if cookie else None


class RecentlyChecked(Generic[T]):
    """What the database confirmed, trusted for a couple of seconds: an API key's principal, a
    session. A revocation or an end takes effect within that time (at once in this process when
    it comes through it: `forget`)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.entries: dict[str, tuple[float, T]] = {}

    def get(self, key: str) -> T | None:
        entry = self.entries.get(key)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def put(self, key: str, value: T) -> None:
        if len(self.entries) > 10_000:
            self.entries.clear()
        self.entries[key] = (time.monotonic() + self.seconds, value)

    def forget(self, key: str) -> None:
        self.entries.pop(key, None)


def _lookup_key(request: Request, key: str) -> Principal | None:
    with Session(request.app.state.engine) as db:
        client = accounts.client_for_key(db, key)
        return accounts.principal_of_client(client) if client else None


async def api_principal(request: Request) -> Principal:
    """API calls: a Bearer key from another system, or the browser's session cookie."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and key:
        cache: RecentlyChecked[Principal] = request.app.state.api_keys
        principal = cache.get(key) or await run_in_threadpool(_lookup_key, request, key)
        if principal is None:
            raise Unauthorized("The API key is not valid or was revoked.", code="api_key_invalid")
        cache.put(key, principal)
        request.state.via_cookie = False
        return principal
    found = recent_web_session(request)
    if found is not None:
        request.state.web = found
    else:
        found = await run_in_threadpool(web_session, request)
    if found is None:
        raise Unauthorized("Sign in, or send an API key as 'Authorization: Bearer <key>'.",
                           code="not_signed_in")
    request.state.via_cookie = True
    return accounts.principal_of_user(found[1])


ApiPrincipal = Annotated[Principal, Depends(api_principal)]
