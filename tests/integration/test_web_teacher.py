"""The teacher pages through the app (TestClient) on both databases: who may see them,
uploads and their inline errors, the visibility form, analytics and the institution's
submissions with their filters."""

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from batchjudge.db.problems import ProblemTest, ProblemVersion
from batchjudge.db.submissions import SubmissionStatus
from batchjudge.problems.archive import zip_folder
from batchjudge.services.problem_analytics import problem_analytics
from support.teaching import AVERAGE, Teaching, teaching


@pytest.fixture
def world(database_url: str, reachable_dir: Path) -> Iterator[Teaching]:
    with teaching(database_url, reachable_dir) as running:
        yield running


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


BROKEN = {
    "broken/problem.yaml": "name: Broken\nlimits: {time_limit: -1}\n",
    "broken/data/secret/1.in": "1\n",
    "broken/data/secret/1.ans": "1\n",
}


def _post_package(world: Teaching, path: str, who: str, data: bytes, csrf: str | None = None):
    token = world.browsers[who].csrf if csrf is None else csrf
    return world.page(
        "POST",
        path,
        who,
        data={"csrf_token": token},
        files={"package": ("package.zip", data, "application/zip")},
    )


def _text(html: str) -> str:
    """The page's text, roughly: tags dropped and whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_only_teachers_and_admins_get_the_pages(world: Teaching):
    for path in ("/teach", "/teach/submissions"):
        anonymous = world.page("GET", path, None)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == f"/login?next={path}"
        refused = world.page("GET", path, "sam")
        assert refused.status_code == 403
        assert "this page needs the teacher or admin role" in refused.text
        for who in ("tom", "ada"):
            assert world.page("GET", path, who).status_code == 200


def test_the_home_page_starts_empty_and_lists_the_teachers_own_problems(world: Teaching):
    empty = world.page("GET", "/teach", "tom")
    assert "You have no problems yet." in empty.text
    assert 'accept=".zip"' in empty.text
    assert 'enctype="multipart/form-data"' in empty.text
    mine = world.upload(who="tom")["id"]
    theirs = world.upload(who="tess")["id"]
    world.add_submission("sam", mine, ["AC"] * 6)
    world.add_submission("sam", mine, ["AC", "WA", "AC", "AC", "AC", "AC"])
    world.add_submission("sam", mine, ["AC"] * 6, status=SubmissionStatus.QUEUED)
    page = _text(world.page("GET", "/teach", "tom").text)
    assert f"Average #{mine} 50% (1 of 2) 3 6 1" in page
    assert f"#{theirs}" not in page
    everyone = world.page("GET", "/teach", "ada").text
    assert f"/teach/problems/{mine}" in everyone
    assert f"/teach/problems/{theirs}" in everyone
    assert "All problems" in everyone


def test_a_broken_package_is_shown_inline_and_a_fixed_one_goes_to_its_page(world: Teaching):
    refused = _post_package(world, "/teach/problems", "tom", _zip(BROKEN))
    assert refused.status_code == 200
    error = re.search(r'<p id="package-error"[^>]*role="alert">([^<]*)</p>', refused.text)
    assert error is not None, refused.text
    assert error.group(1).startswith("broken: problem.yaml")
    assert 'aria-describedby="package-error package-help"' in refused.text
    assert 'aria-invalid="true"' in refused.text

    created = _post_package(world, "/teach/problems", "tom", zip_folder(AVERAGE))
    assert created.status_code == 303
    target = created.headers["location"]
    assert re.fullmatch(r"/teach/problems/\d+\?uploaded=1", target)
    page = world.page("GET", target, "tom")
    assert "Version 1 is uploaded." in page.text
    assert "6 tests (2 samples)" in page.text
    assert "No submissions yet." in page.text


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"not a zip", "package"),
        (b"", "Choose a problem package"),
    ],
)
def test_other_bad_uploads_get_a_message_too(world: Teaching, data: bytes, says: str):
    if data:
        answer = _post_package(world, "/teach/problems", "tom", data)
    else:
        answer = world.page(
            "POST",
            "/teach/problems",
            "tom",
            data={"csrf_token": world.browsers["tom"].csrf},
            files={"package": ("", b"", "application/octet-stream")},
        )
    assert answer.status_code == 200
    assert 'role="alert"' in answer.text
    assert says in answer.text


def test_a_form_without_the_sessions_csrf_token_is_refused(world: Teaching):
    forged = _post_package(world, "/teach/problems", "tom", zip_folder(AVERAGE), csrf="forged")
    assert forged.status_code == 403
    assert "This form had expired" in forged.text
    assert world.page("GET", "/teach", "tom").text.count("/teach/problems/") == 0
    student = _post_package(world, "/teach/problems", "sam", zip_folder(AVERAGE))
    assert student.status_code == 403


def test_a_new_version_through_the_page_and_its_errors(world: Teaching):
    problem_id = world.upload()["id"]
    path = f"/teach/problems/{problem_id}/versions"
    refused = _post_package(world, path, "tom", _zip(BROKEN))
    assert refused.status_code == 200
    assert "broken: problem.yaml" in refused.text
    assert "Upload a new version" in refused.text
    made = _post_package(world, path, "tom", zip_folder(AVERAGE))
    assert made.headers["location"] == f"/teach/problems/{problem_id}?uploaded=2"
    page = _text(world.page("GET", made.headers["location"], "tom").text)
    assert "Version 2 is uploaded." in page
    assert "2 (latest) Average 6 0" in page
    assert _post_package(world, path, "tess", zip_folder(AVERAGE)).status_code == 403


def test_the_problem_page_belongs_to_its_teacher_and_admins(world: Teaching):
    problem_id = world.upload()["id"]
    assert world.page("GET", f"/teach/problems/{problem_id}", "tess").status_code == 403
    assert world.page("GET", f"/teach/problems/{problem_id}", "ada").status_code == 200
    assert world.page("GET", "/teach/problems/424242", "tom").status_code == 404


def _visibility(world: Teaching, problem_id: int) -> dict[str, str]:
    with world.sessions() as session:
        rows = session.execute(
            select(ProblemTest.name, ProblemTest.visibility)
            .join(ProblemVersion)
            .where(ProblemVersion.problem_id == problem_id)
        )
        return dict(rows.all())


def test_the_visibility_form_saves_without_javascript(world: Teaching):
    problem_id = world.upload()["id"]
    page = world.page("GET", f"/teach/problems/{problem_id}", "tom").text
    assert 'name="visibility:secret/01"' in page
    assert 'for="visibility-2">What students see of secret/01' in page
    form = {"csrf_token": world.browsers["tom"].csrf, "visibility:secret/01": "hidden"}
    saved = world.page("POST", f"/teach/problems/{problem_id}/visibility", "tom", data=form)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/teach/problems/{problem_id}?saved=true#tests"
    assert _visibility(world, problem_id)["secret/01"] == "hidden"
    shown = world.page("GET", saved.headers["location"], "tom").text
    assert "Saved. Students see 2 in full, 3 by verdict only, and 1 hidden." in shown

    for bad, says in (
        ({"visibility:secret/01": "secret"}, "visibility &#39;secret&#39; is not one of"),
        ({"visibility:nope": "hidden"}, "has no test &#39;nope&#39;"),
        ({}, "choose a visibility for at least one test"),
    ):
        data = {"csrf_token": world.browsers["tom"].csrf, **bad}
        refused = world.page("POST", f"/teach/problems/{problem_id}/visibility", "tom", data=data)
        assert refused.status_code == 200
        assert 'id="visibility-error"' in refused.text
        assert says in refused.text
    assert _visibility(world, problem_id)["secret/01"] == "hidden"
    other = {"csrf_token": world.browsers["tess"].csrf, "visibility:secret/01": "full"}
    path = f"/teach/problems/{problem_id}/visibility"
    assert world.page("POST", path, "tess", data=other).status_code == 403


def test_analytics_count_verdicts_tests_and_languages(world: Teaching):
    problem_id = world.upload()["id"]
    world.add_submission("sam", problem_id, ["AC"] * 6)
    world.add_submission("sam", problem_id, ["AC", "AC", "WA", "AC", "AC", "AC"], "cpp17")
    world.add_submission("olga", problem_id, ["AC", "AC", "WA", "TLE", "AC", "AC"])
    world.add_submission("olga", problem_id, [], "java")
    world.add_submission("sam", problem_id, [], status=SubmissionStatus.QUEUED)
    with world.sessions() as session:
        figures = problem_analytics(session, problem_id)
    assert (figures.submissions, figures.graded, figures.pending) == (5, 4, 1)
    assert [(v.verdict, v.count, v.share) for v in figures.verdicts] == [
        ("AC", 1, 0.25),
        ("WA", 2, 0.5),
        ("CE", 1, 0.25),
    ]
    rates = {t.name: (t.passed, t.runs) for t in figures.tests}
    assert rates["secret/01"] == (1, 3)
    assert rates["secret/02"] == (2, 3)
    assert rates["sample/1"] == (3, 3)
    assert [t.name for t in figures.hardest] == ["secret/01", "secret/02"]
    assert [(lang.language, lang.count) for lang in figures.languages] == [
        ("python3", 3),
        ("cpp17", 1),
        ("java", 1),
    ]
    page = _text(world.page("GET", f"/teach/problems/{problem_id}", "tom").text)
    assert "WA 2 (50%)" in page
    assert "secret/01 : passed 1 of 3 (33%)" in page
    assert "Python 3" in page
    assert "33% (1 of 3)" in page


def test_institution_submissions_filter_and_page(world: Teaching):
    average = world.upload()["id"]
    other = world.upload(who="tess")["id"]
    for age in range(55):
        world.add_submission("sam", average, ["AC"] * 6, age_s=100 + age)
    wrong = world.add_submission("sam", other, ["AC", "WA"], "cpp17")
    pending = world.add_submission("sam", average, [], status=SubmissionStatus.QUEUED)
    eastern = world.add_submission("olga", average, ["AC"] * 6)

    first = world.page("GET", "/teach/submissions", "tom").text
    assert "57 submissions, newest first; page 1 of 2." in _text(first)
    assert f'href="/submissions/{pending}"' in first
    assert f'href="/submissions/{eastern}"' not in first
    assert 'href="/teach/submissions?page=2" rel="next"' in first
    second = world.page("GET", "/teach/submissions?page=2", "tom").text
    assert second.count('href="/submissions/') == 7

    def ids(query: str, who: str = "tom") -> set[int]:
        html = world.page("GET", "/teach/submissions?" + query, who).text
        return {int(found) for found in re.findall(r'href="/submissions/(\d+)"', html)}

    assert ids(f"problem={other}") == {wrong}
    assert ids("verdict=WA") == {wrong}
    assert ids("language=cpp17") == {wrong}
    assert ids("verdict=pending") == {pending}
    assert ids("student=SA&verdict=WA") == {wrong}
    assert ids("student=olga") == set()
    assert ids("student=olga", who="ada") == {eastern}
    assert ids("student=%25") == set()  # a literal %, not a wildcard
    assert eastern in ids("", who="tess")
    assert wrong not in ids("", who="tess")
    nothing = world.page("GET", "/teach/submissions?verdict=MLE", "tom").text
    assert "No submissions match these filters." in nothing
    assert "You belong to no institution" in world.page("GET", "/teach/submissions", "nora").text
    assert world.page("GET", "/teach/submissions?page=0", "tom").status_code == 422
