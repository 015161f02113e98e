"""Tables of the registry service.

Nothing here is hard-deleted: units close with `valid_to`, organizations change status,
designations are revoked, corrected statistics move their earlier value to history.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, Numeric, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.common.kernel_tables import kernel_metadata


class Base(SQLModel, registry=registry()):
    """This process's tables, in a registry and metadata of their own."""


def _now() -> datetime:
    return datetime.now(UTC)


class Unit(Base, table=True):
    """Administrative unit (行政区划单位): district, town or sub-district, village or community.

    A unit row is one version of a unit between `valid_from` (inclusive) and `valid_to`
    (exclusive; null while it exists). An adjustment closes rows and opens new ones, so one
    12-digit code may have several rows over time but at most one open at once.
    """

    __table_args__ = (
        UniqueConstraint("unit_code", "valid_from", name="uq_unit_code_valid_from"),
        Index("ix_unit_town_code_name", "town_code", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(max_length=12, index=True)
    level: str = Field(max_length=10)  # district, town, village
    kind: str = Field(max_length=12)  # district, town (镇), subdistrict (街道), village (行政村), community (涉农社区)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    parent_code: str | None = Field(default=None, max_length=12, index=True)
    # The town a unit belongs to (its own code for a town); what a town officer's scope names.
    town_code: str | None = Field(default=None, max_length=12, index=True)
    name: str = Field(max_length=100)
    name_pinyin: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    urban_rural_code: str | None = Field(default=None, max_length=3)
    valid_from: date
    valid_to: date | None = Field(default=None, index=True)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Adjustment(Base, table=True):
    """Administrative division adjustment (行政区划调整): a merge, split, rename or re-parenting."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # merge, split, rename, reparent
    effective_on: date
    document_ref: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=1000)
    actor: str = Field(max_length=200)
    demo: bool = False
    created_at: datetime = Field(default_factory=_now)


class AdjustmentLink(Base, table=True):
    """One arrow of an adjustment: the closed unit row and the row that took over from it."""

    __tablename__ = "adjustment_link"

    id: int | None = Field(default=None, primary_key=True)
    adjustment_id: int = Field(foreign_key="adjustment.id", index=True)
    from_unit_id: int = Field(foreign_key="unit.id", index=True)
    to_unit_id: int = Field(foreign_key="unit.id", index=True)


class Organization(Base, table=True):
    """Village collective economic organization (村集体经济组织)."""

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200)
    level: str = Field(max_length=10)  # town, village, group
    unit_id: int = Field(foreign_key="unit.id", index=True)
    unit_code: str = Field(max_length=12, index=True)
    town_code: str | None = Field(default=None, max_length=12, index=True)
    legal_representative: str | None = Field(default=None, max_length=100)
    # Hidden field: shown only to admins and the unit's own town officers.
    representative_phone: str | None = Field(default=None, max_length=30)
    registered_on: date | None = None
    status: str = Field(default="active", max_length=20)  # active, suspended, deregistered
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class ClassificationScheme(Base, table=True):
    """A way of classing villages (分类方案), e.g. planning class; its classes are listed in `classes`."""

    __tablename__ = "classification_scheme"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    classes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    builtin: bool = False
    version: int = 1


class UnitClass(Base, table=True):
    """The class a unit holds in one scheme for one year (村庄分类).

    Keyed by the unit's code, as statistics are, so a renamed unit keeps its earlier years.
    """

    __tablename__ = "unit_class"
    __table_args__ = (UniqueConstraint("unit_code", "scheme_key", "year", name="uq_unit_class_year"),
                      Index("ix_unit_class_scheme_year", "scheme_key", "year", "class_name"))

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    unit_code: str = Field(max_length=12, index=True)
    scheme_key: str = Field(max_length=50)
    year: int
    class_name: str = Field(max_length=100)
    demo: bool = False
    updated_at: datetime = Field(default_factory=_now)


class DesignationKind(Base, table=True):
    """A kind of title a village can be awarded (称号类型), e.g. 诗画乡村."""

    __tablename__ = "designation_kind"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    builtin: bool = False


class Designation(Base, table=True):
    """A title given to a unit (称号认定), with year, batch and lifecycle candidate → awarded → revoked."""

    __table_args__ = (Index("ix_designation_kind_year", "kind_key", "year", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    unit_code: str = Field(max_length=12, index=True)
    town_code: str | None = Field(default=None, max_length=12)
    kind_key: str = Field(max_length=50)
    year: int
    batch: str | None = Field(default=None, max_length=50)
    status: str = Field(default="candidate", max_length=20)
    document_ref: str | None = Field(default=None, max_length=200)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Metric(Base, table=True):
    """A yearly statistic the registry keeps (统计指标), e.g. collective operating income."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=100)
    name_en: str = Field(max_length=200)
    unit: str = Field(max_length=20)  # 人, 户, 亩, 元, %
    type: str = Field(max_length=10)  # integer, decimal, money, percent
    builtin: bool = False


class StatisticValue(Base, table=True):
    """The current value of one metric for one unit and year (年度统计数据)."""

    __tablename__ = "statistic_value"
    __table_args__ = (UniqueConstraint("unit_code", "metric_key", "year", name="uq_statistic_unit_metric_year"),
                      Index("ix_statistic_year_metric", "year", "metric_key"),
                      # Covers the yearly bulk read (reg0003): rows come in unit order, values included.
                      Index("ix_statistic_year_metric_unit", "year", "metric_key", "unit_code", "unit_id", "value"))

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    unit_code: str = Field(max_length=12, index=True)
    metric_key: str = Field(max_length=50)
    year: int
    value: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    source: str = Field(max_length=200)
    entered_by: str = Field(max_length=200)
    entered_at: datetime = Field(default_factory=_now)
    demo: bool = False


class StatisticHistory(Base, table=True):
    """An earlier value a correction replaced; kept so nothing entered is lost."""

    __tablename__ = "statistic_history"

    id: int | None = Field(default=None, primary_key=True)
    statistic_id: int = Field(foreign_key="statistic_value.id", index=True)
    value: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    source: str = Field(max_length=200)
    entered_by: str = Field(max_length=200)
    entered_at: datetime
    replaced_by: str = Field(max_length=200)
    replaced_at: datetime = Field(default_factory=_now)


class Change(Base, table=True):
    """Append-only change log behind `/v1/changes`: one row per change, in commit order."""

    seq: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=50)
    key: str = Field(max_length=100)
    action: str = Field(max_length=20)
    at: datetime = Field(default_factory=_now)


# What Alembic compares against: this service's tables and the shared kernel tables.
target_metadata = [Base.metadata, kernel_metadata]
