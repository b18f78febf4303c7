"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import csdesk.store.models  # noqa: F401
from csdesk.store.engine import include_in_autogenerate


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


def test_known_revisions_agree_with_alembic(engine):
    from alembic.script import ScriptDirectory

    from csdesk.store.engine import alembic_config, known_revisions

    script = ScriptDirectory.from_config(alembic_config(engine))
    revisions, head = known_revisions()
    assert revisions == {r.revision for r in script.walk_revisions()}
    assert head == script.get_current_head()
    # one line of revisions: each revises the one before
    ordered = sorted(revisions)
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert script.get_revision(after).down_revision == before


def test_opening_a_current_database_does_not_import_alembic(db_path, engine):
    import subprocess
    import sys

    code = ("import sys; from csdesk.store.engine import open_database; open_database(sys.argv[1]);"
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
