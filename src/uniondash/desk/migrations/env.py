"""Alembic environment for the desk's schema: run on the connection the store hands over (store.migrate)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the desk always passes its connection
    raise RuntimeError("run the desk's migrations with `uniondash desk migrate`")

# SQLite alters tables by copying them (batch mode); PostgreSQL alters them in place.
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
