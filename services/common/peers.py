"""Reading another service's public API with httpx: one error for "it did not answer", paging, and one
time limit over all the reads of a piece of work."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx

from services.common.errors import DomainError

PAGE = 500


class PeerUnavailable(DomainError):
    """The other service could not be reached or refused; the problem names it."""

    status, title = 502, "Another service did not answer"

    def __init__(self, service: str, detail: str, **kwargs):
        super().__init__(detail, code=f"{service}_unavailable", **kwargs)


class WorkTimeLimit(DomainError):
    """Reading the other services took longer than the work's limit; the work stopped and stored nothing."""

    status, code, title = 504, "time_limit", "The work took longer than its time limit"

    def __init__(self, service: str, seconds: float):
        super().__init__(f"读取{service}超过 {seconds:g} 秒，未保存任何内容 / reading the {service} took longer than "
                         f"{seconds:g} s; nothing was stored", extra={"time_limit": seconds, "service": service})


_deadline: ContextVar[tuple[float, float] | None] = ContextVar("peer_deadline", default=None)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bounds every read inside the block together, so the work ends (with WorkTimeLimit) before the
    gateway stops waiting for it, rather than succeeding after the caller was told it failed."""
    token = _deadline.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def _time_left(service: str) -> float | None:
    found = _deadline.get()
    if found is None:
        return None
    left = found[0] - time.monotonic()
    if left <= 0:
        raise WorkTimeLimit(service, found[1])
    return left


def get_json(client: httpx.Client, path: str, *, service: str = "registry", missing_ok: bool = False,
             **params) -> dict | None:
    """One GET; a 404 is None when `missing_ok`, any other failure a PeerUnavailable."""
    left = _time_left(service)
    shorter = left is not None and (client.timeout.read is None or left < client.timeout.read)
    try:
        response = client.get(path, params=params, **({"timeout": left} if shorter else {}))
    except httpx.HTTPError as exc:
        _time_left(service)  # a read cut short by the work's limit is that limit, not an unreachable peer
        raise PeerUnavailable(service, f"The {service} cannot be reached ({type(exc).__name__}).") from exc
    if missing_ok and response.status_code == 404:
        return None
    if response.status_code != 200:
        raise PeerUnavailable(service, f"The {service} answered {response.status_code} to {path}.",
                              extra={"upstream_status": response.status_code})
    return response.json()


def all_pages(client: httpx.Client, path: str, *, service: str = "registry", **params) -> list[dict]:
    """Every item of a paged list (`items` and `next_cursor`), following the cursor."""
    items, cursor = [], None
    while True:
        page = get_json(client, path, service=service, limit=PAGE, **params, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items
