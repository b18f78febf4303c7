"""Alembic environment for csdesk: run on the connection (or engine) csdesk hands over.

There is no URL in any ini file: ``csdesk.store.engine.alembic_config`` passes the
connection in ``config.attributes`` (a ``%`` in a path would otherwise be read as
ConfigParser interpolation).  csdesk's own upgrade passes a connection already
inside ``BEGIN IMMEDIATE``, so the migrations run in its transaction, holding the
write lock from the first statement; given an engine, the same is done here.
"""

from alembic import context
from sqlmodel import SQLModel

import csdesk.store.models  # noqa: F401  (registers the tables)
from csdesk.store.engine import include_in_autogenerate

config = context.config
target_metadata = SQLModel.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_in_autogenerate,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = config.attributes.get("engine")
    if engine is None:
        raise RuntimeError("csdesk's migrations run through csdesk.store.engine "
                           "(csdesk db upgrade), which hands over the database")
    with engine.execution_options(sqlite_begin="IMMEDIATE").connect() as connection:
        with connection.begin():
            _run(connection)


run_migrations_online()
