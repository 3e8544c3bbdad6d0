"""Schemathesis against our own OpenAPI: every operation, as an admin and as a student,
with generated valid and invalid requests, against a real server process. No answer may
be a 5xx, every status must be one the operation declares, and every body must match the
schema declared for its status. Bounded and seeded, so `make test` sends the same
requests every time, in about two minutes.

No operation is left out. The event stream ends once its submission is graded (and the
client stops reading after a few events anyway); the metrics reset only starts new
windows. What would sabotage the run itself, an admin deactivating, demoting, erasing or
revoking the very identities doing the fuzzing, is pointed at a spare user instead."""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from batchjudge.db.accounts import ApiToken, Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.problems.archive import zip_folder
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.settings import Settings
from support.service_process import ServiceProcess, new_data_dir

pytestmark = pytest.mark.sandbox

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "sum-pairs"

#: Examples per operation in the fuzzing phase; the coverage phase adds its boundary cases.
MAX_EXAMPLES = 25
#: Seeded: the same requests on every run, so a failure in CI is reproducible locally.
CONFIG = f"""
seed = 20240607
request-timeout = 30
max-stream-events = 20

[generation]
max-examples = {MAX_EXAMPLES}
deterministic = true
database = "none"

[phases.stateful]
enabled = false
"""


@dataclass(frozen=True)
class FuzzService:
    """The server under test, who calls it, and what the fuzzer must leave alone."""

    url: str
    tokens: dict[str, str]
    #: The fuzzing identities' own user and token ids: an admin request that would
    #: deactivate, demote or revoke them is pointed at `victim` instead, so the run
    #: does not lock itself out half-way and turn every later request into a 401.
    protected_users: frozenset[str]
    protected_tokens: frozenset[str]
    victim_user: int
    victim_token: int


def _seed(database_url: str) -> tuple[dict[str, str], dict[str, int], dict[str, int]]:
    """Users per role (and a victim) in a migrated database: tokens, user ids, token ids."""
    upgrade(database_url)
    engine = make_engine(database_url)
    tokens, user_ids = {}, {}
    with make_session_factory(engine).begin() as session:
        for name, role in (
            ("admin", Role.ADMIN),
            ("teacher", Role.TEACHER),
            ("student", Role.STUDENT),
            ("victim", Role.STUDENT),
        ):
            user, tokens[name] = create_user(session, name, role, institution="Fuzz school")
            session.flush()
            user_ids[name] = user.id
        rows = session.execute(select(ApiToken.user_id, ApiToken.id)).all()
        token_ids = {name: next(t for u, t in rows if u == uid) for name, uid in user_ids.items()}
    engine.dispose()
    return tokens, user_ids, token_ids


@pytest.fixture(scope="module")
def fuzz_service() -> Iterator[FuzzService]:
    """A real server on SQLite with a problem and a graded submission to find."""
    data = new_data_dir("bj-fuzz-")
    url = f"sqlite:///{data / 'batchjudge.sqlite3'}"
    tokens, user_ids, token_ids = _seed(url)
    server = ServiceProcess(data, url)
    try:
        server.start(tokens["admin"])
        with server.client(tokens["teacher"]) as teacher:
            files = {"package": ("sum-pairs.zip", zip_folder(EXAMPLE), "application/zip")}
            uploaded = teacher.post("/api/v1/problems", files=files)
            assert uploaded.status_code == 201, uploaded.text
        with server.client(tokens["student"]) as student:
            source = (EXAMPLE / "submissions" / "main.py").read_text()
            body = {"problem_id": uploaded.json()["id"], "language": "python3", "source": source}
            submitted = student.post("/api/v1/submissions", json=body)
            assert submitted.status_code == 202, submitted.text
        yield FuzzService(
            server.url,
            tokens,
            protected_users=frozenset(str(user_ids[n]) for n in ("admin", "student")),
            protected_tokens=frozenset(str(token_ids[n]) for n in ("admin", "student")),
            victim_user=user_ids["victim"],
            victim_token=token_ids["victim"],
        )
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


def _published_schema() -> schemathesis.BaseSchema:
    """The OpenAPI the service publishes (building the app starts nothing). Loaded at
    collection so each operation is a test of its own; schemathesis's fixture loader
    (`from_fixture`) does not work with pytest 9.2."""
    document = create_app(Settings()).openapi()
    return schemathesis.openapi.from_dict(document, config=schemathesis.Config.from_str(CONFIG))


schema = _published_schema()


def _spare_the_fuzzer(case: schemathesis.Case, service: FuzzService) -> None:
    """Point admin changes to users and tokens away from the identities doing the fuzzing
    (path parameters may come as numbers or as strings)."""
    params = case.path_parameters
    if str(params.get("user_id")) in service.protected_users:
        params["user_id"] = service.victim_user
    if str(params.get("token_id")) in service.protected_tokens:
        params["token_id"] = service.victim_token


#: Bounded and repeatable: no deadline (a grading burst can slow one answer), no
#: shrinking database left behind, the same examples on every run.
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # Generated bodies are often refused by the schema's own constraints, and a request
    # to a real server is slow by Hypothesis's standards: neither is a problem here.
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


def _call_and_validate(case: schemathesis.Case, service: FuzzService, who: str) -> None:
    _spare_the_fuzzer(case, service)
    answer = case.call_and_validate(
        base_url=service.url,
        headers={
            "Authorization": f"Bearer {service.tokens[who]}",
            "X-Auth-Token": service.tokens[who],  # the Judge0-compatible API's header
        },
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
    # Every request carries a valid token: a 401 means the run locked itself out, and
    # every later request would be refused before reaching what it means to test.
    assert answer.status_code != 401, f"{who} was locked out by an earlier request"


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_an_admin_no_server_error_and_answers_match_the_schema(
    case: schemathesis.Case, fuzz_service: FuzzService
):
    """An admin reaches every route."""
    _call_and_validate(case, fuzz_service, "admin")


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_student_no_server_error_and_answers_match_the_schema(
    case: schemathesis.Case, fuzz_service: FuzzService
):
    """A student is refused most routes, and the refusals must match the schema too."""
    _call_and_validate(case, fuzz_service, "student")
