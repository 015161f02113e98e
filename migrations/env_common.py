"""What every chain's env.py does: find the database, then migrate it in its own version table."""

import os
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine, pool

ROOT = Path(__file__).resolve().parents[1]


def database_url(name: str) -> str:
    configured = context.config.get_main_option("sqlalchemy.url")
    url = configured or os.environ.get(f"{name.upper()}_DATABASE_URL", "")
    if not url:
        var_dir = Path(os.environ.get(f"{name.upper()}_VAR_DIR", ROOT / "var"))
        var_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{var_dir / (name + '.db')}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def run(name: str, target_metadata) -> None:
    url = database_url(name)
    options = {"target_metadata": target_metadata, "version_table": f"alembic_version_{name}",
               "render_as_batch": url.startswith("sqlite"), "compare_type": True}
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
