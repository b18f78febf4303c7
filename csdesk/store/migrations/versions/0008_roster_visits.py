"""return visits by the technician roster: the draw's covering index carries the order's technician,
complaints are found by the technician complained about

Revision ID: 0008
Revises: 0007 (main's head when branched; the lead re-chains it at merge)
Create Date: 2026-12-02 09:00:00

CREATE INDEX / DROP INDEX only: no table is copied.  ``ix_workorder_draw`` is
rebuilt with ``technician_id`` so that the month's draw still reads the index
alone (the technician's hire date comes from the small roster table).
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_DRAW_BEFORE = ['completed_at', 'status', 'category', 'paid', 'customer_id', 'owner_id', 'completed_by', 'assignee']


def upgrade() -> None:
    op.drop_index('ix_workorder_draw', table_name='workorder')
    op.create_index('ix_workorder_draw', 'workorder', [*_DRAW_BEFORE, 'technician_id'])
    op.create_index('ix_complaint_about_technician', 'complaint', ['about_technician_id', 'complained_at'])


def downgrade() -> None:
    op.drop_index('ix_complaint_about_technician', table_name='complaint')
    op.drop_index('ix_workorder_draw', table_name='workorder')
    op.create_index('ix_workorder_draw', 'workorder', _DRAW_BEFORE)
