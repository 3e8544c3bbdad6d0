"""What the database holds of graded submissions, checked row by row (the fault tests)."""

from sqlalchemy import func, select

from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.submissions import Execution, Submission, TestResult


def assert_graded_once(database_url: str, ids: list[int], tests: int) -> dict[int, int]:
    """Every submission in `ids` is done and AC, with exactly one result row per test
    position 0..tests-1 and one run execution (an interrupted attempt's runs and results
    are forgotten when it is retried). Returns each submission's number of attempts."""
    engine = make_engine(database_url)
    attempts = {}
    try:
        with make_session_factory(engine)() as session:
            for submission_id in ids:
                row = session.get_one(Submission, submission_id)
                assert (row.status, row.verdict) == ("done", "AC"), (submission_id, row.message)
                per_position = dict(
                    session.execute(
                        select(TestResult.position, func.count())
                        .where(TestResult.submission_id == submission_id)
                        .group_by(TestResult.position)
                    ).all()
                )
                assert per_position == dict.fromkeys(range(tests), 1), submission_id
                runs = session.scalar(
                    select(func.count()).where(
                        Execution.submission_id == submission_id, Execution.kind == "run"
                    )
                )
                assert runs == 1, submission_id
                attempts[submission_id] = row.attempts
    finally:
        engine.dispose()
    return attempts
