"""Demo data for a first run: an institution, one user per role, and example problems."""

import json
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.db.accounts import Institution, Role, User
from batchjudge.domain.errors import ConflictError
from batchjudge.problems.archive import ArchiveLimits, zip_folder
from batchjudge.services.accounts import create_user
from batchjudge.services.passwords import Passwords
from batchjudge.services.problems import import_package
from batchjudge.storage.blobs import BlobStore

DEMO_INSTITUTION = "Demo school"
DEMO_USERS = (("admin", Role.ADMIN), ("teacher", Role.TEACHER), ("student", Role.STUDENT))


def seed_demo(
    sessions: sessionmaker[Session],
    store: BlobStore,
    token_file: Path,
    problems: list[Path],
    limits: ArchiveLimits,
) -> dict[str, str]:
    """Create the demo data once and return the demo users' tokens (role -> token); the
    problem folders are imported as uploads within `limits`.

    Tokens are stored only hashed, so the first run keeps the plain ones in `token_file`
    (mode 0600) for later runs to print again.
    """
    if token_file.exists():
        tokens: dict[str, str] = json.loads(token_file.read_text())
        return tokens
    with sessions.begin() as session:
        existing = session.scalar(select(Institution).where(Institution.name == DEMO_INSTITUTION))
        if existing is not None:
            raise ConflictError(
                f"the demo data exists but {token_file} is gone; create a new token with "
                "`batchjudge users create`"
            )
        tokens = {}
        users = {}
        for role_name, role in DEMO_USERS:
            users[role_name], tokens[role_name] = create_user(
                session, f"demo-{role_name}", role, DEMO_INSTITUTION
            )
        session.flush()
        for folder in problems:
            import_package(
                session,
                store,
                users["teacher"],
                zip_folder(folder),
                f"{folder.name}.zip",
                limits,
            )
    _write_private(token_file, tokens)
    return tokens


def seed_demo_passwords(
    sessions: sessionmaker[Session], passwords: Passwords, password_file: Path
) -> dict[str, str]:
    """Give each demo user a random password once, for the web UI, and return them
    (role -> password). Like the tokens, the plain ones are kept in `password_file`
    (mode 0600) for later runs to print again; only their hashes are in the database."""
    if password_file.exists():
        known: dict[str, str] = json.loads(password_file.read_text())
        return known
    chosen = {}
    with sessions.begin() as session:
        for role_name, _role in DEMO_USERS:
            user = session.scalar(select(User).where(User.name == f"demo-{role_name}"))
            if user is None:
                continue
            chosen[role_name] = secrets.token_urlsafe(9)
            user.password_hash = passwords.hash(chosen[role_name])
    _write_private(password_file, chosen)
    return chosen


def _write_private(path: Path, content: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(content, out, indent=2)
