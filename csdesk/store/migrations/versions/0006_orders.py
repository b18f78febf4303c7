"""orders: technician roster, fee lines, technician/price-told/explanation/print columns, list indexes, order search

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 19:00:00

New tables (technician, workorderfee) and columns added in place (ALTER TABLE
ADD COLUMN): no table is copied.  The list's indexes and the ``workorder_fts``
search index are built from the existing orders (seconds on a desk's table).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import csdesk.store.models
from csdesk.store import order_index
from csdesk.store.models import OPEN_ORDER_SQL

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

UTC = csdesk.store.models.UTCDateTime
S = sqlmodel.sql.sqltypes.AutoString

INDEXES = (
    ('ix_workorder_created', ['created_at', 'id'], None),
    ('ix_workorder_open_owner', ['owner_id', 'deadline_at', 'id'], OPEN_ORDER_SQL),
    ('ix_workorder_open_department', ['department', 'deadline_at', 'id'], OPEN_ORDER_SQL),
    ('ix_workorder_open_deadline', ['deadline_at', 'id'], OPEN_ORDER_SQL),
    ('ix_workorder_escalated', ['deadline_at', 'id'], f"overdue_escalated_at IS NOT NULL AND {OPEN_ORDER_SQL}"),
    ('ix_workorder_held', ['deadline_at', 'id'], "status = 'on_hold'"),
    ('ix_workorder_done', ['completed_at', 'id'], "status = 'done'"),
    ('ix_workorder_phone', ['phone', 'created_at'], None),
    ('ix_workorder_unit', ['unit_key', 'created_at'], None),
)


def upgrade() -> None:
    op.create_table('technician',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', S(length=32), nullable=False),
    sa.Column('name', S(length=32), nullable=False),
    sa.Column('phone', S(length=32), nullable=False),
    sa.Column('department_code', S(length=32), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('skills', S(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_index('ix_technician_department', 'technician', ['department_code', 'active'], unique=False)
    op.create_table('workorderfee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('code', S(length=32), nullable=False),
    sa.Column('name_zh', S(length=64), nullable=False),
    sa.Column('name_en', S(length=64), nullable=False),
    sa.Column('unit_zh', S(length=16), nullable=False),
    sa.Column('unit_en', S(length=16), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('note', S(length=200), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['workorder.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_workorderfee_work_order_id'), 'workorderfee', ['work_order_id'], unique=False)

    # ADD COLUMN in place (SQLite adds a column with a foreign key when its default is NULL;
    # Alembic's add_column would want a table copy for the constraint)
    op.add_column('workorder', sa.Column('received_at', UTC(), nullable=True))
    op.add_column('workorder', sa.Column('name_initials', S(length=64), nullable=False, server_default=''))
    op.execute("ALTER TABLE workorder ADD COLUMN technician_id INTEGER REFERENCES technician (id)")
    op.add_column('workorder', sa.Column('price_told', sa.Boolean(), nullable=False, server_default='0'))
    op.add_column('workorder', sa.Column('explanation', sa.Text(), nullable=False, server_default=''))
    op.add_column('workorder', sa.Column('catch_up_plan', sa.Text(), nullable=False, server_default=''))
    op.add_column('workorder', sa.Column('explained_at', UTC(), nullable=True))
    op.execute("ALTER TABLE workorder ADD COLUMN explained_by_id INTEGER REFERENCES agent (id)")
    op.add_column('workorder', sa.Column('explanation_ack_at', UTC(), nullable=True))
    op.execute("ALTER TABLE workorder ADD COLUMN explanation_ack_by_id INTEGER REFERENCES agent (id)")
    op.add_column('workorder', sa.Column('print_count', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('workorder', sa.Column('printed_at', UTC(), nullable=True))

    for name, columns, where in INDEXES:
        op.create_index(name, 'workorder', columns, unique=False,
                        **({'sqlite_where': sa.text(where)} if where else {}))
    op.execute("CREATE INDEX ix_workorder_phone_last4 ON workorder (substr(phone, -4))")

    # the 5-minute rule counts from the call; orders opened before this revision take it from their intake
    op.execute("UPDATE workorder SET received_at = (SELECT c.received_at FROM contact c WHERE c.id = workorder.contact_id) "
               "WHERE contact_id IS NOT NULL")
    # pinyin initials of the customer, for the search (the service fills them from now on)
    op.execute("UPDATE workorder SET name_initials = coalesce((SELECT c.name_initials FROM customer c "
               "WHERE c.id = workorder.customer_id AND c.name = workorder.customer_name), '') "
               "WHERE customer_id IS NOT NULL")
    order_index.create(op.get_bind())


def downgrade() -> None:
    order_index.drop(op.get_bind())
    op.execute("DROP INDEX IF EXISTS ix_workorder_phone_last4")
    for name, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name='workorder')
    with op.batch_alter_table('workorder') as batch:
        for column in ('printed_at', 'print_count', 'explanation_ack_by_id', 'explanation_ack_at', 'explained_by_id',
                       'explained_at', 'catch_up_plan', 'explanation', 'price_told', 'technician_id',
                       'name_initials', 'received_at'):
            batch.drop_column(column)
    op.drop_index(op.f('ix_workorderfee_work_order_id'), table_name='workorderfee')
    op.drop_table('workorderfee')
    op.drop_index('ix_technician_department', table_name='technician')
    op.drop_table('technician')
