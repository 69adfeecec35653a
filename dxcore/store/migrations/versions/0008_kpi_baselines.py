"""KPI baselines per process, the pay basis of the hourly rate, survey names

- ``kpi_baseline``: a pre-improvement time per case per department × process, set by hand.
  The one organisation-wide baseline of ``kpi_settings.baseline_time_per_case`` is carried
  over to every process that has hours or cases stored, so what a user set still applies
  (per process now, so a change of case mix no longer reads as a saving); the column goes.
- ``kpi_settings`` gains the organisation's pay basis (pay per staff member, employer's
  共済費 share, annual hours) and the names of the resident and staff surveys.
- The KPI ``cost_saved`` is now ``staff_cost_equivalent`` (削減時間の人件費換算額): its
  stored targets move to the new id.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RENAMED_KPIS = (("cost_saved", "staff_cost_equivalent"),)


def upgrade() -> None:
    op.create_table(
        "kpi_baseline",
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("department", sa.String(length=100), primary_key=True),
        sa.Column("process", sa.String(length=100), primary_key=True),
        sa.Column("time_per_case", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("kpi_settings") as batch:
        batch.add_column(sa.Column("pay_per_staff", sa.Float(), nullable=True))
        batch.add_column(sa.Column("mutual_aid_rate", sa.Float(), nullable=True))
        batch.add_column(sa.Column("annual_hours", sa.Float(), nullable=True))
        batch.add_column(sa.Column("resident_survey", sa.String(length=60), nullable=False, server_default=""))
        batch.add_column(sa.Column("staff_survey", sa.String(length=60), nullable=False, server_default=""))
    op.execute(sa.text(
        "INSERT INTO kpi_baseline (org_id, department, process, time_per_case, updated_at) "
        "SELECT DISTINCT v.org_id, v.department, v.process, s.baseline_time_per_case, s.updated_at "
        "FROM kpi_value v JOIN kpi_settings s ON s.org_id = v.org_id "
        "WHERE s.baseline_time_per_case > 0 AND v.measure IN ('hours', 'cases')"))
    with op.batch_alter_table("kpi_settings") as batch:
        batch.drop_column("baseline_time_per_case")
    for old, new in RENAMED_KPIS:
        _move_targets(old, new)


def downgrade() -> None:
    for old, new in RENAMED_KPIS:
        _move_targets(new, old)
    with op.batch_alter_table("kpi_settings") as batch:
        batch.add_column(sa.Column("baseline_time_per_case", sa.Float(), nullable=True))
    # one baseline for the whole organisation again: the smallest of its processes' (a guess
    # that never invents a saving; the per-process values are gone after this)
    op.execute(sa.text(
        "UPDATE kpi_settings SET baseline_time_per_case = (SELECT MIN(b.time_per_case) FROM kpi_baseline b "
        "WHERE b.org_id = kpi_settings.org_id)"))
    with op.batch_alter_table("kpi_settings") as batch:
        for column in ("staff_survey", "resident_survey", "annual_hours", "mutual_aid_rate", "pay_per_staff"):
            batch.drop_column(column)
    op.drop_table("kpi_baseline")


def _move_targets(old: str, new: str) -> None:
    """Targets stored under ``old`` go to ``new`` (one that already exists there wins)."""
    op.execute(sa.text(
        "DELETE FROM kpi_target WHERE kpi = :old AND EXISTS (SELECT 1 FROM kpi_target t "
        "WHERE t.org_id = kpi_target.org_id AND t.fiscal_year = kpi_target.fiscal_year AND t.kpi = :new)"
    ).bindparams(old=old, new=new))
    op.execute(sa.text("UPDATE kpi_target SET kpi = :new WHERE kpi = :old").bindparams(old=old, new=new))
