"""login failures: wrong admin passwords, for a lockout across sessions and processes

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
    )
    op.create_index("ix_login_failure_at", "login_failure", ["at"])
    op.create_index("ix_login_failure_client", "login_failure", ["client"])


def downgrade() -> None:
    op.drop_index("ix_login_failure_client", table_name="login_failure")
    op.drop_index("ix_login_failure_at", table_name="login_failure")
    op.drop_table("login_failure")
