"""Server-side browser sessions and the throttling of wrong passwords."""

import hashlib
import secrets
import time

from sqlmodel import Session, delete, func, select

from gateway.models import LoginFailure, User, WebSession
from gateway.settings import GatewaySettings


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: Session, user: User) -> tuple[str, WebSession]:
    """Returns the opaque id for the cookie; only its hash is stored."""
    session_id = secrets.token_urlsafe(32)
    now = time.time()
    web = WebSession(id_hash=_hash(session_id), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                     created_at=now, last_seen_at=now)
    db.add(web)
    return session_id, web


def resume_session(db: Session, session_id: str, settings: GatewaySettings) -> tuple[WebSession, User] | None:
    """The live session behind a cookie, touched; None once ended, idle too long or too old."""
    web = db.get(WebSession, _hash(session_id))
    now = time.time()
    if web is None or web.ended_at is not None:
        return None
    idle = now - web.last_seen_at > settings.session_idle_minutes * 60
    old = now - web.created_at > settings.session_max_hours * 3600
    user = db.get(User, web.user_id)
    if idle or old or user is None or not user.active:
        web.ended_at = now
        return None
    # Writing on every request would serialize readers; a minute's precision is plenty.
    if now - web.last_seen_at > 60:
        web.last_seen_at = now
    return web, user


def end_session(db: Session, session_id: str) -> None:
    web = db.get(WebSession, _hash(session_id))
    if web is not None and web.ended_at is None:
        web.ended_at = time.time()


def lockout_remaining(db: Session, username: str, client_ip: str, settings: GatewaySettings) -> int:
    """Seconds until another try is allowed (0: allowed now)."""
    since = time.time() - settings.login_window_minutes * 60
    for column, value in ((LoginFailure.username, username), (LoginFailure.client_ip, client_ip)):
        recent = db.exec(select(func.count(), func.max(LoginFailure.at))
                         .where(column == value, LoginFailure.at > since)).one()
        limit = settings.login_max_failures * (1 if column is LoginFailure.username else 4)
        if recent[0] >= limit:
            remaining = recent[1] + settings.lockout_minutes * 60 - time.time()
            if remaining > 0:
                return int(remaining) + 1
    return 0


def record_failure(db: Session, username: str, client_ip: str, settings: GatewaySettings) -> None:
    now = time.time()
    db.add(LoginFailure(username=username, client_ip=client_ip, at=now))
    horizon = now - max(settings.login_window_minutes, settings.lockout_minutes) * 60
    db.exec(delete(LoginFailure).where(LoginFailure.at < horizon))


def clear_failures(db: Session, username: str) -> None:
    db.exec(delete(LoginFailure).where(LoginFailure.username == username))
