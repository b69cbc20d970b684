"""To the schema of this release: follow-ups, surveys, work at intake, the audit's hash chain,
the per-site write stamps.

- `followups` and `surveys`, two exchange tables;
- `candidates.in_work_at_intake`;
- `site_writes` (data.freshness: a mark per write, so a server never serves a page it prepared
  before a write);
- an audit table from before the chain gets its columns, its rows chained in id order, its head
  and its guards (data.audit.ensure, in this same transaction), so `ips-nb audit verify` passes
  on it and no later write needs to alter it.

Revision ID: 0003
"""
import sqlalchemy as sa

from ips_nb.data.migrations.shape import add_missing, create_missing, required, site

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from alembic import op

    from ips_nb.data import audit

    create_missing("followups", site(), required("candidate_id"), required("date", sa.Date),
                   required("status"), sa.Column("hours_per_week", sa.Float))
    create_missing("surveys", site(), required("candidate_id"), required("date", sa.Date),
                   required("instrument"), required("item", sa.Integer),
                   required("score", sa.Integer), sa.Column("occasion", sa.String))
    add_missing("candidates", sa.Column("in_work_at_intake", sa.Boolean))
    create_missing("site_writes", sa.Column("site", sa.String, primary_key=True),
                   required("writes", sa.Integer), required("at", sa.DateTime), site_index=False)
    conn = op.get_bind()
    if "audit" in sa.inspect(conn).get_table_names():
        audit.ensure(conn)


def downgrade() -> None:
    raise NotImplementedError("ips-nb upgrades only; a backup is the way back")
