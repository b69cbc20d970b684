"""To the schema of commit 4eb7486: the phase history, the key's fingerprint, conference writes.

- `phases` (candidate_id, phase, from_date), the phase history;
- `pseudonym_key` (one row: the fingerprint of the key behind every cpr_hash);
- `conferences.decision`, `conferences.recorded_by`, and `origin` on `conferences` and
  `actions` ('source' for every row there is: until now every row came from an import).
The audit table of that state is made by its first conference write, not here.

Revision ID: 0002
"""
import sqlalchemy as sa

from ips_nb.data.migrations.shape import add_missing, create_missing, origin, required, site

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_missing("phases", site(), required("candidate_id"), required("phase"),
                   required("from_date", sa.Date))
    create_missing("pseudonym_key",
                   sa.Column("slot", sa.Integer, sa.CheckConstraint("slot = 1"), primary_key=True),
                   sa.Column("fingerprint", sa.String(64), nullable=False), site_index=False)
    add_missing("conferences", sa.Column("decision", sa.String), sa.Column("recorded_by", sa.String),
                origin())
    add_missing("actions", origin())


def downgrade() -> None:
    raise NotImplementedError("ips-nb upgrades only; a backup is the way back")
