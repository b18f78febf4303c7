"""handover notebook: pages per agent and shift occurrence addressed to the next shift, compiled items
with instructions and "do first", item-by-item acknowledgement, read-back notes and append-only remarks,
ownership passing, review, escalation of unacknowledged items; sign-off frozen by triggers

Revision ID: 0006
Revises: 0005 (main's head when merged; the lead re-chains it at merge)
Create Date: 2026-12-01 09:00:00

ADD COLUMN, CREATE TABLE and CREATE INDEX only: no table is copied, so the
upgrade of a register with millions of rows takes seconds (the new indexes on
work orders, their events, complaints and escalations are what the handover's
compiling reads by).

Signing a page off (``handover.submitted_at``) freezes its outgoing part in
the database itself: UPDATE of the page's outgoing fields or of its items'
outgoing fields, and DELETE of the page or its items, abort.  The receiving
part stays writable once: an item's or a page's acknowledgement, review and
escalation are set and never changed after.  Remarks and passing records are
append-only.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import csdesk.store.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FROZEN = "the handover page is signed off: its outgoing part is never edited; add a remark beside it"
ONCE = "a handover acknowledgement, review or escalation is recorded once and never changed"
APPEND_ONLY = "handover remarks and passing records are append-only"

PAGE_OUTGOING = ("id", "shift_code", "shift_date", "from_agent_id", "notes", "written_at", "submitted_at",
                 "shift_start_at", "shift_end_at", "to_shift_code", "to_shift_date", "to_start_at")
PAGE_ONCE = ("acknowledged_at", "acknowledged_by_id", "reviewed_at", "reviewed_by_id", "escalated_at")
ITEM_OUTGOING = ("id", "handover_id", "kind", "text", "state", "customer_id", "work_order_id", "callback_id",
                 "sort", "matter", "matter_id", "complaint_id", "escalation_id", "ref_number", "customer_name",
                 "phone", "unit_key", "urgency", "urgency_group", "deadline_at", "last_update_at", "instruction",
                 "do_first")
ITEM_ONCE = ("acknowledged_at", "acknowledged_by_id", "escalated_at")


def _changed(columns) -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


def _once(columns) -> str:
    return " OR ".join(f"(OLD.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in columns)


_SIGNED = "(SELECT submitted_at FROM handover WHERE handover.id = OLD.handover_id) IS NOT NULL"

TRIGGERS = {
    "handover_signed_frozen": (
        f"BEFORE UPDATE ON handover WHEN OLD.submitted_at IS NOT NULL AND "
        f"({_changed(PAGE_OUTGOING)} OR NEW.status = 'draft') "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"),
    "handover_receipt_once": (
        f"BEFORE UPDATE ON handover WHEN {_once(PAGE_ONCE)} "
        f"BEGIN SELECT RAISE(ABORT, '{ONCE}'); END"),
    "handover_signed_no_delete": (
        f"BEFORE DELETE ON handover WHEN OLD.submitted_at IS NOT NULL "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"),
    "handoveritem_signed_frozen": (
        f"BEFORE UPDATE ON handoveritem WHEN {_SIGNED} AND ({_changed(ITEM_OUTGOING)}) "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"),
    "handoveritem_receipt_once": (
        f"BEFORE UPDATE ON handoveritem WHEN {_once(ITEM_ONCE)} "
        f"BEGIN SELECT RAISE(ABORT, '{ONCE}'); END"),
    "handoveritem_signed_no_delete": (
        f"BEFORE DELETE ON handoveritem WHEN {_SIGNED} "
        f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"),
    "handoverremark_no_update": f"BEFORE UPDATE ON handoverremark BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "handoverremark_no_delete": f"BEFORE DELETE ON handoverremark BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "handoverpass_no_update": f"BEFORE UPDATE ON handoverpass BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "handoverpass_no_delete": f"BEFORE DELETE ON handoverpass BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
}


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False, server_default='')


def _ts(name: str) -> sa.Column:
    return sa.Column(name, csdesk.store.models.UTCDateTime(), nullable=True)


def _add_fk(table: str, name: str, target: str) -> None:
    # Alembic cannot ALTER constraints on SQLite, but SQLite adds a column with
    # its REFERENCES clause in place when its default is NULL
    op.execute(f"ALTER TABLE {table} ADD COLUMN {name} INTEGER REFERENCES {target} (id)")


def upgrade() -> None:
    # -- pages
    for column in (_ts('shift_start_at'), _ts('shift_end_at'), _text('to_shift_code', 32),
                   sa.Column('to_shift_date', sa.Date(), nullable=True), _ts('to_start_at'), _ts('escalated_at')):
        op.add_column('handover', column)
    op.create_index('uq_handover_page', 'handover', ['from_agent_id', 'shift_code', 'shift_date'], unique=True)
    op.create_index('ix_handover_day', 'handover', ['shift_date', 'shift_code'])
    op.create_index('ix_handover_to', 'handover', ['to_start_at', 'acknowledged_at'])
    op.create_index('ix_handover_open', 'handover', ['acknowledged_at', 'escalated_at', 'to_start_at'])
    # -- items
    for column in (_text('matter', 16), sa.Column('matter_id', sa.Integer(), nullable=True), _text('ref_number', 32),
                   _text('customer_name', 64), _text('phone', 32), _text('unit_key', 64), _text('urgency', 16),
                   _text('urgency_group', 16), _ts('deadline_at'), _ts('last_update_at'),
                   sa.Column('instruction', sa.Text(), nullable=False, server_default=''),
                   sa.Column('do_first', sa.Boolean(), nullable=False, server_default='0'), _ts('escalated_at')):
        op.add_column('handoveritem', column)
    _add_fk('handoveritem', 'complaint_id', 'complaint')
    _add_fk('handoveritem', 'escalation_id', 'escalation')
    _add_fk('handoveritem', 'acknowledged_by_id', 'agent')
    op.create_index('ix_handoveritem_matter', 'handoveritem', ['matter', 'matter_id'])
    # -- remarks: item, kind
    _add_fk('handoverremark', 'item_id', 'handoveritem')
    op.add_column('handoverremark', sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                              server_default='remark'))
    # -- ownership passing
    op.create_table(
        'handoverpass',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('handover_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('matter', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('matter_id', sa.Integer(), nullable=False),
        sa.Column('from_agent_id', sa.Integer(), nullable=True),
        sa.Column('to_agent_id', sa.Integer(), nullable=False),
        sa.Column('first_owner_id', sa.Integer(), nullable=True),
        sa.Column('at', csdesk.store.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['first_owner_id'], ['agent.id']),
        sa.ForeignKeyConstraint(['from_agent_id'], ['agent.id']),
        sa.ForeignKeyConstraint(['handover_id'], ['handover.id']),
        sa.ForeignKeyConstraint(['item_id'], ['handoveritem.id']),
        sa.ForeignKeyConstraint(['to_agent_id'], ['agent.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoverpass_handover_id', 'handoverpass', ['handover_id'])
    # -- escalations of unacknowledged items; what the compiling reads by
    _add_fk('escalation', 'handover_id', 'handover')
    op.create_index('ix_escalation_creator', 'escalation', ['created_by_id', 'acknowledged_at'])
    op.create_index('ix_workorder_owner', 'workorder', ['owner_id', 'status'])
    op.create_index('ix_workorderevent_agent_at', 'workorderevent', ['agent_id', 'at'])
    op.create_index('ix_complaint_handler', 'complaint', ['first_handler_id', 'complained_at'])
    op.create_index('ix_problemlog_at', 'problemlog', ['at'])
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('ix_problemlog_at', table_name='problemlog')
    op.drop_index('ix_complaint_handler', table_name='complaint')
    op.drop_index('ix_workorderevent_agent_at', table_name='workorderevent')
    op.drop_index('ix_workorder_owner', table_name='workorder')
    op.drop_index('ix_escalation_creator', table_name='escalation')
    with op.batch_alter_table('escalation') as batch:
        batch.drop_column('handover_id')
    op.drop_index('ix_handoverpass_handover_id', table_name='handoverpass')
    op.drop_table('handoverpass')
    with op.batch_alter_table('handoverremark') as batch:
        batch.drop_column('kind')
        batch.drop_column('item_id')
    op.drop_index('ix_handoveritem_matter', table_name='handoveritem')
    with op.batch_alter_table('handoveritem') as batch:
        for name in ('escalated_at', 'acknowledged_by_id', 'do_first', 'instruction', 'last_update_at',
                     'deadline_at', 'urgency_group', 'urgency', 'unit_key', 'phone', 'customer_name',
                     'ref_number', 'escalation_id', 'complaint_id', 'matter_id', 'matter'):
            batch.drop_column(name)
    for name in ('ix_handover_open', 'ix_handover_to', 'ix_handover_day', 'uq_handover_page'):
        op.drop_index(name, table_name='handover')
    with op.batch_alter_table('handover') as batch:
        for name in ('escalated_at', 'to_start_at', 'to_shift_date', 'to_shift_code', 'shift_end_at',
                     'shift_start_at'):
            batch.drop_column(name)
