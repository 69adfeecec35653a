"""Tables of the monthly KPI area: stored measures, the history of uploads (with the
values each one replaced, so it can be undone), targets, settings, baselines and custom KPIs.
Migrations: ``migrations/versions/0002_kpi.py``, ``0008_kpi_baselines.py``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from dxcore.store.models import utcnow


class KpiUpload(SQLModel, table=True):
    """One import: the file, its hash, when, and what it did (counts of values)."""

    __tablename__ = "kpi_upload"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                                         nullable=False, index=True))
    file_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    source: str = Field(default="upload", max_length=20)  # upload | cli | demo
    uploaded_at: datetime = Field(default_factory=utcnow)
    rows_read: int = Field(default=0)
    new_values: int = Field(default=0)
    changed_values: int = Field(default=0)
    unchanged_values: int = Field(default=0)
    undone_at: datetime | None = Field(default=None)


class KpiValue(SQLModel, table=True):
    """One measure of one month, department and process (process '' = not split)."""

    __tablename__ = "kpi_value"
    __table_args__ = (UniqueConstraint("org_id", "month", "department", "process", "measure",
                                       name="uq_kpi_value_cell"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                                         nullable=False))
    month: date  # the first day of the month
    department: str = Field(max_length=100)
    process: str = Field(default="", max_length=100)
    measure: str = Field(max_length=40)
    value: float
    # the upload that last set the value, and the one that created it (undo deletes those)
    upload_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("kpi_upload.id", ondelete="SET NULL"), nullable=True))
    created_upload_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("kpi_upload.id", ondelete="SET NULL"), nullable=True, index=True))


class KpiChange(SQLModel, table=True):
    """A value an upload overwrote: what was there before, so undo restores it exactly."""

    __tablename__ = "kpi_change"
    __table_args__ = (Index("ix_kpi_change_value_id", "value_id"),)

    upload_id: int = Field(sa_column=Column(Integer, ForeignKey("kpi_upload.id", ondelete="CASCADE"),
                                            primary_key=True))
    value_id: int = Field(sa_column=Column(Integer, ForeignKey("kpi_value.id", ondelete="CASCADE"),
                                           primary_key=True))
    old_value: float
    old_upload_id: int | None = Field(default=None)
    new_value: float


class KpiTarget(SQLModel, table=True):
    """The level a KPI should reach in a 年度 (in the unit of its monthly value)."""

    __tablename__ = "kpi_target"

    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                                         primary_key=True))
    kpi: str = Field(max_length=40, primary_key=True)
    fiscal_year: int = Field(primary_key=True)
    value: float


class KpiSettings(SQLModel, table=True):
    """The hourly staff cost (entered directly, or computed from the organisation's own pay
    basis) and the names of the surveys behind the satisfaction KPIs."""

    __tablename__ = "kpi_settings"

    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                                         primary_key=True))
    hourly_rate: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    pay_per_staff: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    mutual_aid_rate: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    annual_hours: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    resident_survey: str = Field(default="", sa_column=Column(String(60), nullable=False, server_default=""))
    staff_survey: str = Field(default="", sa_column=Column(String(60), nullable=False, server_default=""))
    updated_at: datetime = Field(default_factory=utcnow)


class KpiBaseline(SQLModel, table=True):
    """The pre-improvement time per case of one process, set by hand.  Processes without
    one take their first complete 年度 (computed, never stored, so it cannot roll forward)."""

    __tablename__ = "kpi_baseline"

    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                                         primary_key=True))
    department: str = Field(sa_column=Column(String(100), primary_key=True))
    process: str = Field(sa_column=Column(String(100), primary_key=True))  # '' = not split
    time_per_case: float
    updated_at: datetime = Field(default_factory=utcnow)


class KpiCustom(SQLModel, table=True):
    """An organisation's own KPI, fed by a column headed with its name."""

    __tablename__ = "kpi_custom"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_kpi_custom_name"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(sa_column=Column(Integer, ForeignKey("organization.id", ondelete="CASCADE"),
                                         nullable=False))
    name: str = Field(max_length=40)
    unit: str = Field(max_length=20)
    direction: str = Field(max_length=10)  # higher | lower
    aggregate: str = Field(default="sum", max_length=10)  # sum | mean
    created_at: datetime = Field(default_factory=utcnow)
