"""intake: each console keeps its own drafts; the customer's order reference on a contact

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00

``contact`` (millions of rows) only gains a column (ADD COLUMN: no copy).
``draft`` is small (one row per console with a form being typed): it is rebuilt
to replace its unique key (agent, kind) with (agent, kind, console).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import csdesk.store.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TS = csdesk.store.models.UTCDateTime
S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_ref', S(length=64), server_default='', nullable=False))
    with op.batch_alter_table('draft', schema=None, recreate='always') as batch_op:
        batch_op.add_column(sa.Column('console', S(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('seen_at', TS(), nullable=True))
        batch_op.drop_constraint('uq_draft_agent_kind', type_='unique')
        batch_op.create_unique_constraint('uq_draft_agent_kind_console', ['agent_id', 'kind', 'console'])


def downgrade() -> None:
    op.execute("DELETE FROM draft WHERE id NOT IN (SELECT max(id) FROM draft GROUP BY agent_id, kind)")
    with op.batch_alter_table('draft', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint('uq_draft_agent_kind_console', type_='unique')
        batch_op.create_unique_constraint('uq_draft_agent_kind', ['agent_id', 'kind'])
        batch_op.drop_column('seen_at')
        batch_op.drop_column('console')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('order_ref')
