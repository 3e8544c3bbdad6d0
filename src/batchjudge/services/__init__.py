"""Use-cases over the database: they own transaction boundaries, not HTTP."""
