"""monthly KPIs: values, uploads and their changes, targets, settings, custom KPIs

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("new_values", sa.Integer(), nullable=False),
        sa.Column("changed_values", sa.Integer(), nullable=False),
        sa.Column("unchanged_values", sa.Integer(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_kpi_upload_org_id", "kpi_upload", ["org_id"])
    op.create_table(
        "kpi_value",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("process", sa.String(length=100), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("kpi_upload.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_upload_id", sa.Integer(), sa.ForeignKey("kpi_upload.id", ondelete="SET NULL"),
                  nullable=True),
        sa.UniqueConstraint("org_id", "month", "department", "process", "measure", name="uq_kpi_value_cell"),
    )
    op.create_index("ix_kpi_value_created_upload_id", "kpi_value", ["created_upload_id"])
    op.create_table(
        "kpi_change",
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("kpi_upload.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("value_id", sa.Integer(), sa.ForeignKey("kpi_value.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("old_value", sa.Float(), nullable=False),
        sa.Column("old_upload_id", sa.Integer(), nullable=True),
        sa.Column("new_value", sa.Float(), nullable=False),
    )
    op.create_index("ix_kpi_change_value_id", "kpi_change", ["value_id"])
    op.create_table(
        "kpi_target",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kpi", sa.String(length=40), primary_key=True),
        sa.Column("fiscal_year", sa.Integer(), primary_key=True),
        sa.Column("value", sa.Float(), nullable=False),
    )
    op.create_table(
        "kpi_settings",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("hourly_rate", sa.Float(), nullable=True),
        sa.Column("baseline_time_per_case", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "kpi_custom",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("aggregate", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "name", name="uq_kpi_custom_name"),
    )


def downgrade() -> None:
    op.drop_table("kpi_custom")
    op.drop_table("kpi_settings")
    op.drop_table("kpi_target")
    op.drop_index("ix_kpi_change_value_id", "kpi_change")
    op.drop_table("kpi_change")
    op.drop_index("ix_kpi_value_created_upload_id", "kpi_value")
    op.drop_table("kpi_value")
    op.drop_index("ix_kpi_upload_org_id", "kpi_upload")
    op.drop_table("kpi_upload")
