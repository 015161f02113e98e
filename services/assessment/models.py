"""Tables of the assessment service.

A run's results are one row per village: the total, grade, ranks and veto reasons as columns,
and the per-indicator breakdown as one compact JSON text (`[raw_1, ..., raw_k, points_1, ..., points_k]`
in the scheme's indicator order, null where a value is missing), so 500,000 villages × 40 indicators
are 500,000 rows, not 20 million. The sentence explaining each indicator is not stored: it is written
when read, from the scheme and these numbers, in the reader's language.
An inputs snapshot keeps what was gathered as one columnar JSON document with its digest.
"""

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.common.database import Versioned
from services.common.kernel_tables import kernel_metadata


class Base(SQLModel, registry=registry()):
    """This process's tables, in a registry and metadata of their own."""


def _now() -> datetime:
    return datetime.now(UTC)


class Scheme(Versioned, Base, table=True):
    """Assessment scheme (考核方案), one row per version; a published version is frozen."""

    __version_column__ = "row_version"

    __table_args__ = (UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=50, index=True)
    version: int = 1
    name_zh: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    district_code: str = Field(max_length=12)
    status: str = Field(default="draft", max_length=10)  # draft, published
    class_scheme: str = Field(default="planning_class", max_length=50)
    classes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    default_class: str = Field(max_length=50)
    dimensions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    grade_bands: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decimals: int = 2
    demo: bool = False
    row_version: int = 1
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)
    published_by: str | None = Field(default=None, max_length=200)
    published_at: datetime | None = None


class Indicator(Base, table=True):
    """Indicator (考核指标) of a scheme version, with its weights and targets per village class."""

    __table_args__ = (UniqueConstraint("scheme_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    position: int
    code: str = Field(max_length=50)
    dimension: str = Field(max_length=50)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    unit: str = Field(default="", max_length=30)
    direction: str = Field(default="higher", max_length=10)
    source: str = Field(max_length=20)  # metric, designation, class, assets, manual, formula
    key: str = Field(default="", max_length=1000)  # metric key, kind, class name, measure, or the formula
    method: str = Field(max_length=20)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    missing: str = Field(default="zero", max_length=10)  # zero, reweight, block
    weights: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    targets: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Period(Base, table=True):
    """Assessment period (考核年度) of one district."""

    __table_args__ = (UniqueConstraint("district_code", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    district_code: str = Field(max_length=12)
    year: int
    demo: bool = False
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_now)


class InputSnapshot(Base, table=True):
    """What a period gathered from the registry (and assets), columnar, with its SHA-256 digest."""

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    digest: str = Field(max_length=64)
    units: int
    completeness: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    gathered_by: str = Field(max_length=200)
    gathered_at: datetime = Field(default_factory=_now)


class ManualEntry(Base, table=True):
    """A value entered by hand for one village and indicator, with its evidence (佐证材料)."""

    __table_args__ = (UniqueConstraint("period_id", "unit_code", "indicator_code"),)
    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    unit_code: str = Field(max_length=12)
    indicator_code: str = Field(max_length=50)
    value: str = Field(max_length=40)
    evidence: str = Field(max_length=2000)
    entered_by: str = Field(max_length=200)
    entered_at: datetime = Field(default_factory=_now)


class Run(Base, table=True):
    """A scoring run (计分): recorded before it starts; immutable once done."""

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    scheme_version: int
    period_id: int = Field(foreign_key="period.id", index=True)
    snapshot_id: int = Field(foreign_key="inputsnapshot.id")
    status: str = Field(default="queued", max_length=10)  # queued, running, done, failed
    reason: str | None = Field(default=None, max_length=2000)
    progress: int = 0
    digest: str | None = Field(default=None, max_length=64)
    units: int = 0
    demo: bool = False
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    published_at: datetime | None = None
    published_by: str | None = Field(default=None, max_length=200)


class RunResult(Base, table=True):
    """One village's result in a run; `breakdown` is `[raws..., points...]` in indicator order, as JSON text."""

    __table_args__ = (Index("ix_runresult_run_rank", "run_id", "rank"),
                      Index("ix_runresult_run_town", "run_id", "town_code"))
    run_id: int = Field(foreign_key="run.id", primary_key=True)
    unit_code: str = Field(max_length=12, primary_key=True)
    unit_name: str = Field(max_length=200)
    town_code: str = Field(max_length=12)
    class_name: str = Field(max_length=50)
    total: float
    grade: str = Field(max_length=20)
    rank: int
    class_rank: int
    vetoes: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of indicator codes
    dimensions: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of points per dimension
    breakdown: str = Field(sa_column=Column(Text, nullable=False))


# What Alembic compares against: this service's tables and the shared kernel tables.
target_metadata = [Base.metadata, kernel_metadata]
