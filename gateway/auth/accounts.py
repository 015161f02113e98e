"""People and other systems: creating users, checking passwords, issuing and revoking API keys."""

import hashlib
import secrets
from datetime import UTC, datetime

from pwdlib import PasswordHash
from sqlmodel import Session, select

from gateway.models import ApiClient, User
from services.common import audit
from services.common.auth import ROLES
from services.common.errors import Conflict, Invalid, NotFound
from services.common.tokens import Principal

# argon2id with pwdlib's recommended parameters; unlike bcrypt it reads the whole password.
passwords = PasswordHash.recommended()
TOWN_CODE_LENGTH = 12


def parse_towns(towns: str | list[str] | tuple[str, ...]) -> list[str]:
    items = towns.split(",") if isinstance(towns, str) else list(towns)
    codes = [t.strip() for t in items if t.strip()]
    for code in codes:
        if not (code.isdigit() and len(code) == TOWN_CODE_LENGTH):
            raise Invalid("towns", f"'{code}' is not a 12-digit town code")
    return codes


def check_role(role: str) -> None:
    if role not in ROLES:
        raise Invalid("role", f"must be one of {', '.join(ROLES)}")


def create_user(session: Session, *, username: str, password: str, role: str, display_name: str = "",
                towns: str | list[str] = "", actor: str = "system") -> User:
    check_role(role)
    if len(password) < 8:
        raise Invalid("password", "must be at least 8 characters")
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"User '{username}' exists already.", code="user_exists")
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=passwords.hash(password), towns=",".join(parse_towns(towns)))
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="user", entity_id=username,
                 after={"username": username, "role": role, "towns": user.towns})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        passwords.verify(password, _DUMMY_HASH)  # same time whether or not the name exists
        return None
    valid, new_hash = passwords.verify_and_update(password, user.password_hash)
    if not valid:
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


_DUMMY_HASH = passwords.hash("not a real password")


def principal_of_user(user: User) -> Principal:
    return Principal(subject=user.username, role=user.role, name=user.display_name,
                     towns=tuple(parse_towns(user.towns)), kind="user")


def _key_hash(secret: str) -> str:
    # Keys are 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(session: Session, *, name: str, role: str, towns: str | list[str] = "",
                   actor: str = "system") -> tuple[ApiClient, str]:
    """Returns the client and its key; the key is shown once and only its hash is kept."""
    check_role(role)
    if session.exec(select(ApiClient).where(ApiClient.name == name)).first():
        raise Conflict(f"API client '{name}' exists already.", code="api_client_exists")
    prefix = secrets.token_hex(6)
    key = f"zx_{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient(name=name, prefix=prefix, key_hash=_key_hash(key), role=role,
                       towns=",".join(parse_towns(towns)))
    session.add(client)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="api_client", entity_id=name,
                 after={"name": name, "role": role, "prefix": prefix, "towns": client.towns})
    return client, key


def revoke_api_key(session: Session, *, name: str, actor: str = "system") -> ApiClient:
    client = session.exec(select(ApiClient).where(ApiClient.name == name)).first()
    if client is None:
        raise NotFound(f"No API client named '{name}'.", code="api_client_not_found")
    if client.revoked_at is None:
        client.revoked_at = datetime.now(UTC)
        audit.record(session, actor=actor, action="revoke", entity="api_client", entity_id=name)
    return client


def client_for_key(session: Session, key: str) -> ApiClient | None:
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "zx":
        return None
    client = session.exec(select(ApiClient).where(ApiClient.prefix == parts[1])).first()
    if client is None or client.revoked_at is not None:
        return None
    return client if secrets.compare_digest(client.key_hash, _key_hash(key)) else None


def principal_of_client(client: ApiClient) -> Principal:
    return Principal(subject=f"api:{client.name}", role=client.role, name=client.name,
                     towns=tuple(parse_towns(client.towns)), kind="api_client")
