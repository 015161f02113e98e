"""The gateway's own pages: sign-in, sign-out, the language switch and the home page."""

import asyncio
from typing import Annotated

import httpx
from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway.auth import accounts, sessions
from gateway.auth.principals import COOKIE_PLAIN, COOKIE_SECURE, session_cookie, web_session
from gateway.auth.security import is_https
from gateway.i18n import LANG_COOKIE, LANGUAGES
from gateway.pages.rendering import CsrfChecked, is_htmx, render, safe_next
from services.common.database import SessionDep

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "auth/login.html", next=safe_next(next))


@router.post("/login")
def login(request: Request, db: SessionDep, _: CsrfChecked, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    settings = request.app.state.settings
    client_ip = request.client.host if request.client else "-"
    wait = sessions.lockout_remaining(db, username, client_ip, settings)
    if wait:
        return render(request, "auth/login.html", 429, next=safe_next(next), username=username,
                      error="locked", wait_minutes=(wait + 59) // 60)
    user = accounts.authenticate(db, username, password) if username and password else None
    if user is None:
        sessions.record_failure(db, username, client_ip, settings)
        return render(request, "auth/login.html", 401, next=safe_next(next), username=username,
                      error="missing" if not (username and password) else "wrong")
    sessions.clear_failures(db, username)
    session_id, _web = sessions.start_session(db, user)
    response = RedirectResponse(safe_next(next), status_code=303)
    secure = settings.cookie_secure if settings.cookie_secure is not None else is_https(request.scope)
    response.set_cookie(COOKIE_SECURE if secure else COOKIE_PLAIN, session_id, httponly=True, samesite="lax",
                        secure=secure, path="/", max_age=settings.session_max_hours * 3600)
    return response


@router.post("/logout")
def logout(request: Request, db: SessionDep, _: CsrfChecked) -> Response:
    cookie = session_cookie(request)
    if cookie:
        sessions.end_session(db, cookie)
        request.app.state.web_sessions.forget(cookie)
    response = RedirectResponse("/login", status_code=303)
    for name in (COOKIE_SECURE, COOKIE_PLAIN):
        response.delete_cookie(name, path="/", secure=name == COOKIE_SECURE, httponly=True, samesite="lax")
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


async def service_states(request: Request) -> dict[str, str]:
    """Each service's own /readyz, asked at once, with a short timeout."""

    async def ask(name: str, client: httpx.AsyncClient) -> tuple[str, str]:
        try:
            answer = await client.get("/readyz", timeout=1.0)
            return name, "ready" if answer.status_code == 200 else "not_ready"
        except httpx.HTTPError:
            return name, "down"

    results = await asyncio.gather(*(ask(n, u.client) for n, u in request.app.state.upstreams.items()))
    return dict(results)


@router.get("/")
async def home(request: Request) -> Response:
    found = await run_in_threadpool(web_session, request)
    if found is None:
        return RedirectResponse("/login?next=/", status_code=303)
    states = await service_states(request)
    name = "home/_services.html" if is_htmx(request) else "home/index.html"
    return render(request, name, states=states)
