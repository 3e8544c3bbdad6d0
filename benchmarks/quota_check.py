"""How long the submission-time quota check takes as an institution's month fills up.

Run with `.venv/bin/python benchmarks/quota_check.py [--executions N] [--reps N]`: a fresh
SQLite database gets one institution whose users made N executions this month (spread
over N/10 submissions), plus as many in another institution, then `check_quota` (the two
counts a submission pays when both quotas are set) is timed.
"""

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.db.submissions import Execution, Submission
from batchjudge.services.accounts import create_user
from batchjudge.services.quotas import check_quota


def _fill(url: str, executions: int) -> int:
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    now = datetime.now(UTC)
    with sessions.begin() as session:
        users = [
            create_user(session, f"u{n}", Role.STUDENT, institution=f"school{n % 2}")[0]
            for n in range(20)
        ]
        session.flush()
        institution_id = users[0].institution_id
        assert institution_id is not None
        for user in users:
            user.institution.monthly_execution_quota = 10**9  # type: ignore[union-attr]
            user.institution.monthly_remote_call_quota = 10**9  # type: ignore[union-attr]
        problem = Problem(owner_id=users[0].id, latest_version=1)
        session.add(problem)
        session.flush()
        version = ProblemVersion(
            problem_id=problem.id,
            version=1,
            name="p",
            time_limit_s=1.0,
            memory_mb=64,
            output_mb=1,
            validation="default",
            package_hash="0" * 64,
        )
        session.add(version)
        session.flush()
        per_submission = 10
        submissions = [
            {
                "user_id": users[n % len(users)].id,
                "problem_version_id": version.id,
                "language": "python3",
                "style": "program",
                "mode": "multi",
                "source": "",
                "status": "done",
                "created_at": now,
            }
            for n in range(2 * executions // per_submission)
        ]
        session.execute(insert(Submission), submissions)
        ids = [s.id for s in session.query(Submission.id)]
        rows = [
            {
                "submission_id": sid,
                "kind": "run" if k else "compile",
                "backend": "judge0" if k % 2 else "local",
                "tests_covered": 1,
                "duration_s": 0.1,
                "outcome": "",
                "created_at": now,
            }
            for sid in ids
            for k in range(per_submission)
        ]
        session.execute(insert(Execution), rows)
    return institution_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--executions", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        institution_id = _fill(url, args.executions)
        sessions = make_session_factory(make_engine(url))
        times = []
        for _ in range(args.reps):
            with sessions() as session:
                started = time.perf_counter()
                check_quota(session, institution_id, remote=True)  # far below the quotas
                times.append(time.perf_counter() - started)
    print(
        f"executions in the month: {args.executions} (x2 institutions); check_quota "
        f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
        f"over {args.reps} reps"
    )


if __name__ == "__main__":
    main()
