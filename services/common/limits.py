"""One time limit over a piece of work done inside a request (reading other services, an import).

Each service's limits are below the gateway's upstream_timeout (the table in README.md): work
that cannot end inside them stops, stores nothing and says so, rather than succeeding after
the gateway has told the caller it failed.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from services.common.errors import DomainError


class WorkTimeLimit(DomainError):
    """The work took longer than its limit; it stopped and stored nothing."""

    status, code, title = 504, "time_limit", "The work took longer than its time limit"

    def __init__(self, step: str, seconds: float):
        super().__init__(f"超过时限 {seconds:g} 秒（{step}），未保存任何内容 / took longer than its limit of "
                         f"{seconds:g} s ({step}); nothing was stored", extra={"time_limit": seconds, "step": step})


_deadline: ContextVar[tuple[float, float] | None] = ContextVar("work_deadline", default=None)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bounds the work inside the block; `time_left` is how the steps inside ask."""
    token = _deadline.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def time_left(step: str) -> float | None:
    """Seconds left of the block's limit (None outside one); WorkTimeLimit naming `step` when none are."""
    found = _deadline.get()
    if found is None:
        return None
    left = found[0] - time.monotonic()
    if left <= 0:
        raise WorkTimeLimit(step, found[1])
    return left
