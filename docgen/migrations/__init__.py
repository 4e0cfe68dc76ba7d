"""Alembic migrations of the state schema: the only way the schema changes (see ``docgen.state``)."""
