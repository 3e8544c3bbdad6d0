"""Files kept outside the database."""
