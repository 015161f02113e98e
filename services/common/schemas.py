"""The base of every request body: unknown fields are refused, text is stripped of surrounding spaces."""

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
