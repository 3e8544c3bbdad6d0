"""Per-test visibility on both databases: what students see of each test in results and
events, the PATCH API teachers choose it with, and who may use it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from batchjudge.db.submissions import SubmissionStatus
from support.teaching import AVERAGE, Teaching, teaching

TESTS = ["sample/1", "sample/2", "secret/01", "secret/02", "secret/03", "secret/04"]
#: A WA on secret/01 (position 2) and on secret/03 (position 4).
VERDICTS = ["AC", "AC", "WA", "AC", "TLE", "AC"]


@pytest.fixture
def world(database_url: str, reachable_dir: Path) -> Iterator[Teaching]:
    with teaching(database_url, reachable_dir) as running:
        yield running


def _patch(world: Teaching, problem_id: int, choices: dict, who: str = "tom"):
    return world.api(
        "PATCH", f"/api/v1/problems/{problem_id}/tests", who, json={"visibility": choices}
    )


def test_by_default_samples_are_full_and_secret_tests_show_only_verdicts(world: Teaching):
    problem_id = world.upload()["id"]
    submission_id = world.add_submission("sam", problem_id, VERDICTS)
    shown = world.api("GET", f"/api/v1/submissions/{submission_id}", "sam").json()
    assert [t["name"] for t in shown["tests"]] == TESTS
    assert [t["position"] for t in shown["tests"]] == list(range(6))
    sample, secret = shown["tests"][0], shown["tests"][2]
    assert sample["input"] == (AVERAGE / "data/sample/1.in").read_text()
    assert sample["expected_output"] == (AVERAGE / "data/sample/1.ans").read_text()
    assert sample["output"] == "out\n"
    assert (secret["verdict"], secret["input"], secret["message"]) == ("WA", None, None)
    assert shown["hidden_tests"] is None
    details = world.api("GET", f"/api/v1/problems/{problem_id}", "tom").json()["test_details"]
    assert [(d["name"], d["sample"], d["visibility"]) for d in details] == [
        ("sample/1", True, "full"),
        ("sample/2", True, "full"),
        *[(name, False, "verdict") for name in TESTS[2:]],
    ]
    assert world.api("GET", f"/api/v1/problems/{problem_id}", "sam").json()["test_details"] is None


def test_a_teacher_changes_visibility_and_students_see_accordingly(world: Teaching):
    problem_id = world.upload()["id"]
    changed = _patch(
        world,
        problem_id,
        {"secret/01": "hidden", "secret/03": "hidden", "secret/02": "full", "sample/2": "verdict"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["problem_id"], body["version"]) == (problem_id, 1)
    assert {t["name"]: t["visibility"] for t in body["tests"]} == {
        "sample/1": "full",
        "sample/2": "verdict",
        "secret/01": "hidden",
        "secret/02": "full",
        "secret/03": "hidden",
        "secret/04": "verdict",
    }
    submission_id = world.add_submission("sam", problem_id, VERDICTS)

    shown = world.api("GET", f"/api/v1/submissions/{submission_id}", "sam").json()
    by_name = {t["name"]: t for t in shown["tests"]}
    assert list(by_name) == ["sample/1", "sample/2", "secret/02", "secret/04"]
    assert [t["position"] for t in shown["tests"]] == [0, 1, 3, 5]
    assert shown["hidden_tests"] == {"total": 2, "graded": 2, "failed": 2}
    assert shown["verdict"] == "WA"  # the overall verdict still counts hidden tests
    assert by_name["secret/02"]["input"] == (AVERAGE / "data/secret/02.in").read_text()
    assert by_name["secret/02"]["expected_output"] == (AVERAGE / "data/secret/02.ans").read_text()
    assert by_name["sample/2"]["input"] is None
    assert by_name["sample/2"]["output"] is None
    assert by_name["secret/04"]["message"] is None
    listed = world.api("GET", "/api/v1/submissions", "sam").json()
    assert [t["name"] for t in listed[0]["tests"]] == list(by_name)

    for staff in ("tom", "ada"):
        seen = world.api("GET", f"/api/v1/submissions/{submission_id}", staff).json()
        assert [t["name"] for t in seen["tests"]] == TESTS
        assert seen["hidden_tests"] is None
        assert seen["tests"][2]["message"] == "WA on secret/01"

    problem_for_student = world.api("GET", f"/api/v1/problems/{problem_id}", "sam").json()
    assert [s["name"] for s in problem_for_student["samples"]] == ["sample/1"]
    problem_for_teacher = world.api("GET", f"/api/v1/problems/{problem_id}", "tom").json()
    assert [s["name"] for s in problem_for_teacher["samples"]] == ["sample/1", "sample/2"]


def test_the_hidden_count_follows_grading_progress(world: Teaching):
    problem_id = world.upload()["id"]
    _patch(world, problem_id, {"secret/03": "hidden", "secret/04": "hidden"})
    running = world.add_submission(
        "sam", problem_id, ["AC", "AC", "AC", "AC", "WA"], status=SubmissionStatus.RUNNING
    )
    shown = world.api("GET", f"/api/v1/submissions/{running}", "sam").json()
    assert shown["hidden_tests"] == {"total": 2, "graded": 1, "failed": 1}
    compile_error = world.add_submission("sam", problem_id, [])
    shown = world.api("GET", f"/api/v1/submissions/{compile_error}", "sam").json()
    assert shown["hidden_tests"] == {"total": 2, "graded": 0, "failed": 0}
    assert shown["tests"] == []


def test_events_mask_hidden_tests_for_students_but_keep_every_position(world: Teaching):
    problem_id = world.upload()["id"]
    _patch(world, problem_id, {"secret/01": "hidden"})
    submission_id = world.add_submission("sam", problem_id, VERDICTS)

    events = world.events(submission_id, "sam")
    tests = [data for name, data in events if name == "test"]
    assert [t["position"] for t in tests] == list(range(6))
    assert tests[2] == {"position": 2, "hidden": True}
    assert all(t["hidden"] is False and t["name"] == TESTS[t["position"]] for t in tests[:2])
    assert "secret/01" not in str(events)
    assert events[-1] == ("done", {"status": "done", "verdict": "WA"})

    staff = [data for name, data in world.events(submission_id, "tom") if name == "test"]
    assert staff[2]["name"] == "secret/01"
    assert staff[2]["verdict"] == "WA"
    assert staff[2]["hidden"] is False


def test_only_the_problems_teacher_or_an_admin_may_change_it(world: Teaching):
    problem_id = world.upload()["id"]
    choice = {"secret/01": "hidden"}
    for who in ("sam", "tess"):
        refused = _patch(world, problem_id, choice, who=who)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden"
    assert _patch(world, problem_id, choice, who="ada").status_code == 200
    missing = _patch(world, 424242, choice)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("choices", "code", "says"),
    [
        ({"secret/99": "hidden"}, "invalid", "no test 'secret/99'"),
        ({"secret/01": "secret"}, "invalid_request", "visibility.secret/01"),
        ({}, "invalid_request", "visibility"),
    ],
)
def test_unknown_names_and_values_are_a_422(world: Teaching, choices: dict, code: str, says: str):
    problem_id = world.upload()["id"]
    refused = _patch(world, problem_id, choices)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == code
    assert says in error["message"]
    details = world.api("GET", f"/api/v1/problems/{problem_id}", "tom").json()["test_details"]
    assert {d["visibility"] for d in details if d["name"].startswith("secret/")} == {"verdict"}


def test_a_browser_session_must_send_the_csrf_token(world: Teaching):
    problem_id = world.upload()["id"]
    path = f"/api/v1/problems/{problem_id}/tests"
    body = {"visibility": {"secret/01": "hidden"}}
    tom = world.browsers["tom"]
    world.client.cookies.clear()
    world.client.cookies.set("bj_session", tom.cookie)
    forged = world.client.patch(path, json=body)
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf"
    sent = world.client.patch(path, json=body, headers={"X-CSRF-Token": tom.csrf})
    assert sent.status_code == 200, sent.text


def test_choices_survive_a_reupload_and_cover_earlier_versions(world: Teaching):
    problem_id = world.upload()["id"]
    old = world.add_submission("sam", problem_id, VERDICTS)
    _patch(world, problem_id, {"secret/02": "hidden"})
    world.upload(problem_id=str(problem_id))
    details = world.api("GET", f"/api/v1/problems/{problem_id}", "tom").json()
    assert details["version"] == 2
    assert {d["name"]: d["visibility"] for d in details["test_details"]}["secret/02"] == "hidden"
    assert (
        world.api("GET", f"/api/v1/submissions/{old}", "sam").json()["hidden_tests"]["total"] == 1
    )

    _patch(world, problem_id, {"secret/02": "verdict", "secret/04": "hidden"})
    shown = world.api("GET", f"/api/v1/submissions/{old}", "sam").json()
    assert "secret/02" in [t["name"] for t in shown["tests"]]
    assert "secret/04" not in [t["name"] for t in shown["tests"]]
