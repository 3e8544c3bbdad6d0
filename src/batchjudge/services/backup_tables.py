"""Row counts of every table a database holds, found by reflection (no table list to
keep up to date when migrations add tables)."""

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, func, select

#: Alembic's bookkeeping table: present in every migrated database, even an empty one.
ALEMBIC_TABLE = "alembic_version"


def count_rows(connection: Connection) -> dict[str, int]:
    """Rows in each table of the database, by table name, as `connection` sees them."""
    metadata = MetaData()
    metadata.reflect(connection)
    return {
        name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        for name, table in sorted(metadata.tables.items())
    }


def revision_of(connection: Connection) -> str | None:
    """The Alembic revision the database is at, or None when it was never migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def holds_data(counts: dict[str, int]) -> bool:
    """Whether any table but Alembic's has a row: a merely migrated database does not."""
    return any(rows for name, rows in counts.items() if name != ALEMBIC_TABLE)


@dataclass(frozen=True)
class TableContents:
    """What a database holds, as one snapshot saw it.

    Attributes:
        revision: the Alembic revision, or None for a database never migrated.
        tables: rows per table, by table name.
    """

    revision: str | None
    tables: dict[str, int]


def read_contents(connection: Connection) -> TableContents:
    """The revision and row counts `connection` sees (in its transaction's snapshot)."""
    return TableContents(revision_of(connection), count_rows(connection))
