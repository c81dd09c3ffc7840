"""The laptop store: SQLAlchemy models, the engine with Slate's SQLite pragmas, and migrations."""
