"""workshop_screen: the screen the projector shows, per workshop (the facilitator moves it)

Revision ID: 0012
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshop_screen",
        sa.Column("workshop_id", sa.Integer(), sa.ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("item", sa.String(length=20), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workshop_screen")
