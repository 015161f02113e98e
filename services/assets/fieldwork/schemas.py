"""Request bodies of checklists, answers, findings and rectification."""

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from services.common.fields import NonBlank
from services.common.formats import IsoDate
from services.common.schemas import Body

Severity = Literal["general", "major", "serious"]


class AnswerIn(Body):
    value: Any = Field(default=None, description="yes/no/na, a number or money as a string, text, an ISO date, "
                                                 "a choice's code or a list of codes, or evidence ids")
    note: str | None = Field(default=None, max_length=2000)


class ReturnIn(Body):
    comment: NonBlank = Field(max_length=2000)


class FindingIn(Body):
    severity: Severity
    category: NonBlank = Field(max_length=40)
    title: NonBlank = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    basis: str = Field(default="", max_length=1000)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    responsible_unit: str = Field(default="", max_length=200)
    responsible_person: str = Field(default="", max_length=100)


class FindingPatch(Body):
    severity: Severity | None = None
    category: NonBlank | None = Field(default=None, max_length=40)
    title: NonBlank | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=4000)
    basis: str | None = Field(default=None, max_length=1000)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    responsible_unit: str | None = Field(default=None, max_length=200)
    responsible_person: str | None = Field(default=None, max_length=100)


class RectificationPatch(Body):
    owner: NonBlank | None = Field(default=None, max_length=100)
    deadline: IsoDate | None = None
    actions: str | None = Field(default=None, max_length=4000)
    evidence: str | None = Field(default=None, max_length=2000)


class VerificationIn(Body):
    outcome: Literal["verified", "open", "accepted"] = Field(
        description="verified: rectified; open: sent back; accepted: the finding accepted as it stands")
    comment: str | None = Field(default=None, max_length=2000)
