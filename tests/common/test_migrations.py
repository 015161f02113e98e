"""Each process's migrations build exactly the tables its models describe."""

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

from services.common.database import make_engine
from services.common.migrate import current_revision, head_revision, upgrade, version_table

pytestmark = pytest.mark.db

MODELS = {"gateway": "gateway.models", "registry": "services.registry.models",
          "assessment": "services.assessment.models", "assets": "services.assets.tables"}


def merged(metadatas) -> MetaData:
    combined = MetaData()
    for metadata in metadatas:
        for table in metadata.tables.values():
            table.to_metadata(combined)
    return combined


@pytest.mark.parametrize("name", MODELS)
def test_migrations_reach_head_and_match_the_models(name, databases):
    url = databases.new(f"mig_{name}")
    upgrade(name, url)
    engine = make_engine(url, pool_size=1)
    try:
        assert current_revision(name, engine) == head_revision(name)
        target = merged(importlib.import_module(MODELS[name]).target_metadata)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": version_table(name),
                                                             "compare_type": True})
            differences = compare_metadata(context, target)
        assert differences == []
    finally:
        engine.dispose()
