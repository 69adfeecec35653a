"""workshop door: a room PIN shown on the projector only, and whether new participants may join

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("pin", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("joins_open", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("joins_open")
        batch.drop_column("pin")
