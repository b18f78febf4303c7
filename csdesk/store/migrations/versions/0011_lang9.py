"""the register searched by work-order and complaint numbers: an index on each link of contact

Revision ID: 0011
Revises: 0005
Create Date: 2026-12-01 10:00:00

Only CREATE INDEX: the two indexes are built over the existing contacts (about
a second per million rows).  The lead re-chains this revision at merge time.
"""
from alembic import op

revision = '0011'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_contact_work_order', 'contact', ['work_order_id', 'received_at'], unique=False)
    op.create_index('ix_contact_complaint', 'contact', ['complaint_id', 'received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_contact_complaint', table_name='contact')
    op.drop_index('ix_contact_work_order', table_name='contact')
