"""Who may do what: the assessment office writes; town officers read published results of their towns."""

from typing import Annotated

from fastapi import Depends

from services.assessment.models import Run
from services.common.auth import require_roles
from services.common.errors import NotFound
from services.common.tokens import Principal

Officer = Annotated[Principal, Depends(require_roles("assessment_officer"))]
READERS = ("assessment_officer", "town_officer", "viewer")
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


def actor(principal: Principal) -> str:
    return f"{principal.kind}:{principal.subject}"


def towns_seen(principal: Principal) -> tuple[str, ...] | None:
    """None: every town; else the towns whose villages' results this caller may read."""
    return principal.towns if principal.role == "town_officer" else None


def require_visible(principal: Principal, run: Run) -> None:
    """Town officers see published runs only; to them an unpublished run does not exist."""
    if principal.role in ("town_officer", "viewer") and run.published_at is None:
        raise NotFound(f"没有计分 {run.id} / no run {run.id}", code="run_not_found")
