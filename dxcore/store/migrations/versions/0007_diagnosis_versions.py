"""diagnosis versions: each diagnosis records the questionnaire version it was answered
against and the statement ids it asked, so revising the questionnaire never changes an
old score

Every diagnosis stored before this revision was answered against version 1 of the
questionnaire; it gets version 1 and the ids of the set it was taken with (the lists
below are version 1's, copied here so that this migration never depends on the content
files of a later release).  Nothing else changes: its answers stay as they were.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

V1_PULSE = ("P1-2", "P2-1", "P3-1", "P4-2", "P5-2", "P6-1", "P7-1")
V1_FULL = tuple(f"P{p}-{q}" for p in range(1, 8) for q in range(1, 7))


def upgrade() -> None:
    # the server defaults let the columns be added to tables that already have rows
    op.add_column("diagnosis", sa.Column("content_version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("diagnosis", sa.Column("asked", sa.Text(), nullable=False, server_default=""))
    diagnosis = sa.table("diagnosis", sa.column("question_set", sa.String()), sa.column("asked", sa.Text()))
    for question_set, ids in (("pulse", V1_PULSE), ("full", V1_FULL)):
        op.execute(diagnosis.update().where(diagnosis.c.question_set == question_set)
                   .values(asked=",".join(ids)))


def downgrade() -> None:
    with op.batch_alter_table("diagnosis") as batch:
        batch.drop_column("asked")
        batch.drop_column("content_version")
