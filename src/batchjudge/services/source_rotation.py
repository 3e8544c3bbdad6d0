"""Sealing stored sources afresh under a new master key, in batches that a rerun resumes."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from batchjudge.crypto.sealer import Sealer
from batchjudge.db.judge0 import Judge0Submission
from batchjudge.db.submissions import Submission

#: Rows re-sealed per transaction: short enough not to hold up graders for long.
BATCH_ROWS = 500


@dataclass(frozen=True)
class _SealedColumn:
    model: type[Any]
    text: InstrumentedAttribute[str]
    sealed: InstrumentedAttribute[bool]


_COLUMNS = (
    _SealedColumn(Submission, Submission.source, Submission.source_sealed),
    _SealedColumn(Judge0Submission, Judge0Submission.request, Judge0Submission.request_sealed),
)


def reseal_everything(session: Session, sealer: Sealer) -> int:
    """Seal every stored source under `sealer`'s current key in this transaction (plain
    rows from before sealing too). Returns how many rows changed."""
    return sum(
        _reseal_batch(session, column, sealer, after_id=0, limit=None)[0] for column in _COLUMNS
    )


def reseal_in_batches(
    sessions: sessionmaker[Session],
    sealer: Sealer,
    progress: Callable[[int], None] | None = None,
) -> int:
    """`reseal_everything`, one committed batch at a time. Rows already sealed under the
    current key are skipped, so a run cut short is finished by running it again."""
    total = 0
    for column in _COLUMNS:
        after_id = 0
        while True:
            with sessions.begin() as session:
                changed, last_id = _reseal_batch(session, column, sealer, after_id, BATCH_ROWS)
            total += changed
            if progress is not None and changed:
                progress(total)
            if last_id is None:
                break
            after_id = last_id
    return total


def _reseal_batch(
    session: Session, column: _SealedColumn, sealer: Sealer, after_id: int, limit: int | None
) -> tuple[int, int | None]:
    """Reseal rows with ids above `after_id`; returns the count changed and the last id
    seen (None when there were no rows left)."""
    id_column = column.model.id
    query = select(column.model).where(id_column > after_id).order_by(id_column).with_for_update()
    if limit is not None:
        query = query.limit(limit)
    rows: Sequence[Any] = session.scalars(query).all()
    changed = 0
    for row in rows:
        stored: str = getattr(row, column.text.key)
        if getattr(row, column.sealed.key):
            if sealer.is_current(stored.encode()):
                continue
            fresh = sealer.reseal(stored.encode())
        else:
            fresh = sealer.seal(stored.encode())
        setattr(row, column.text.key, fresh.decode("ascii"))
        setattr(row, column.sealed.key, True)
        changed += 1
    session.flush()
    return changed, (rows[-1].id if rows else None)
