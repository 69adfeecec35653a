"""live workshop: workshops, participants, answers, consensus

Revision ID: 0003
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshop",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=8), nullable=False, unique=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("question_set", sa.String(length=10), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=True),
        sa.Column("revealed", sa.Boolean(), nullable=False),
        sa.Column("consensus_size", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("diagnosis_id", sa.Integer(), sa.ForeignKey("diagnosis.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_workshop_org_id", "workshop", ["org_id"])
    op.create_table(
        "workshop_participant",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workshop_id", sa.Integer(), sa.ForeignKey("workshop.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("workshop_id", "token", name="uq_workshop_participant_token"),
    )
    op.create_table(
        "workshop_answer",
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("workshop_participant.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("question_id", sa.String(length=20), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=True),
    )
    op.create_table(
        "workshop_consensus",
        sa.Column("workshop_id", sa.Integer(), sa.ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("question_id", sa.String(length=20), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("workshop_consensus")
    op.drop_table("workshop_answer")
    op.drop_table("workshop_participant")
    op.drop_index("ix_workshop_org_id", "workshop")
    op.drop_table("workshop")
