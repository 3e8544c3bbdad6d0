"""The HTTP API in-process (FastAPI's TestClient runs the lifespan): real database, real
queue and worker threads, real sandbox."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from batchjudge.db.accounts import Role
from batchjudge.db.engine import make_engine, make_session_factory
from batchjudge.db.migrate import upgrade
from batchjudge.problems.archive import zip_folder
from batchjudge.service.app import create_app
from batchjudge.services.accounts import create_user
from batchjudge.settings import Settings

pytestmark = pytest.mark.sandbox

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "sum-pairs"
GOLDEN_SUM = REPO / "tests" / "golden" / "sum"


class Api:
    """A client with a token per role."""

    def __init__(self, client: TestClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, path: str, who: str = "student", **kwargs: object):
        return self.client.get(path, headers=self.headers(who), **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, who: str = "student", **kwargs: object):
        return self.client.post(path, headers=self.headers(who), **kwargs)  # type: ignore[arg-type]

    def upload(self, folder: Path, who: str = "teacher"):
        files = {"package": (f"{folder.name}.zip", zip_folder(folder), "application/zip")}
        return self.post("/api/v1/problems", who, files=files)

    def wait_done(self, submission_id: int, timeout_s: float = 120) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            body = self.get(f"/api/v1/submissions/{submission_id}").json()
            if body["status"] in ("done", "failed"):
                return body
            time.sleep(0.1)
        raise AssertionError(f"submission {submission_id} did not finish: {body}")


@pytest.fixture
def api(
    database_url: str, sandbox_data_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Api]:
    data = tmp_path / "service"
    data.mkdir()
    data.chmod(0o755)
    tmp_path.chmod(0o755)
    upgrade(database_url)
    engine = make_engine(database_url)
    tokens = {}
    with make_session_factory(engine).begin() as session:
        for name, role in (
            ("admin", Role.ADMIN),
            ("teacher", Role.TEACHER),
            ("student", Role.STUDENT),
        ):
            _, tokens[name] = create_user(session, name, role, institution="Test school")
        _, tokens["other"] = create_user(session, "other", Role.STUDENT)
    engine.dispose()
    overrides = getattr(request, "param", {})
    settings = Settings(
        data_dir=sandbox_data_dir, database_url=database_url, sandbox_slots=2, **overrides
    )
    with TestClient(create_app(settings)) as client:
        yield Api(client, tokens)


def test_upload_submit_and_read_the_results(api: Api):
    uploaded = api.upload(EXAMPLE)
    assert uploaded.status_code == 201, uploaded.text
    problem = uploaded.json()
    assert (problem["version"], problem["tests"]) == (1, 40)
    source = (EXAMPLE / "submissions" / "solve.cpp").read_text()
    accepted = api.post(
        "/api/v1/submissions",
        json={"problem_id": problem["id"], "language": "cpp17", "source": source},
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "queued"
    done = api.wait_done(accepted.json()["id"])
    assert (done["status"], done["verdict"], done["executions"]) == ("done", "AC", 1)
    assert (done["style"], done["mode"], done["compile"]["ok"]) == ("solve", "multi", True)
    assert len(done["tests"]) == 40
    sample, secret = done["tests"][0], done["tests"][5]
    assert sample["name"] == "sample/1"
    assert sample["input"] == (EXAMPLE / "data/sample/1.in").read_text()
    assert sample["output"] == sample["expected_output"]
    assert secret["input"] is None
    assert secret["output"] is None


def test_verdicts_match_the_engine_for_failures(api: Api):
    problem_id = api.upload(GOLDEN_SUM).json()["id"]
    expected = {
        "tle_spin_program.c": ["AC", "AC", "AC", "TLE", "AC", "AC"],
        "re_exception_solve.py": ["AC", "AC", "AC", "RE", "AC", "AC"],
        "ce_syntax_solve.js": [],
    }
    ids = {}
    for name in expected:
        source = (GOLDEN_SUM / "submissions" / name).read_text()
        language = {"c": "c", "py": "python3", "js": "javascript"}[name.rsplit(".", 1)[1]]
        response = api.post(
            "/api/v1/submissions",
            json={"problem_id": problem_id, "language": language, "source": source},
        )
        ids[name] = response.json()["id"]
    for name, verdicts in expected.items():
        done = api.wait_done(ids[name])
        assert [t["verdict"] for t in done["tests"]] == verdicts, (name, done)
    assert api.wait_done(ids["ce_syntax_solve.js"])["verdict"] == "CE"


def test_students_see_only_their_own_submissions(api: Api):
    problem_id = api.upload(EXAMPLE).json()["id"]
    source = (EXAMPLE / "submissions" / "main.py").read_text()
    mine = api.post(
        "/api/v1/submissions",
        json={"problem_id": problem_id, "language": "python3", "source": source},
    ).json()["id"]
    api.wait_done(mine)
    assert api.get(f"/api/v1/submissions/{mine}", who="other").status_code == 404
    assert api.get("/api/v1/submissions", who="other").json() == []
    assert [s["id"] for s in api.get("/api/v1/submissions").json()] == [mine]
    listed = api.get("/api/v1/submissions", who="teacher", params={"problem_id": problem_id})
    assert [s["id"] for s in listed.json()] == [mine]


def test_teachers_see_their_institutions_submissions_and_admins_everyones(api: Api):
    problem_id = api.upload(EXAMPLE).json()["id"]
    body = {"problem_id": problem_id, "language": "python3", "source": "print(1)\n"}
    ours = api.post("/api/v1/submissions", who="student", json=body).json()["id"]
    theirs = api.post("/api/v1/submissions", who="other", json=body).json()["id"]
    # "other" belongs to no institution, so the school's teacher does not see it.
    assert [s["id"] for s in api.get("/api/v1/submissions", who="teacher").json()] == [ours]
    assert api.get(f"/api/v1/submissions/{theirs}", who="teacher").status_code == 404
    assert api.get(f"/api/v1/submissions/{theirs}/events", who="teacher").status_code == 404
    assert api.get(f"/api/v1/submissions/{ours}", who="teacher").status_code == 200
    listed = {s["id"] for s in api.get("/api/v1/submissions", who="admin").json()}
    assert listed == {ours, theirs}


def test_students_see_samples_but_not_secret_test_names(api: Api):
    problem_id = api.upload(EXAMPLE).json()["id"]
    student_view = api.get(f"/api/v1/problems/{problem_id}").json()
    assert [s["name"] for s in student_view["samples"]] == ["sample/1", "sample/2"]
    assert student_view["test_names"] is None
    teacher_view = api.get(f"/api/v1/problems/{problem_id}", who="teacher").json()
    assert len(teacher_view["test_names"]) == 40
    assert [p["id"] for p in api.get("/api/v1/problems").json()] == [problem_id]


def test_me_and_languages(api: Api):
    me = api.get("/api/v1/me").json()
    assert (me["name"], me["role"]) == ("student", "student")
    languages = {lang["id"]: lang for lang in api.get("/api/v1/languages").json()}
    assert set(languages) == {"c", "cpp17", "python3", "java", "javascript"}
    assert languages["cpp17"]["judge0_id"] == 54


def _error(response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["message"]
    return str(body["error"]["code"])


def test_bad_input_gets_a_4xx_with_a_message(api: Api):
    problem_id = api.upload(EXAMPLE).json()["id"]
    submit = "/api/v1/submissions"
    assert _error(api.client.get("/api/v1/me"), 401) == "unauthorized"
    bad_token = api.client.get("/api/v1/me", headers={"Authorization": "Bearer bj_nope"})
    assert _error(bad_token, 401) == "unauthorized"
    raw = api.client.post(
        submit,
        content=b"{not json",
        headers={**api.headers("student"), "Content-Type": "application/json"},
    )
    assert _error(raw, 422) == "invalid_request"
    unknown_language = {"problem_id": problem_id, "language": "cobol", "source": "x"}
    assert _error(api.post(submit, json=unknown_language), 422) == "unknown_language"
    unknown_problem = {"problem_id": 999, "language": "c", "source": "int main(){}"}
    assert _error(api.post(submit, json=unknown_problem), 404) == "not_found"
    too_big = {"problem_id": problem_id, "language": "c", "source": "x" * (65 << 10)}
    assert _error(api.post(submit, json=too_big), 413) == "too_large"
    wrong_role = api.upload(EXAMPLE, who="student")
    assert _error(wrong_role, 403) == "forbidden"
    bad_zip = api.post(
        "/api/v1/problems", "teacher", files={"package": ("x.zip", b"not a zip", "application/zip")}
    )
    assert _error(bad_zip, 422) == "bad_package"
    assert _error(api.get("/api/v1/submissions/424242"), 404) == "not_found"
    assert _error(api.get("/api/v1/problems/424242"), 404) == "not_found"
    assert _error(api.get("/api/v1/nowhere"), 404) == "not_found"


def read_events(api: Api, submission_id: int, who: str = "student") -> list[tuple[str, dict]]:
    events = []
    with api.client.stream(
        "GET", f"/api/v1/submissions/{submission_id}/events", headers=api.headers(who)
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name is not None:
                events.append((name, json.loads(line.split(":", 1)[1])))
                name = None
    return events


def test_the_event_stream_sends_every_test_before_done(api: Api):
    problem_id = api.upload(EXAMPLE).json()["id"]
    source = (EXAMPLE / "submissions" / "slow.py").read_text()
    submission_id = api.post(
        "/api/v1/submissions",
        json={"problem_id": problem_id, "language": "python3", "source": source},
    ).json()["id"]
    events = read_events(api, submission_id)
    names = [name for name, _ in events]
    assert names[0] == "queued"
    assert names[1] == "compiled"
    assert names[2:-1] == ["test"] * 40
    assert names[-1] == "done"
    assert [data["position"] for name, data in events if name == "test"] == list(range(40))
    final = api.get(f"/api/v1/submissions/{submission_id}").json()
    assert [d["verdict"] for n, d in events if n == "test"] == [
        t["verdict"] for t in final["tests"]
    ]
    assert events[-1][1] == {"status": "done", "verdict": final["verdict"]}
    assert final["verdict"] == "TLE"


def test_the_event_stream_of_a_compile_error_and_of_someone_else(api: Api):
    problem_id = api.upload(GOLDEN_SUM).json()["id"]
    source = (GOLDEN_SUM / "submissions" / "ce_syntax_program.c").read_text()
    submission_id = api.post(
        "/api/v1/submissions", json={"problem_id": problem_id, "language": "c", "source": source}
    ).json()["id"]
    events = read_events(api, submission_id)
    assert [name for name, _ in events] == ["queued", "compiled", "done"]
    assert events[1][1]["ok"] is False
    assert events[-1][1]["verdict"] == "CE"
    other = api.client.get(
        f"/api/v1/submissions/{submission_id}/events", headers=api.headers("other")
    )
    assert other.status_code == 404


def test_admins_manage_institutions_users_and_tokens(api: Api):
    made = api.post("/api/v1/admin/institutions", "admin", json={"name": "Eastside"})
    assert made.status_code == 201
    assert _error(api.post("/api/v1/admin/institutions", "admin", json={"name": "Eastside"}), 409)
    created = api.post(
        "/api/v1/admin/users",
        "admin",
        json={"name": "newbie", "role": "teacher", "institution": "Eastside"},
    ).json()
    assert (created["role"], created["institution_id"]) == ("teacher", made.json()["id"])
    newbie = {"Authorization": f"Bearer {created['token']}"}
    assert api.client.get("/api/v1/me", headers=newbie).json()["name"] == "newbie"
    extra = api.post(
        f"/api/v1/admin/users/{created['id']}/tokens", "admin", json={"expires_in_days": 1}
    ).json()
    assert extra["expires_at"] is not None
    listed = api.get(f"/api/v1/admin/users/{created['id']}/tokens", "admin").json()
    assert [t["token"] for t in listed] == [None, None]
    assert [t["last4"] for t in listed] == [created["token"][-4:], extra["token"][-4:]]
    assert (
        api.client.delete(
            f"/api/v1/admin/tokens/{extra['id']}", headers=api.headers("admin")
        ).status_code
        == 204
    )
    revoked = {"Authorization": f"Bearer {extra['token']}"}
    assert _error(api.client.get("/api/v1/me", headers=revoked), 401) == "unauthorized"
    patched = api.client.patch(
        f"/api/v1/admin/users/{created['id']}", headers=api.headers("admin"), json={"active": False}
    )
    assert patched.json()["active"] is False
    assert _error(api.client.get("/api/v1/me", headers=newbie), 401) == "unauthorized"
    names = [u["name"] for u in api.get("/api/v1/admin/users", "admin").json()]
    assert "newbie" in names
    assert _error(api.get("/api/v1/admin/users", "teacher"), 403) == "forbidden"


@pytest.mark.parametrize("api", [{"max_queue_length": 1}], indirect=True)
def test_a_full_queue_answers_503_with_retry_after(api: Api):
    problem_id = api.upload(EXAMPLE).json()["id"]
    slow = {
        "problem_id": problem_id,
        "language": "python3",
        "source": "import time\ntime.sleep(1)\n",
    }
    answers = [api.post("/api/v1/submissions", json=slow) for _ in range(6)]
    codes = [answer.status_code for answer in answers]
    assert 503 in codes, codes
    full = answers[codes.index(503)]
    assert full.headers["retry-after"] == "30"
    assert _error(full, 503) == "queue_full"


# One submission per language and style, checked against the golden expectations (which
# `batchjudge grade` meets in both modes).
ACROSS_LANGUAGES = [
    "ac_program.c",
    "wa_overflow_solve.c",
    "ac_program.cpp",
    "re_throw_solve.cpp",
    "re_exit_program.py",
    "exit0_solve.py",
    "AcProgram.java",
    "MleSolve.java",
    "tle_sleep_program.js",
    "leak_global_solve.js",
]


def test_every_language_and_style_through_the_api_matches_the_engine(api: Api):
    expected = yaml.safe_load((GOLDEN_SUM / "expected.yaml").read_text())
    problem_id = api.upload(GOLDEN_SUM).json()["id"]
    language = {"c": "c", "cpp": "cpp17", "py": "python3", "java": "java", "js": "javascript"}
    ids = {}
    for name in ACROSS_LANGUAGES:
        body = {
            "problem_id": problem_id,
            "language": language[name.rsplit(".", 1)[1]],
            "source": (GOLDEN_SUM / "submissions" / name).read_text(),
            "style": expected[name].get("style", "auto"),
        }
        ids[name] = api.post("/api/v1/submissions", json=body).json()["id"]
    styles = set()
    for name, submission_id in ids.items():
        done = api.wait_done(submission_id, timeout_s=300)
        assert [t["verdict"] for t in done["tests"]] == expected[name]["verdicts"], name
        styles.add((done["language"], done["style"]))
    assert len(styles) == 10


def _graded_mode(api: Api, asked: str) -> tuple[str, int]:
    problem_id = api.upload(EXAMPLE).json()["id"]
    source = (EXAMPLE / "submissions" / "main.py").read_text()
    body = {"problem_id": problem_id, "language": "python3", "source": source, "mode": asked}
    done = api.wait_done(api.post("/api/v1/submissions", json=body).json()["id"])
    return done["mode"], done["executions"]


def test_in_auto_optimization_mode_the_service_picks_multi(api: Api):
    assert _graded_mode(api, "single") == ("multi", 1)


@pytest.mark.parametrize("api", [{"default_optimization_mode": "manual"}], indirect=True)
def test_in_manual_optimization_mode_the_submission_picks(api: Api):
    assert _graded_mode(api, "single") == ("single", 40)


def test_ids_beyond_the_database_integer_range_are_a_4xx(api: Api):
    huge = 2**40
    assert _error(api.get(f"/api/v1/problems/{huge}"), 422) == "invalid_request"
    assert _error(api.get(f"/api/v1/submissions/{huge}"), 422) == "invalid_request"
    assert _error(api.get(f"/api/v1/submissions/{huge}/events"), 422) == "invalid_request"
    body = {"problem_id": huge, "language": "c", "source": "int main(){}"}
    assert _error(api.post("/api/v1/submissions", json=body), 422) == "invalid_request"
    listed = api.get("/api/v1/submissions", params={"problem_id": huge})
    assert _error(listed, 422) == "invalid_request"
    far = api.get("/api/v1/submissions", params={"offset": 10**30})
    assert _error(far, 422) == "invalid_request"
    files = {"package": ("s.zip", zip_folder(EXAMPLE), "application/zip")}
    again = api.post("/api/v1/problems", "teacher", files=files, data={"problem_id": str(huge)})
    assert _error(again, 422) == "invalid_request"
    patched = api.client.patch(
        f"/api/v1/admin/users/{huge}", headers=api.headers("admin"), json={"active": False}
    )
    assert _error(patched, 422) == "invalid_request"
