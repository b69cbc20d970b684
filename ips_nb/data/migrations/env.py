"""Alembic's environment for ips-nb: run on the connection data.upgrade hands over.

The caller has begun the one transaction the whole upgrade runs in (and holds the store's write
lock), so Alembic's own begin is a no-op here and nothing is committed before every step is done.
Offline (SQL script) mode is not offered: an upgrade always runs against the database itself.
"""
from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
