"""restart plan: checklist item state, change history, milestones

Revision ID: 0004
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def _org_id(nullable: bool = False) -> sa.Column:
    return sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"),
                     nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "plan_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org_id(),
        sa.Column("item_id", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=4), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "item_id", name="uq_plan_item_org_item"),
    )
    op.create_table(
        "plan_milestone",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org_id(),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_plan_milestone_org_id", "plan_milestone", ["org_id"])
    op.create_table(
        "plan_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org_id(),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("item_id", sa.String(length=20), nullable=True),
        sa.Column("milestone_id", sa.Integer(), sa.ForeignKey("plan_milestone.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
    )
    op.create_index("ix_plan_event_org_changed", "plan_event", ["org_id", "changed_at"])


def downgrade() -> None:
    op.drop_index("ix_plan_event_org_changed", "plan_event")
    op.drop_table("plan_event")
    op.drop_index("ix_plan_milestone_org_id", "plan_milestone")
    op.drop_table("plan_milestone")
    op.drop_table("plan_item")
