"""organisations and diagnoses

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("lg_code", sa.String(length=6), nullable=True, unique=True),
        sa.Column("prefecture", sa.String(length=2), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "diagnosis",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("question_set", sa.String(length=10), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
    )
    op.create_index("ix_diagnosis_org_id", "diagnosis", ["org_id"])
    op.create_table(
        "diagnosis_answer",
        sa.Column("diagnosis_id", sa.Integer(), sa.ForeignKey("diagnosis.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("question_id", sa.String(length=20), primary_key=True),
        sa.Column("value", sa.Float(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("diagnosis_answer")
    op.drop_index("ix_diagnosis_org_id", "diagnosis")
    op.drop_table("diagnosis")
    op.drop_table("organization")
