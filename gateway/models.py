"""Tables of the gateway: people, their sessions, other systems' API clients, login failures."""

from datetime import UTC, datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.common.database import Versioned
from services.common.kernel_tables import kernel_metadata


class Base(SQLModel, registry=registry()):
    """This process's tables, in a registry and metadata of their own."""


def _now() -> datetime:
    return datetime.now(UTC)


class User(Versioned, Base, table=True):
    """A person who signs in at the gateway (用户)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=32)
    # Town codes (12 digits) a town officer may act for, comma-separated.
    towns: str = Field(default="", max_length=2000)
    language: str = Field(default="zh", max_length=8)
    active: bool = True
    created_at: datetime = Field(default_factory=_now)
    version: int = 1


class WebSession(Base, table=True):
    """A signed-in browser; the cookie holds an opaque id whose hash is the key here."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: float
    last_seen_at: float
    ended_at: float | None = None


class ApiClient(Base, table=True):
    """Another government system calling the API with a key (接口客户端)."""

    __tablename__ = "api_client"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    prefix: str = Field(max_length=16, unique=True, index=True)
    key_hash: str = Field(max_length=64)
    role: str = Field(max_length=32)
    towns: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=_now)
    revoked_at: datetime | None = None


class LoginFailure(Base, table=True):
    """One wrong password, kept for throttling; old rows are pruned."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    client_ip: str = Field(max_length=64, index=True)
    at: float = Field(index=True)


target_metadata = [Base.metadata, kernel_metadata]
