"""register search: the contact_fts index and its triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:40:00

See csdesk/search_index.py for the design: one contentless FTS5 table over
prepared text (CJK bigrams), names, pinyin initials and filter tags, whose
rowid is the register's time key.
"""
from alembic import op

from csdesk.store import search_index

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    search_index.create(op.get_bind())


def downgrade() -> None:
    search_index.drop(op.get_bind())
