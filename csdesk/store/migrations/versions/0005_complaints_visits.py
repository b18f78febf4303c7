"""complaints worked to their close (events, reply deadline, ownership, staff complained about);
return visits (the month's draw, its visits); refused-visit list lifts; manager escalations

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 10:00:00

Only CREATE TABLE, ADD COLUMN and CREATE INDEX: no table is copied, so the
upgrade of a desk with millions of rows takes seconds at most (the indexes on
``workorder`` and ``complaint`` are the only ones built over existing rows).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import csdesk.store.models

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None

TS = csdesk.store.models.UTCDateTime
S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'visitdraw',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', S(length=7), nullable=False),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('share', sa.Float(), nullable=False),
        sa.Column('drawn_at', TS(), nullable=False),
        sa.Column('drawn_by_id', sa.Integer(), nullable=True),
        sa.Column('pool', sa.Boolean(), nullable=False),
        sa.Column('considered_until', TS(), nullable=False),
        sa.Column('population', sa.Integer(), nullable=False),
        sa.Column('rest', sa.Integer(), nullable=False),
        sa.Column('sampled', sa.Integer(), nullable=False),
        sa.Column('picked', sa.Integer(), nullable=False),
        sa.Column('kinds', sa.Text(), nullable=False),
        sa.Column('top_ups', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['drawn_by_id'], ['agent.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('month'),
    )
    op.create_table(
        'returnvisit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draw_id', sa.Integer(), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('completed_at', TS(), nullable=False),
        sa.Column('reasons', S(length=80), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('due_at', TS(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('status', S(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('queued_at', TS(), nullable=True),
        sa.Column('done_at', TS(), nullable=True),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('new_order_id', sa.Integer(), nullable=True),
        sa.Column('refused_visit_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['draw_id'], ['visitdraw.id']),
        sa.ForeignKeyConstraint(['work_order_id'], ['workorder.id']),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['owner_id'], ['agent.id']),
        sa.ForeignKeyConstraint(['done_by_id'], ['agent.id']),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id']),
        sa.ForeignKeyConstraint(['new_order_id'], ['workorder.id']),
        sa.ForeignKeyConstraint(['refused_visit_id'], ['refusedvisit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('work_order_id'),
    )
    op.create_index('ix_returnvisit_draw', 'returnvisit', ['draw_id', 'status', 'reasons', 'late', 'due_at'])
    op.create_index('ix_returnvisit_owner_status_due', 'returnvisit', ['owner_id', 'status', 'due_at'])
    op.create_index('ix_returnvisit_queue', 'returnvisit', ['status', 'queued_at', 'due_at'])
    op.create_table(
        'complaintevent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('at', TS(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('staff_no', S(length=16), nullable=False),
        sa.Column('kind', S(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('changes', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id']),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_complaintevent_complaint_id', 'complaintevent', ['complaint_id'])

    # ADD COLUMN … REFERENCES: SQLite takes a foreign key on an added column when its default is NULL
    op.execute("ALTER TABLE callback ADD COLUMN visit_id INTEGER REFERENCES returnvisit (id)")
    op.create_index('ix_callback_visit_id', 'callback', ['visit_id'])
    op.execute("ALTER TABLE refusedvisit ADD COLUMN lifted_by_id INTEGER REFERENCES agent (id)")
    op.add_column('refusedvisit', sa.Column('lift_reason', sa.Text(), nullable=False, server_default=''))
    op.add_column('refusedvisit', sa.Column('customer_name', S(length=64), nullable=False, server_default=''))
    op.add_column('escalation', sa.Column('to_role', S(length=16), nullable=False, server_default='supervisor'))

    for name, column in (
        ('source', sa.Column('source', S(length=16), nullable=False, server_default='intake')),
        ('unit_key', sa.Column('unit_key', S(length=64), nullable=False, server_default='')),
        ('first_handler_name', sa.Column('first_handler_name', S(length=32), nullable=False, server_default='')),
        ('about_staff_kind', sa.Column('about_staff_kind', S(length=16), nullable=False, server_default='')),
        ('about_staff_name', sa.Column('about_staff_name', S(length=64), nullable=False, server_default='')),
        ('about_technician_id', sa.Column('about_technician_id', sa.Integer(), nullable=True)),
        ('owned_at', sa.Column('owned_at', TS(), nullable=True)),
        ('due_at', sa.Column('due_at', TS(), nullable=True)),
        ('replied_at', sa.Column('replied_at', TS(), nullable=True)),
        ('calls', sa.Column('calls', sa.Integer(), nullable=False, server_default='0')),
        ('overdue_escalated_at', sa.Column('overdue_escalated_at', TS(), nullable=True)),
    ):
        op.add_column('complaint', column)
    # complaints taken before: the supervisor who acknowledged their escalation owns them
    op.execute("UPDATE complaint SET supervisor_id = (SELECT e.acknowledged_by_id FROM escalation e "
               "WHERE e.complaint_id = complaint.id AND e.acknowledged_at IS NOT NULL ORDER BY e.id LIMIT 1), "
               "owned_at = (SELECT e.acknowledged_at FROM escalation e WHERE e.complaint_id = complaint.id "
               "AND e.acknowledged_at IS NOT NULL ORDER BY e.id LIMIT 1), status = 'in_hand' "
               "WHERE status = 'escalated' AND supervisor_id IS NULL AND EXISTS (SELECT 1 FROM escalation e "
               "WHERE e.complaint_id = complaint.id AND e.acknowledged_at IS NOT NULL)")
    op.execute("UPDATE complaint SET unit_key = coalesce((SELECT c.unit_key FROM contact c "
               "WHERE c.id = complaint.contact_id), '')")
    for name, cols in (
        ('ix_complaint_complained', ['complained_at', 'id']),
        ('ix_complaint_status_due', ['status', 'due_at']),
        ('ix_complaint_status_complained', ['status', 'complained_at', 'id']),
        ('ix_complaint_supervisor', ['supervisor_id', 'status', 'complained_at', 'id']),
        ('ix_complaint_closed', ['closed_at']),
        ('ix_complaint_customer', ['customer_id']),
        ('ix_complaint_workorder', ['work_order_id']),
        ('ix_complaint_order_ref', ['order_ref']),
        ('ix_complaint_name', ['customer_name']),
        ('ix_complaint_phone', ['contact_phone']),
        ('ix_complaint_unit', ['unit_key']),
        ('ix_complaint_about_staff', ['about_staff_kind', 'about_staff_name', 'complained_at']),
    ):
        op.create_index(name, 'complaint', cols)
    op.create_index('ix_complaint_phone_last4', 'complaint', [sa.text('substr(contact_phone, -4)')])
    op.create_index('ix_workorder_draw', 'workorder', ['completed_at', 'status', 'category', 'paid', 'customer_id',
                                                      'owner_id', 'completed_by', 'assignee'])


def downgrade() -> None:
    op.drop_index('ix_workorder_draw', table_name='workorder')
    for name in ('ix_complaint_phone_last4', 'ix_complaint_about_staff', 'ix_complaint_unit', 'ix_complaint_phone',
                 'ix_complaint_name', 'ix_complaint_order_ref', 'ix_complaint_workorder', 'ix_complaint_customer',
                 'ix_complaint_closed', 'ix_complaint_supervisor', 'ix_complaint_status_complained', 'ix_complaint_status_due',
                 'ix_complaint_complained'):
        op.drop_index(name, table_name='complaint')
    for column in ('overdue_escalated_at', 'calls', 'replied_at', 'due_at', 'owned_at', 'about_technician_id',
                   'about_staff_name', 'about_staff_kind', 'first_handler_name', 'unit_key', 'source'):
        op.drop_column('complaint', column)
    op.drop_column('escalation', 'to_role')
    op.drop_column('refusedvisit', 'customer_name')
    op.drop_column('refusedvisit', 'lift_reason')
    op.drop_column('refusedvisit', 'lifted_by_id')
    op.drop_index('ix_callback_visit_id', table_name='callback')
    op.drop_column('callback', 'visit_id')
    op.drop_index('ix_complaintevent_complaint_id', table_name='complaintevent')
    op.drop_table('complaintevent')
    op.drop_index('ix_returnvisit_queue', table_name='returnvisit')
    op.drop_index('ix_returnvisit_owner_status_due', table_name='returnvisit')
    op.drop_index('ix_returnvisit_draw', table_name='returnvisit')
    op.drop_table('returnvisit')
    op.drop_table('visitdraw')
