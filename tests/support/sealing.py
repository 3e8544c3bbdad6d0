"""Submissions stored straight into the database, through a given session factory (with
or without the keyring that seals them)."""

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.accounts import Role, User
from batchjudge.db.problems import Problem, ProblemVersion
from batchjudge.db.submissions import Submission, SubmissionStatus
from batchjudge.services.sealed_text import seal_text


def add_submissions(sessions: sessionmaker[Session], count: int) -> list[int]:
    """`count` finished submissions with sources `print(<n>)`; the owner and problem are
    made on first use."""
    with sessions.begin() as session:
        user = session.scalars(select(User).where(User.name == "sealer")).first()
        if user is None:
            user = User(name="sealer", role=Role.STUDENT)
            session.add(user)
            session.flush()
            problem = Problem(owner_id=user.id, latest_version=1)
            session.add(problem)
            session.add(
                ProblemVersion(
                    problem=problem,
                    version=1,
                    name="p",
                    time_limit_s=1,
                    memory_mb=64,
                    output_mb=1,
                    validation="default",
                    package_hash="0" * 64,
                )
            )
            session.flush()
        version = session.scalars(select(ProblemVersion)).first()
        assert version is not None
        ids = []
        for n in range(count):
            stored, sealed = seal_text(session, f"print({n})\n")
            row = Submission(
                user_id=user.id,
                problem_version_id=version.id,
                language="python3",
                style="program",
                mode="multi",
                source=stored,
                source_sealed=sealed,
                status=SubmissionStatus.DONE,
            )
            session.add(row)
            session.flush()
            ids.append(row.id)
        return ids
