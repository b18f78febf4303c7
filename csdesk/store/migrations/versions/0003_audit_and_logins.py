"""audit: staff number and changed fields, append-only triggers; logins: failures and lock; orders: held since

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 18:00:00

Columns are added in place (ALTER TABLE ADD COLUMN, no table copy), so the
upgrade of a register with millions of rows takes no time.  The audit log
becomes append-only in the database itself: an UPDATE or DELETE on it aborts.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import csdesk.store.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

APPEND_ONLY = ("auditlog_no_update", "UPDATE"), ("auditlog_no_delete", "DELETE")


def upgrade() -> None:
    op.add_column('auditlog', sa.Column('staff_no', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                        server_default=''))
    op.add_column('auditlog', sa.Column('changes', sa.Text(), nullable=False, server_default=''))
    op.create_index('ix_auditlog_entity', 'auditlog', ['entity', 'entity_id', 'id'], unique=False)
    op.create_index('ix_auditlog_at', 'auditlog', ['at'], unique=False)
    op.add_column('agent', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('agent', sa.Column('locked_until', csdesk.store.models.UTCDateTime(), nullable=True))
    op.add_column('workorder', sa.Column('held_since', csdesk.store.models.UTCDateTime(), nullable=True))
    op.add_column('workorderevent', sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                              server_default='status'))
    op.add_column('workorderevent', sa.Column('changes', sa.Text(), nullable=False, server_default=''))
    # earlier audit rows name their agent by id only: give them the staff number too
    op.execute("UPDATE auditlog SET staff_no = coalesce((SELECT staff_no FROM agent WHERE agent.id = auditlog.agent_id), '')")
    for name, event in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON auditlog "
                   "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


def downgrade() -> None:
    for name, _event in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_column('workorderevent', 'changes')
    op.drop_column('workorderevent', 'kind')
    op.drop_column('workorder', 'held_since')
    op.drop_column('agent', 'locked_until')
    op.drop_column('agent', 'failed_logins')
    op.drop_index('ix_auditlog_at', table_name='auditlog')
    op.drop_index('ix_auditlog_entity', table_name='auditlog')
    op.drop_column('auditlog', 'changes')
    op.drop_column('auditlog', 'staff_no')
