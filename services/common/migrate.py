"""Alembic, driven from code: one version chain per process, in its own version table."""

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from services.common.settings import ROOT


def alembic_config(name: str, url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"), ini_section=name)
    config.set_main_option("script_location", str(ROOT / "migrations" / name))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(name: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(name, url), revision)


def version_table(name: str) -> str:
    return f"alembic_version_{name}"


@cache
def head_revision(name: str) -> str | None:
    return ScriptDirectory(str(ROOT / "migrations" / name)).get_current_head()


def current_revision(name: str, engine: Engine) -> str | None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": version_table(name)})
        return context.get_current_revision()
