"""Request bodies of the assessment API."""

from typing import Literal

from pydantic import BaseModel, Field

from services.assessment.scheme_spec import DIRECTIONS, METHODS, POLICIES, SOURCES
from services.common.fields import NonBlank

Code = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,49}$")


class DimensionIn(BaseModel):
    code: str = Code
    name_zh: NonBlank = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)


class IndicatorIn(BaseModel):
    code: str = Code
    dimension: NonBlank
    name_zh: NonBlank = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    unit: str = Field(default="", max_length=30)
    direction: Literal[DIRECTIONS] = "higher"
    source: Literal[SOURCES]
    key: str = Field(default="", max_length=1000)
    method: Literal[METHODS]
    params: dict[str, float] = {}
    missing: Literal[POLICIES] = "zero"
    weights: dict[str, float] = {}
    targets: dict[str, float] = {}


class BandIn(BaseModel):
    grade: NonBlank = Field(max_length=20)
    min: float = Field(ge=0)


class SchemeIn(BaseModel):
    code: str = Code
    name_zh: NonBlank = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    district_code: str = Field(pattern=r"^\d{12}$")
    class_scheme: NonBlank = "planning_class"
    classes: list[NonBlank] = Field(min_length=1)
    default_class: NonBlank
    dimensions: list[DimensionIn] = Field(min_length=1)
    indicators: list[IndicatorIn] = Field(min_length=1)
    grade_bands: list[BandIn] = Field(min_length=1)
    decimals: int = Field(default=2, ge=0, le=4)


class PeriodIn(BaseModel):
    district_code: str = Field(pattern=r"^\d{12}$")
    year: int = Field(ge=2000, le=2100)


class ManualEntryIn(BaseModel):
    unit_code: str = Field(pattern=r"^\d{12}$")
    indicator_code: str = Code
    value: float
    evidence: NonBlank = Field(max_length=2000)


class RunIn(BaseModel):
    scheme_id: int
    period_id: int
