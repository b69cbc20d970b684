"""The baseline: the schema of the first databases, as commit b1dfc3d made them.

Eleven exchange tables (consultants, clinicians, candidates, goals, actions, contacts,
employer_contacts, placements, fidelity, supervision, conferences), no key fingerprint, no audit.
Nothing is created here: a database of this shape is recognised (data.upgrade.baseline) and
stamped with this revision, then upgraded; a new database is made at the head directly.

Revision ID: 0001
"""
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The baseline is stamped, never built."""


def downgrade() -> None:
    raise NotImplementedError("ips-nb upgrades only; a backup is the way back")
