"""Constrained strings the request schemas of every service share."""

from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError


def _not_blank(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise PydanticCustomError("blank", "不能为空或只含空白 / must not be empty or blank")
    return stripped


# A name, code or label that others read and show: an empty one is stored once and then breaks
# every consumer that lists it (a class label became a filter the registry itself refused).
# Stripped of surrounding whitespace; the pattern tells OpenAPI clients that it needs a visible character.
NonBlank = Annotated[str, AfterValidator(_not_blank), Field(json_schema_extra={"pattern": r"\S"})]
