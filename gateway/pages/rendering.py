"""What every page shares: rendering in the reader's language, times in Beijing, CSRF on forms."""

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gateway.auth.principals import web_session
from gateway.auth.security import CSRF_COOKIE, check_csrf, is_https
from gateway.i18n import LANG_COOKIE, LANGUAGES, gettext_for, pick_language

templates = Jinja2Templates(directory=str(Path(__file__).parents[1] / "templates"))
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
