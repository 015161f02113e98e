"""Reading another service's public API with httpx: one error for "it did not answer", and paging.

Inside `limits.time_limit`, each read gets at most what is left of the work's limit."""

import httpx

from services.common.errors import DomainError
from services.common.limits import time_left

PAGE = 500


class PeerUnavailable(DomainError):
    """The other service could not be reached or refused; the problem names it."""

    status, title = 502, "Another service did not answer"

    def __init__(self, service: str, detail: str, **kwargs):
        super().__init__(detail, code=f"{service}_unavailable", **kwargs)


def get_json(client: httpx.Client, path: str, *, service: str = "registry", missing_ok: bool = False,
             **params) -> dict | None:
    """One GET; a 404 is None when `missing_ok`, any other failure a PeerUnavailable."""
    left = time_left(f"reading the {service}")
    shorter = left is not None and (client.timeout.read is None or left < client.timeout.read)
    try:
        response = client.get(path, params=params, **({"timeout": left} if shorter else {}))
    except httpx.HTTPError as exc:
        time_left(f"reading the {service}")  # cut short by the work's limit: that limit, not an unreachable peer
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
