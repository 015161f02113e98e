"""The gateway's own pages: sign-in, sign-out, the language switch and the home page."""

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from gateway import accounts, sessions
from gateway.i18n import LANG_COOKIE, LANGUAGES, gettext_for, pick_language
from gateway.principals import COOKIE_PLAIN, COOKIE_SECURE, session_cookie, web_session
from gateway.security import CSRF_COOKIE, check_csrf, is_https
from services.common.database import SessionDep

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=__file__.rsplit("/", 1)[0] + "/templates")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(stamp: str | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A service's timestamp as Beijing time ("—" when there is none). The services keep UTC; a
    stamp without an offset (SQLite keeps none) is UTC too."""
    if not stamp:
        return "—"
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI).strftime(pattern)


def local_date(stamp: str | None) -> str:
    return local_time(stamp, "%Y-%m-%d")


def this_year() -> int:
    """The year in Beijing, which a page shows unless asked for another."""
    return datetime.now(SHANGHAI).year


templates.env.filters.update(local_time=local_time, local_date=local_date)


def language(request: Request) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE), request.query_params.get("lang"))


def csrf_token(request: Request) -> str:
    found = web_session(request)
    if found:
        return found[0].csrf_token
    if not hasattr(request.state, "anon_csrf"):
        request.state.anon_csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    return request.state.anon_csrf


def is_htmx(request: Request) -> bool:
    """Asked by htmx for a part of the page, not by the browser for the whole page."""
    return bool(request.headers.get("hx-request"))


def render(request: Request, name: str, status_code: int = 200, /, **context) -> Response:
    """The page `name` answered with `status_code`; every keyword, `status` included, goes to the template."""
    lang = language(request)
    found = web_session(request)
    response = templates.TemplateResponse(request, name, {
        "lang": lang, "_": gettext_for(lang), "csrf_token": csrf_token(request),
        "user": found[1] if found else None, "languages": LANGUAGES, **context}, status_code=status_code)
    if not found and request.cookies.get(CSRF_COOKIE) != csrf_token(request):
        response.set_cookie(CSRF_COOKIE, csrf_token(request), httponly=True, samesite="strict",
                            secure=is_https(request.scope))
    return response


def safe_next(target: str | None) -> str:
    """Only paths on this site, so the login form cannot send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


async def verify_form_csrf(request: Request) -> None:
    form = await request.form()
    found = await run_in_threadpool(web_session, request)
    expected = found[0].csrf_token if found else request.cookies.get(CSRF_COOKIE)
    check_csrf(request, expected, form.get("csrf_token"))


CsrfChecked = Annotated[None, Depends(verify_form_csrf)]


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
