"""Request bodies of the assets API. Responses are plain dicts shaped in `views.py`."""

from typing import Literal

from pydantic import Field, model_validator

from services.assets.plan.rules import PlanSettings
from services.common.fields import NonBlank
from services.common.formats import IsoDate, JsonBool
from services.common.schemas import Body


class AuditorIn(Body):
    username: NonBlank = Field(max_length=100, description="the gateway user's username")
    name: NonBlank = Field(max_length=100)
    role: Literal["lead", "auditor"]
    capacity_days: int = Field(ge=1, le=366)
    active: JsonBool = True


class AuditorPatch(Body):
    name: NonBlank | None = Field(default=None, max_length=100)
    role: Literal["lead", "auditor"] | None = None
    capacity_days: int | None = Field(default=None, ge=1, le=366)
    active: JsonBool | None = None


class TieIn(Body):
    """A declared tie: a village or town by 12-digit code, or an organization by credit code."""

    kind: Literal["home_village", "relatives_village", "past_employment", "town"]
    unit_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    credit_code: str | None = Field(default=None, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    reason: NonBlank = Field(max_length=500)
    declared_on: IsoDate

    @model_validator(mode="after")
    def names_a_place(self):
        if not self.unit_code and not self.credit_code:
            raise ValueError("name the village or town (unit_code) or the organization (credit_code)")
        return self


class PlanIn(Body):
    year: int = Field(ge=2000, le=2100)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    settings: PlanSettings = Field(default_factory=PlanSettings)


class PlanRegenerate(Body):
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    settings: PlanSettings = Field(default_factory=PlanSettings)
    refresh: JsonBool = Field(default=False, description="read the registry again instead of the plan's snapshot")


class RowPatch(Body):
    credit_code: str | None = Field(default=None, min_length=18, max_length=18)
    team: list[int] | None = Field(default=None, min_length=1, max_length=20)


class ApproveIn(Body):
    reason: str | None = Field(default=None, max_length=1000)


class AmendmentIn(Body):
    row_id: int
    reason: NonBlank = Field(max_length=1000)
    credit_code: str | None = Field(default=None, min_length=18, max_length=18)
    team: list[int] | None = Field(default=None, min_length=1, max_length=20)
