"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import csdesk.models  # noqa: F401
from csdesk.db import include_in_autogenerate


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_in_autogenerate})
        diff = compare_metadata(context, SQLModel.metadata)
    # expression indexes cannot be compared on SQLite; everything else must match
    assert diff == []


def test_the_search_index_tables_exist_but_are_not_models(engine):
    with engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "contact_fts" in names
    assert "contact_fts" not in SQLModel.metadata.tables
