"""Request bodies of the registry API. Responses are plain dicts shaped by the domain modules."""

from decimal import Decimal
from typing import Literal

from pydantic import Field

from services.common.fields import NonBlank
from services.common.formats import IsoDate
from services.common.schemas import Body


class UnitIn(Body):
    unit_code: NonBlank = Field(max_length=12)
    parent_code: str | None = Field(default=None, max_length=12)
    kind: str | None = Field(default=None, description="district, town, subdistrict, village or community")
    name: NonBlank = Field(max_length=100)
    name_pinyin: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    urban_rural_code: str | None = None
    valid_from: IsoDate | None = None


class UnitPatch(Body):
    """What may change in place; a new name goes through a rename adjustment."""

    name_pinyin: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    urban_rural_code: str | None = None


class NewUnit(Body):
    unit_code: NonBlank = Field(max_length=12)
    name: NonBlank = Field(max_length=100)
    parent_code: str | None = Field(default=None, max_length=12)
    kind: str | None = None
    name_pinyin: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    urban_rural_code: str | None = None


class AdjustmentIn(Body):
    kind: Literal["merge", "split", "rename", "reparent"]
    effective_on: IsoDate
    from_codes: list[str] = Field(min_length=1)
    to_units: list[NewUnit] = Field(min_length=1)
    document_ref: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=1000)


class OrganizationIn(Body):
    credit_code: NonBlank = Field(max_length=18)
    name: NonBlank = Field(max_length=200)
    level: Literal["town", "village", "group"]
    unit_code: NonBlank = Field(max_length=12)
    legal_representative: str | None = Field(default=None, max_length=100)
    representative_phone: str | None = Field(default=None, max_length=30)
    registered_on: IsoDate | None = None
    status: Literal["active", "suspended", "deregistered"] = "active"


class OrganizationPatch(Body):
    name: NonBlank | None = Field(default=None, max_length=200)
    legal_representative: str | None = Field(default=None, max_length=100)
    representative_phone: str | None = Field(default=None, max_length=30)
    registered_on: IsoDate | None = None
    status: Literal["active", "suspended", "deregistered"] | None = None


class SchemeIn(Body):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,49}$")
    name: NonBlank = Field(max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    classes: list[NonBlank] = Field(min_length=1)


class UnitClassIn(Body):
    scheme_key: NonBlank
    year: int = Field(ge=1949, le=2100)
    class_name: NonBlank = Field(max_length=100)


class DesignationKindIn(Body):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,49}$")
    name: NonBlank = Field(max_length=100)
    name_en: str | None = Field(default=None, max_length=200)


class DesignationIn(Body):
    unit_code: NonBlank = Field(max_length=12)
    kind_key: NonBlank
    year: int = Field(ge=1949, le=2100)
    batch: str | None = Field(default=None, max_length=50)
    status: Literal["candidate", "awarded", "revoked"] = "candidate"
    document_ref: str | None = Field(default=None, max_length=200)


class DesignationPatch(Body):
    status: Literal["candidate", "awarded", "revoked"] | None = None
    batch: str | None = Field(default=None, max_length=50)
    document_ref: str | None = Field(default=None, max_length=200)


class MetricIn(Body):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,49}$")
    name: NonBlank = Field(max_length=100)
    name_en: NonBlank = Field(max_length=200)
    unit: NonBlank = Field(max_length=20)
    type: Literal["integer", "decimal", "money", "percent"]


class StatisticsIn(Body):
    """Values of one unit for one year: `{"year": 2024, "values": {"households": 312}, "source": "..."}`."""

    year: int = Field(ge=1949, le=2100)
    values: dict[str, Decimal] = Field(min_length=1)
    source: NonBlank = Field(max_length=200)
