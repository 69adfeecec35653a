"""merge the KPI, workshop and restart-plan branches into one head

The three areas were built side by side, each branching from 0001; from here on the
schema has a single line of migrations again (``alembic upgrade head`` works).

Revision ID: 0005
Revises: 0002, 0003, 0004
"""

revision = "0005"
down_revision = ("0002", "0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
