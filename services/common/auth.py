"""Who is calling a service, and whether their role may do what they ask."""

from typing import Annotated

import jwt
from fastapi import Depends, Request

from services.common.errors import Forbidden, Unauthorized
from services.common.tokens import Principal

ROLES = ("admin", "audit_lead", "auditor", "assessment_officer", "town_officer", "viewer", "integration")


def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("A bearer token from the gateway is required.", code="token_missing")
    try:
        return request.app.state.verifier.verify(token.strip())
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired.", code="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("The token is not valid.", code="token_invalid") from None


async def authenticated_principal(request: Request) -> Principal:
    # A dependency declared `def` runs in a worker thread: under load that hop, and the threads
    # fighting the event loop for the GIL, cost more than checking the (cached) token itself.
    return current_principal(request)


CurrentPrincipal = Annotated[Principal, Depends(authenticated_principal)]


def require_roles(*roles: str):
    """Dependency that lets only the named roles through (admin always)."""
    allowed = set(roles) | {"admin"}

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"Role '{principal.role}' may not do this; needs one of {sorted(allowed)}.",
                            code="role_forbidden")
        return principal

    return check
