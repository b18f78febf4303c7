"""Alembic environment for csdesk: run against the engine csdesk hands over."""

from alembic import context
from sqlmodel import SQLModel

import csdesk.store.models  # noqa: F401  (registers the tables)
from csdesk.store.engine import include_in_autogenerate

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from csdesk.store.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            include_object=include_in_autogenerate,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
