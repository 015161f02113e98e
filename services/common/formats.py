"""Value types whose accepted input is exactly what the OpenAPI says, for request schemas and queries.

Pydantic's lax mode reads more than the published formats (`0` as the date 1970-01-01, `1` as
true); a client relying on that would break on any other server, so the services refuse it.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Strict
from pydantic_core import PydanticCustomError

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value  # pydantic still checks that the day exists
    raise PydanticCustomError("date_format", "must be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_day)]
"""A calendar day, given as an ISO `YYYY-MM-DD` string (or a `date` from Python code)."""

JsonBool = Annotated[bool, Strict()]
"""A JSON `true` or `false` in a request body; not `0`, `1` or `"yes"`."""
