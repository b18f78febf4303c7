"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 07:12:14.306964
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import csdesk.store.models


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meta',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('agent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_no', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('password_changed_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('staff_no')
    )
    op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('parent_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('department_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_parent_code'), ['parent_code'], unique=False)

    op.create_table('counter',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('feeitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=True),
    sa.Column('unit_zh', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('unit_en', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('department_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name_zh', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('start', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('end', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('auditlog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditlog', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditlog_agent_id'), ['agent_id'], unique=False)

    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name_initials', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('building', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('room', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('unit_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_initials', ['name_initials'], unique=False)
        batch_op.create_index('ix_customer_name', ['name'], unique=False)
        batch_op.create_index('ix_customer_unit_key', ['unit_key'], unique=False)

    op.create_table('draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('updated_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id', 'kind', name='uq_draft_agent_kind')
    )
    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shift_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('shift_date', sa.Date(), nullable=False),
    sa.Column('from_agent_id', sa.Integer(), nullable=False),
    sa.Column('to_agent_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('written_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['from_agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['to_agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('problemlog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('problemlog', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problemlog_agent_id'), ['agent_id'], unique=False)

    op.create_table('customerphone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ext', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('primary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'phone', name='uq_customer_phone')
    )
    with op.batch_alter_table('customerphone', schema=None) as batch_op:
        batch_op.create_index('ix_customer_phone_phone', ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_customerphone_customer_id'), ['customer_id'], unique=False)

    op.create_table('handoverremark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['handover_id'], ['handover.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoverremark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoverremark_handover_id'), ['handover_id'], unique=False)

    op.create_table('refusedvisit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('unit_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('lifted_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('refusedvisit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refusedvisit_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refusedvisit_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_refusedvisit_unit_key'), ['unit_key'], unique=False)

    op.create_table('workorder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('unit_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subtype', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('urgency', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('appointment_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('deadline_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('assignee', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('fee_item_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('quoted_fee_fen', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('dispatched_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('completed_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('closed_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('hold_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('materials', sa.Text(), nullable=False),
    sa.Column('fee_charged_fen', sa.Integer(), nullable=True),
    sa.Column('customer_opinion', sa.Text(), nullable=False),
    sa.Column('signed', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('completed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('overdue_escalated_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('copies_printed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['agent.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('workorder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workorder_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_workorder_customer', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_workorder_status_deadline', ['status', 'deadline_at'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('complained_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('order_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('first_handler_id', sa.Integer(), nullable=True),
    sa.Column('first_handler_staff_no', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('about_agent_id', sa.Integer(), nullable=True),
    sa.Column('escalated_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('escalation_reason', sa.Text(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('customer_response', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('closed_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['about_agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['first_handler_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['workorder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_table('workorderevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('staff_no', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['workorder.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workorderevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workorderevent_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('received_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('ended_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel_detail', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name_initials', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('phone_ext', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('unit_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subtype', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('urgency', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('handling', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('closed_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('identity_verified', sa.Boolean(), nullable=True),
    sa.Column('verified_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('converted', sa.Boolean(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('agent_staff_no', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('referred_department', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('referral_contact', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('escalation_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('parent_callback_id', sa.Integer(), nullable=True),
    sa.Column('duration_s', sa.Integer(), nullable=True),
    sa.Column('created_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['workorder.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index('ix_contact_customer_received', ['customer_id', 'received_at'], unique=False)
        batch_op.create_index('ix_contact_phone', ['phone'], unique=False)
        batch_op.create_index('ix_contact_received', ['received_at', 'id'], unique=False)
        batch_op.create_index('ix_contact_unit_received', ['unit_key', 'received_at'], unique=False)

    op.create_table('callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('customer_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('result_note', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['done_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['workorder.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.create_index('ix_callback_queue', ['agent_id', 'done_at', 'due_at'], unique=False)

    op.create_table('escalation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', csdesk.store.models.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['workorder.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.create_index('ix_escalation_open', ['acknowledged_at', 'created_at'], unique=False)

    op.create_table('handoveritem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('callback_id', sa.Integer(), nullable=True),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', csdesk.store.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['callback_id'], ['callback.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['handover_id'], ['handover.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['workorder.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoveritem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoveritem_handover_id'), ['handover_id'], unique=False)


    # Expression indexes on the last four digits (autogenerate cannot render them).
    # Queries must spell the literal: substr(phone, -4) = ?  (a bound -4 misses the index).
    op.execute("CREATE INDEX ix_customer_phone_last4 ON customerphone (substr(phone, -4))")
    op.execute("CREATE INDEX ix_contact_phone_last4 ON contact (substr(phone, -4))")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_contact_phone_last4")
    op.execute("DROP INDEX IF EXISTS ix_customer_phone_last4")
    with op.batch_alter_table('handoveritem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoveritem_handover_id'))

    op.drop_table('handoveritem')
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_open')

    op.drop_table('escalation')
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_queue')

    op.drop_table('callback')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_unit_received')
        batch_op.drop_index('ix_contact_received')
        batch_op.drop_index('ix_contact_phone')
        batch_op.drop_index('ix_contact_customer_received')

    op.drop_table('contact')
    with op.batch_alter_table('workorderevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workorderevent_work_order_id'))

    op.drop_table('workorderevent')
    op.drop_table('complaint')
    with op.batch_alter_table('workorder', schema=None) as batch_op:
        batch_op.drop_index('ix_workorder_status_deadline')
        batch_op.drop_index('ix_workorder_customer')
        batch_op.drop_index(batch_op.f('ix_workorder_contact_id'))

    op.drop_table('workorder')
    with op.batch_alter_table('refusedvisit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refusedvisit_unit_key'))
        batch_op.drop_index(batch_op.f('ix_refusedvisit_phone'))
        batch_op.drop_index(batch_op.f('ix_refusedvisit_customer_id'))

    op.drop_table('refusedvisit')
    with op.batch_alter_table('handoverremark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoverremark_handover_id'))

    op.drop_table('handoverremark')
    with op.batch_alter_table('customerphone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customerphone_customer_id'))
        batch_op.drop_index('ix_customer_phone_phone')

    op.drop_table('customerphone')
    with op.batch_alter_table('problemlog', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problemlog_agent_id'))

    op.drop_table('problemlog')
    op.drop_table('handover')
    op.drop_table('draft')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_unit_key')
        batch_op.drop_index('ix_customer_name')
        batch_op.drop_index('ix_customer_initials')

    op.drop_table('customer')
    with op.batch_alter_table('auditlog', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditlog_agent_id'))

    op.drop_table('auditlog')
    op.drop_table('shift')
    op.drop_table('feeitem')
    op.drop_table('department')
    op.drop_table('counter')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_parent_code'))

    op.drop_table('category')
    op.drop_table('agent')
    op.drop_table('meta')
