"""Alembic environment for the laptop store (run programmatically by app.db.migrate)."""

from alembic import context
from sqlalchemy import create_engine

from app.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "app.db.migrate sets sqlalchemy.url"
connectable = create_engine(url)
with connectable.connect() as connection:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
