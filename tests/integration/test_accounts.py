"""Users and API tokens on both databases, and `batchjudge users create`."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from batchjudge.db.accounts import ApiToken, Role
from batchjudge.db.engine import make_session_factory
from batchjudge.domain.errors import ConflictError
from batchjudge.services.accounts import TOKEN_PREFIX, authenticate, create_user, hash_token


def test_a_token_authenticates_its_user_and_only_its_hash_is_stored(engine: Engine):
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        user, token = create_user(session, "ada", Role.TEACHER, institution="Northside")
    assert token.startswith(TOKEN_PREFIX)
    assert len(token) > 40
    with sessions.begin() as session:
        found = authenticate(session, token)
        assert found is not None
        assert (found.id, found.role, found.institution.name) == (
            user.id,
            Role.TEACHER,
            "Northside",
        )
        stored = session.scalars(select(ApiToken)).one()
        assert stored.token_hash == hash_token(token)
        assert token not in stored.token_hash
        assert stored.last_used_at is not None


@pytest.mark.parametrize("bad", ["", "Bearer x", "bj_not-a-real-token", "nobj_" + "x" * 43])
def test_unknown_tokens_authenticate_nobody(engine: Engine, bad: str):
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        create_user(session, "ada", Role.STUDENT)
    with sessions.begin() as session:
        assert authenticate(session, bad) is None


def test_expired_revoked_and_inactive_tokens_are_refused(engine: Engine):
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _, expired = create_user(session, "expired", Role.STUDENT)
        _, revoked = create_user(session, "revoked", Role.STUDENT)
        inactive_user, inactive = create_user(session, "inactive", Role.STUDENT)
        session.flush()
        rows = {row.user.name: row for row in session.scalars(select(ApiToken))}
        rows["expired"].expires_at = now - timedelta(seconds=1)
        rows["revoked"].revoked_at = now
        inactive_user.active = False
    with sessions.begin() as session:
        for token in (expired, revoked, inactive):
            assert authenticate(session, token, now=now) is None


def test_a_user_name_is_taken_once(engine: Engine):
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        create_user(session, "ada", Role.STUDENT)
    with pytest.raises(ConflictError, match="ada"), sessions.begin() as session:
        create_user(session, "ada", Role.ADMIN)


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batchjudge", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data)},
        check=False,
    )


def test_users_create_prints_a_working_token(tmp_path: Path):
    refused = _cli(tmp_path, "users", "create", "grace", "--role", "teacher")
    assert refused.returncode == 2
    assert "batchjudge db upgrade" in refused.stderr
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    created = _cli(tmp_path, "users", "create", "grace", "--role", "teacher", "--institution", "X")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().rsplit(" ", 1)[-1]
    assert token.startswith(TOKEN_PREFIX)
    again = _cli(tmp_path, "users", "create", "grace")
    assert again.returncode == 2
    assert again.stderr.strip() == "error: a user called 'grace' exists already"
    wrong_role = _cli(tmp_path, "users", "create", "linus", "--role", "wizard")
    assert wrong_role.returncode == 2
    assert len(wrong_role.stderr.strip().splitlines()) == 1


def test_last_use_is_recorded_without_a_write_per_request(engine: Engine):
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        _, token = create_user(session, "ada", Role.STUDENT)
    start = datetime.now(UTC)
    stamps = []
    for minutes in (0, 1, 6):
        with sessions.begin() as session:
            authenticate(session, token, now=start + timedelta(minutes=minutes))
        with sessions() as session:
            stamps.append(session.scalars(select(ApiToken.last_used_at)).one())
    assert stamps[0] == stamps[1]
    assert stamps[2] - stamps[0] == timedelta(minutes=6)
