"""drafts: unfinished answers kept on the server, keyed by a random token in the user's URL

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("kind", sa.String(length=20), primary_key=True),
        sa.Column("token", sa.String(length=64), primary_key=True),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_draft_updated_at", "draft", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_draft_updated_at", table_name="draft")
    op.drop_table("draft")
