"""The settings a plan is made with (计划参数): counts, coverage, rotation, teams, weights.

One definition serves the API body, the stored plan and the pure planning code.
"""

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.assets.plan.risk import DEFAULT_WEIGHTS

KINDS = ("key_audit", "inspection")


class PlanSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_audits: int = Field(60, ge=0, le=100_000, description="how many key audits (重点审计)")
    inspections: int = Field(90, ge=0, le=100_000, description="how many periodic inspections (定期检查)")
    min_key_audits_per_town: int = Field(1, ge=0, le=1000)
    min_inspections_per_town: int = Field(1, ge=0, le=1000)
    rotation_top: int = Field(10, ge=0, le=100_000,
                              description="a key audit twice in a row only for the riskiest this many")
    overdue_years: int = Field(3, ge=1, le=20, description="organizations not visited for this many years come first")
    key_team_size: int = Field(3, ge=3, le=20)
    inspection_team_size: int = Field(2, ge=2, le=20)
    key_audit_days: int = Field(10, ge=1, le=200)
    inspection_days: int = Field(4, ge=1, le=200)
    key_weight: float = Field(2.0, ge=1.0, le=100.0, description="how much more a key audit covers than an inspection")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    levels: list[str] = Field(default_factory=lambda: ["village"], description="organization levels planned")

    @field_validator("weights")
    @classmethod
    def known_weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise ValueError(f"unknown feature {unknown[0]}; known: {', '.join(DEFAULT_WEIGHTS)}")
        if any(w < 0 for w in value.values()):
            raise ValueError("weights must not be negative")
        return {**DEFAULT_WEIGHTS, **value}

    def team_size(self, kind: str) -> int:
        return self.key_team_size if kind == "key_audit" else self.inspection_team_size

    def days(self, kind: str) -> int:
        return self.key_audit_days if kind == "key_audit" else self.inspection_days
