"""Pages that need a signed-in person send everyone else to the sign-in form, then back."""

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from gateway.auth import accounts
from gateway.auth.principals import web_session
from gateway.models import User
from services.common.tokens import Principal


class SignInRequired(Exception):
    """Raised by page dependencies; turned into a redirect to /login."""


async def signed_in(request: Request) -> tuple[User, Principal]:
    found = await run_in_threadpool(web_session, request)
    if found is None:
        raise SignInRequired()
    return found[1], accounts.principal_of_user(found[1])


SignedIn = Annotated[tuple[User, Principal], Depends(signed_in)]


async def redirect_to_sign_in(request: Request, _exc: SignInRequired) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("hx-request"):
        response = RedirectResponse("/login", status_code=200)
        response.headers["HX-Redirect"] = f"/login?next={quote(target)}"
        return response
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
