"""Input bounds through the real app, on SQLite and PostgreSQL: a source, a request body, a
package (zipped and unpacked), the tests of a problem, a slow output validator and live
result streams. Over a bound, the API answers 413 or 429 and the pages show the form again,
each with a message naming the size and the limit; a validator over its time gets IE on
that test alone."""

import io
import json
import random
import re
import time
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from batchjudge.db.submissions import Submission, SubmissionStatus
from support.teaching import Teaching, teaching

PROGRAM = "print(2 * int(input()))\n"
SOURCE_LIMIT = 64 << 10


def _zip(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _package(tests: int, extra: dict[str, bytes | str] | None = None, **yaml: str) -> bytes:
    """A "twice" problem with `tests` secret tests (input k, answer 2k)."""
    header = "".join(f"{key}: {value}\n" for key, value in yaml.items())
    files: dict[str, bytes | str] = {"problem.yaml": f"name: Twice\n{header}"}
    for k in range(1, tests + 1):
        files[f"data/secret/{k}.in"] = f"{k}\n"
        files[f"data/secret/{k}.ans"] = f"{2 * k}\n"
    return _zip({**files, **(extra or {})})


def _error(answer, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"]["code"] == code, body
    return str(body["error"]["message"])


def _page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _upload(world: Teaching, data: bytes, name: str = "twice.zip"):
    files = {"package": (name, data, "application/zip")}
    return world.api("POST", "/api/v1/problems", "tom", files=files)


@pytest.fixture
def world(database_url: str, reachable_dir: Path) -> Iterator[Teaching]:
    with teaching(
        database_url,
        reachable_dir,
        max_upload_mb=1,
        max_unpacked_mb=2,
        max_tests_per_problem=5,
        validator_timeout_s=1.0,
    ) as running:
        yield running


@pytest.fixture
def problem_id(world: Teaching) -> int:
    answer = _upload(world, _package(3))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _stored_submissions(world: Teaching) -> int:
    with world.sessions() as session:
        return session.query(Submission).count()


def test_a_source_over_its_bound_is_413_on_the_api_and_shown_on_the_form(
    world: Teaching, problem_id: int
):
    source = "x" * (SOURCE_LIMIT + 1)
    body = {"problem_id": problem_id, "language": "python3", "source": source}
    message = _error(world.api("POST", "/api/v1/submissions", "sam", json=body), 413, "too_large")
    assert message == "the source is 65537 bytes; a submission may have at most 65536 bytes"
    page = world.page(
        "POST",
        f"/problems/{problem_id}/submit",
        "sam",
        data={"language": "python3", "source": source, "csrf_token": world.browsers["sam"].csrf},
    )
    assert page.status_code == 413
    assert 'role="alert"' in page.text
    assert "a submission may have at most 65536 bytes." in _page_text(page.text)
    assert 'name="source"' in page.text  # the form is shown again
    assert _stored_submissions(world) == 0
    at_limit = {**body, "source": "#" * (SOURCE_LIMIT - 1) + "\n"}
    assert world.api("POST", "/api/v1/submissions", "sam", json=at_limit).status_code == 202


def test_a_huge_body_is_refused_before_it_is_read(world: Teaching):
    declared = 100 << 20
    huge = b'{"problem_id": 1, "language": "python3", "source": "' + b"x" * declared + b'"}'
    headers = {"Authorization": f"Bearer {world.tokens['sam']}"}
    answer = world.client.post(
        "/api/v1/submissions",
        content=huge,
        headers={**headers, "Content-Type": "application/json"},
    )
    message = _error(answer, 413, "too_large")
    assert message == (
        "the request body is 100 MiB; a submission may send at most 448 KiB "
        "(its source at most 65536 bytes)"
    )

    def chunked() -> Iterator[bytes]:  # no Content-Length: the bytes are counted instead
        for _ in range(declared >> 16):
            yield b"x" * (64 << 10)

    answer = world.client.post(
        "/api/v1/submissions",
        content=chunked(),
        headers={**headers, "Content-Type": "application/json"},
    )
    message = _error(answer, 413, "too_large")
    assert message.startswith("the request body is over 448 KiB;")
    page = world.page(
        "POST",
        "/problems/1/submit",
        "sam",
        data={"language": "python3", "source": "x" * (2 << 20), "csrf_token": "t"},
    )
    assert page.status_code == 413  # a browser gets the error page, with the message
    assert "a submission may send at most 448 KiB" in _page_text(page.text)
    assert _stored_submissions(world) == 0


def test_a_package_over_the_upload_bound_is_413_on_the_api_and_the_page(world: Teaching):
    noise = random.Random(7).randbytes(3 << 19)  # 1.5 MiB that does not compress
    too_big = _package(1, {"data/noise.bin": noise})
    message = _error(_upload(world, too_big), 413, "too_large")
    assert message == "the request body is 1.5 MiB; a problem package may be at most 1 MiB"
    just_over = _package(1, {"data/noise.bin": noise[: (1 << 20) + 100]})
    message = _error(_upload(world, just_over, "just.zip"), 413, "too_large")
    assert message == "just.zip: the package is over 1 MiB; a problem package may be at most 1 MiB"
    page = world.page(
        "POST",
        "/teach/problems",
        "tom",
        data={"csrf_token": world.browsers["tom"].csrf},
        files={"package": ("just.zip", just_over, "application/zip")},
    )
    assert page.status_code == 413
    assert "just.zip: the package is over 1 MiB; a problem package may be at most 1 MiB" in (
        _page_text(page.text)
    )
    assert 'enctype="multipart/form-data"' in page.text  # the upload form, again
    assert world.api("GET", "/api/v1/problems", "tom").json() == []


def test_a_package_that_unpacks_too_large_or_has_too_many_tests_is_413(world: Teaching):
    bomb = _package(1, {"data/secret/big.in": b"0" * (3 << 20)})  # 3 MiB, zipped to ~3 KiB
    assert len(bomb) < 20_000
    message = _error(_upload(world, bomb, "bomb.zip"), 413, "too_large")
    assert message == "bomb.zip: unpacks to more than 2 MiB (3.0 MiB)"
    message = _error(_upload(world, _package(6), "many.zip"), 413, "too_large")
    assert message == "many: the package has 6 tests; a problem may have at most 5"
    page = world.page(
        "POST",
        "/teach/problems",
        "tom",
        data={"csrf_token": world.browsers["tom"].csrf},
        files={"package": ("many.zip", _package(6), "application/zip")},
    )
    assert page.status_code == 413
    assert "the package has 6 tests; a problem may have at most 5" in _page_text(page.text)
    assert world.api("GET", "/api/v1/problems", "tom").json() == []
    assert _upload(world, _package(5)).json()["tests"] == 5  # the bound itself is fine


def _queued(world: Teaching, problem_id: int) -> int:
    """A submission nobody grades (not in the queue), so its stream stays open."""
    return world.add_submission("sam", problem_id, [], status=SubmissionStatus.QUEUED)


def _open_stream(world: Teaching, stack: ExitStack, submission_id: int, who: str = "sam"):
    headers = {"Authorization": f"Bearer {world.tokens[who]}"}
    path = f"/api/v1/submissions/{submission_id}/events"
    return stack.enter_context(world.client.stream("GET", path, headers=headers))


def test_live_streams_are_capped_per_user_and_freed_when_closed_or_done(
    world: Teaching, problem_id: int
):
    slots = world.client.app.state.service.stream_slots  # type: ignore[attr-defined]
    sam = world.user_ids["sam"]
    waiting = _queued(world, problem_id)
    with ExitStack() as first, ExitStack() as others:
        assert _open_stream(world, first, waiting).status_code == 200
        for _ in range(4):
            assert _open_stream(world, others, waiting).status_code == 200
        assert slots.open_count(sam) == 5
        refused = _open_stream(world, others, waiting)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "5"
        refused.read()
        message = refused.json()["error"]["message"]
        assert message.startswith("you have 5 live result streams open; close one")
        # Another user has slots of their own.
        admin_stream = _open_stream(world, others, waiting, who="ada")
        assert admin_stream.status_code == 200
        first.close()  # the client goes away
        assert slots.open_count(sam) == 4
        assert _open_stream(world, others, waiting).status_code == 200
        assert slots.open_count(sam) == 5
    assert slots.open_count(sam) == 0
    finished = world.add_submission("sam", problem_id, ["AC"] * 3)
    for _ in range(6):  # a stream that reaches `done` gives its slot back
        assert [name for name, _ in world.events(finished, "sam")][-1] == "done"
    assert slots.open_count(sam) == 0


SLOW_VALIDATOR = """\
import sys, time
test_input, answer, _feedback = sys.argv[1:4]
if open(test_input).read().strip() == "2":
    while True:
        time.sleep(60)
sys.exit(42 if sys.stdin.read().split() == open(answer).read().split() else 43)
"""


def _wait_done(world: Teaching, submission_id: int, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = world.api("GET", f"/api/v1/submissions/{submission_id}", "ada").json()
        if body["status"] in ("done", "failed"):
            return dict(body)
        time.sleep(0.1)
    raise AssertionError(f"submission {submission_id} did not finish")


@pytest.mark.sandbox
def test_a_validator_over_its_time_gives_ie_on_that_test_only(world: Teaching):
    package = _package(
        3,
        {"output_validators/slow/validate.py": SLOW_VALIDATOR},
        validation="custom",
    )
    answer = _upload(world, package, "slow.zip")
    assert answer.status_code == 201, answer.text  # the upload does not run the validator
    body = {"problem_id": answer.json()["id"], "language": "python3", "source": PROGRAM}
    accepted = world.api("POST", "/api/v1/submissions", "sam", json=body)
    assert accepted.status_code == 202, accepted.text
    done = _wait_done(world, accepted.json()["id"])
    tests = {t["name"]: (t["verdict"], t["message"]) for t in done["tests"]}
    assert tests["secret/1"][0] == "AC"
    assert tests["secret/3"][0] == "AC"
    assert tests["secret/2"] == (
        "IE",
        "the output validator took longer than 1 s on secret/2",
    ), json.dumps(done)
    assert done["verdict"] == "IE"
