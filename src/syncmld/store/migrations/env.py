"""Alembic environment: runs the migrations on the connection syncmld hands over in the Config."""

from alembic import context
from sqlalchemy.engine import Connection

from syncmld.store.schema import metadata

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
