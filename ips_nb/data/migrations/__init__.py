"""The schema's migrations (Alembic), shipped inside the package: data.upgrade runs them.

`env.py` takes its connection from the caller (data.upgrade), so no alembic.ini is needed; each
file under versions/ is one step from one earlier state of ips-nb to the next. Add a step by
copying the last one, giving it the next number as `revision` and the last one's as
`down_revision`, and raising tables.SCHEMA_HEAD to it (tests/cli/test_upgrade.py checks they agree).
"""
