"""Scale-out acceptance (issue 9): two hosts, each a network namespace holding one API
replica (`serve --no-workers`) and one worker (`batchjudge worker`), share PostgreSQL and
Redis, which listen on the root namespace's 127.0.0.1 and are reached through relays.

100 golden submissions go half to each replica; one worker is killed with kill -9 while it
grades, and is not started again. Every submission finishes exactly once with the golden
verdicts (what a single-process run gets: test_golden.py), and live streams opened on one
replica for submissions made through the other end with `done`.
"""

import signal
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from batchjudge.domain.verdicts import Verdict, overall_verdict
from batchjudge.problems.archive import zip_folder
from support.two_host_cluster import Cluster, LiveStream, follow, running_cluster

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
LANGUAGES = {"c": "c", "cpp": "cpp17", "py": "python3", "java": "java", "js": "javascript"}
#: What the 100 submissions cycle through: every language, AC, WA, RE and CE, a custom
#: output validator (split); nothing that waits for a time limit or hogs memory, so the
#: whole burst grades in well under a minute on two cores.
MIX = [
    ("sum", "ac_program.c"),
    ("sum", "wa_overflow_solve.c"),
    ("sum", "ce_syntax_program.c"),
    ("sum", "ac_program.cpp"),
    ("sum", "re_throw_solve.cpp"),
    ("sum", "ac_solve.py"),
    ("sum", "re_exception_solve.py"),
    ("sum", "ac_solve.js"),
    ("sum", "wa_int32_solve.js"),
    ("sum", "AcProgram.java"),
    ("shout", "ac_program.py"),
    ("shout", "wa_collapse_spaces_solve.py"),
    ("shout", "re_eof_program.py"),
    ("float-avg", "wa_rounding_solve.c"),
    ("float-avg", "ac_spacing_program.js"),
    ("split", "ac_solve.py"),
    ("split", "wa_halves_program.c"),
]
SUBMISSIONS = 100
KILL_AFTER_DONE = 30
#: The submissions (from the end of the burst, still queued when their streams open)
#: streamed from the replica they were not submitted to.
STREAMED = 6
WORKER_TIMEOUT_S = 6
WORKER_HEARTBEAT_S = 1


@dataclass(frozen=True)
class Case:
    """A golden submission and the per-test verdicts a single-process run gives it."""

    problem: str
    source: str
    style: str
    verdicts: tuple[str, ...]

    @property
    def tests(self) -> int:
        """Test results it stores (none when it does not compile)."""
        return 0 if self.verdicts == ("CE",) else len(self.verdicts)

    @property
    def verdict(self) -> str:
        return overall_verdict(Verdict(v) for v in self.verdicts).value

    def body(self, problem_id: int) -> dict[str, object]:
        path = GOLDEN / self.problem / "submissions" / self.source
        return {
            "problem_id": problem_id,
            "language": LANGUAGES[self.source.rsplit(".", 1)[1]],
            "source": path.read_text(),
            "style": self.style,
        }


def _cases() -> list[Case]:
    expected = {
        problem: yaml.safe_load((GOLDEN / problem / "expected.yaml").read_text())
        for problem in {problem for problem, _ in MIX}
    }
    return [
        Case(
            problem,
            source,
            expected[problem][source].get("style", "auto"),
            tuple(expected[problem][source]["verdicts"]),
        )
        for problem, source in MIX
    ]


@dataclass(frozen=True)
class Submitted:
    id: int
    case: Case
    via: str  # the host whose replica took it


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with running_cluster(
        BATCHJUDGE_WORKER_TIMEOUT_S=str(WORKER_TIMEOUT_S),
        BATCHJUDGE_WORKER_HEARTBEAT_S=str(WORKER_HEARTBEAT_S),
        BATCHJUDGE_MAX_SSE_PER_USER="50",
        BATCHJUDGE_FIGURE_PROCESS="false",
    ) as running:
        if not running.hosts.isolated:
            print(running.hosts.note)
        yield running


def _upload_problems(cluster: Cluster, via: str) -> dict[str, int]:
    ids = {}
    with cluster.client(via) as client:
        for problem in sorted({problem for problem, _ in MIX}):
            package = zip_folder(GOLDEN / problem)
            files = {"package": (f"{problem}.zip", package, "application/zip")}
            answer = client.post("/api/v1/problems", files=files)
            assert answer.status_code == 201, answer.text
            ids[problem] = answer.json()["id"]
    return ids


def _submit_all(cluster: Cluster, problems: dict[str, int]) -> list[Submitted]:
    """SUBMISSIONS submissions cycling through MIX, alternately to each replica, four at a
    time."""
    cases = _cases()
    clients = {name: cluster.client(name) for name in cluster.urls}

    def submit(index: int) -> Submitted:
        case = cases[index % len(cases)]
        via = "ab"[index % 2]
        answer = clients[via].post("/api/v1/submissions", json=case.body(problems[case.problem]))
        assert answer.status_code == 202, answer.text
        return Submitted(answer.json()["id"], case, via)

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(submit, range(SUBMISSIONS)))
    finally:
        for client in clients.values():
            client.close()


def _worker_id(cluster: Cluster, name: str) -> str:
    rows = cluster.sql(
        "SELECT id FROM workers WHERE name = %s ORDER BY started_at DESC LIMIT 1", name
    )
    assert rows, f"no workers row for {name}"
    return str(rows[0][0])


def _count_done(cluster: Cluster, ids: list[int]) -> int:
    query = "SELECT count(*) FROM submissions WHERE id = ANY(%s) AND status = 'done'"
    return int(cluster.sql(query, ids)[0][0])


def _kill_mid_job(cluster: Cluster, host: str, ids: list[int]) -> tuple[list[int], int]:
    """Once KILL_AFTER_DONE submissions are done, kill -9 the worker on `host` while it
    holds a running submission; the ones it held, and how many were done.

    The worker is stopped (SIGSTOP) while the database is asked what it holds, so it
    cannot finish that job between the answer and the kill."""
    worker = cluster.workers[host]
    assert worker.is_batchjudge("worker"), "the pid is not the worker process itself"
    worker_id = _worker_id(cluster, f"host-{host}")
    held_query = "SELECT id FROM submissions WHERE status = 'running' AND worker_id = %s"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = _count_done(cluster, ids)
        if done >= KILL_AFTER_DONE:
            worker.signal(signal.SIGSTOP)
            held: list[int] = []
            try:
                held = [row[0] for row in cluster.sql(held_query, worker_id)]
            finally:
                worker.signal(signal.SIGKILL if held else signal.SIGCONT)
            if held:
                worker.process.wait(timeout=10)
                return held, done
        time.sleep(0.05)
    raise AssertionError("the worker was never caught holding a submission")


def _wait_requeued(cluster: Cluster, held: list[int], dead_id: str) -> float:
    """Seconds until no submission is still held by the dead worker."""
    started = time.monotonic()
    query = (
        "SELECT count(*) FROM submissions"
        " WHERE id = ANY(%s) AND status = 'running' AND worker_id = %s"
    )
    while cluster.sql(query, held, dead_id)[0][0]:
        assert time.monotonic() - started < 60, "the dead worker's job was never re-queued"
        time.sleep(0.1)
    return time.monotonic() - started


def _wait_all_done(cluster: Cluster, ids: list[int], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    query = "SELECT status, count(*) FROM submissions WHERE id = ANY(%s) GROUP BY status"
    while time.monotonic() < deadline:
        statuses = dict(cluster.sql(query, ids))
        if statuses.get("done") == len(ids):
            return
        time.sleep(0.5)
    survivor = cluster.workers["b"]
    raise AssertionError(f"not all done: {statuses}\n{survivor.output()}")


def _live_workers(cluster: Cluster, via: str) -> list[dict]:
    with cluster.client(via) as client:
        answer = client.get("/judge0/workers")
    assert answer.status_code == 200, answer.text
    return answer.json()


@dataclass
class Burst:
    """What happened to the burst: what was submitted, what the killed worker held."""

    submitted: list[Submitted]
    held: list[int]
    done_at_kill: int
    requeue_s: float
    streams: list[LiveStream]

    @property
    def ids(self) -> list[int]:
        return [s.id for s in self.submitted]


def _grade_through_a_kill(cluster: Cluster, submitted: list[Submitted]) -> Burst:
    """Follow the last submissions from the other replica, kill -9 host a's worker mid-job,
    follow what it held from both replicas, and wait until everything is done."""
    ids = [s.id for s in submitted]
    other = {"a": "b", "b": "a"}
    with ThreadPoolExecutor(max_workers=STREAMED + 2) as pool:
        streams = [pool.submit(follow, cluster, s.id, other[s.via]) for s in submitted[-STREAMED:]]
        dead_id = _worker_id(cluster, "host-a")
        held, done_at_kill = _kill_mid_job(cluster, "a", ids)
        streams += [pool.submit(follow, cluster, i, via) for i in held for via in "ab"]
        requeue_s = _wait_requeued(cluster, held, dead_id)
        _wait_all_done(cluster, ids, timeout_s=240)
        finished = [future.result(timeout=60) for future in streams]
    return Burst(submitted, held, done_at_kill, requeue_s, finished)


def _assert_golden_verdicts(cluster: Cluster, burst: Burst) -> None:
    """Same verdicts as a single-process run, read through both replicas."""
    for index, s in enumerate(burst.submitted):
        with cluster.client("ab"[index % 2]) as client:
            body = client.get(f"/api/v1/submissions/{s.id}").json()
        assert body["status"] == "done", body
        assert [t["verdict"] for t in body["tests"]] == list(s.case.verdicts[: s.case.tests])
        assert body["verdict"] == s.case.verdict, (s.case, body["verdict"])


def _assert_graded_once(cluster: Cluster, burst: Burst) -> None:
    """One result per test position, the same run executions for every copy of a case,
    and a second attempt only for what the dead worker held."""
    ids = burst.ids
    query = "SELECT submission_id, position FROM test_results WHERE submission_id = ANY(%s)"
    positions = Counter((row[0], row[1]) for row in cluster.sql(query, ids))
    assert set(positions.values()) == {1}, [k for k, n in positions.items() if n > 1]
    for s in burst.submitted:
        assert {p for (i, p) in positions if i == s.id} == set(range(s.case.tests)), s
    query = (
        "SELECT submission_id, count(*) FROM executions"
        " WHERE kind = 'run' AND submission_id = ANY(%s) GROUP BY submission_id"
    )
    runs = dict(cluster.sql(query, ids))
    runs_by_case = defaultdict(set)
    for s in burst.submitted:
        runs_by_case[s.case].add(runs.get(s.id, 0))
    assert all(len(counts) == 1 for counts in runs_by_case.values()), runs_by_case
    attempts = dict(cluster.sql("SELECT id, attempts FROM submissions WHERE id = ANY(%s)", ids))
    assert {i for i, n in attempts.items() if n != 1} == set(burst.held), (burst.held, attempts)
    assert all(attempts[i] == 2 for i in burst.held), attempts


def _assert_streams(cluster: Cluster, burst: Burst) -> int:
    """Each stream ends with `done` after one `test` event per test, also on the replica
    the submission was not made through; some were open before their grading ended (how
    many is returned)."""
    by_id = {s.id: s for s in burst.submitted}
    finished_at = dict(
        cluster.sql("SELECT id, finished_at FROM submissions WHERE id = ANY(%s)", burst.ids)
    )
    crossings = {(by_id[s.submission_id].via, s.via) for s in burst.streams}
    assert crossings >= {("a", "b"), ("b", "a")}, crossings
    for stream in burst.streams:
        case = by_id[stream.submission_id].case
        assert (stream.names[0], stream.names[-1]) == ("queued", "done"), stream
        tests = [data for name, data in stream.events if name == "test"]
        assert [t["position"] for t in tests] == list(range(case.tests)), stream
        assert tuple(t["verdict"] for t in tests) == case.verdicts[: case.tests], stream
        assert stream.events[-1][1] == {"status": "done", "verdict": case.verdict}, stream
    early = [s for s in burst.streams if s.opened_at < finished_at[s.submission_id]]
    assert len(early) >= 2, "the streams were opened only after grading ended"
    return len(early)


def test_two_hosts_grade_every_submission_once_through_a_worker_kill(
    cluster: Cluster, request: pytest.FixtureRequest
):
    started = time.monotonic()
    assert len(_live_workers(cluster, "b")) == 2
    if cluster.hosts.isolated:
        hosts = cluster.sql("SELECT DISTINCT host FROM workers WHERE name LIKE 'host-_'")
        assert len(hosts) == 2, hosts
    submitted = _submit_all(cluster, _upload_problems(cluster, "a"))
    assert len({s.id for s in submitted}) == SUBMISSIONS
    burst = _grade_through_a_kill(cluster, submitted)
    graded_s = time.monotonic() - started

    _assert_golden_verdicts(cluster, burst)
    _assert_graded_once(cluster, burst)
    early = _assert_streams(cluster, burst)
    # The survivor noticed the kill by the dead worker's silence: the hosts are apart, so
    # it could not look for the pid.
    assert burst.requeue_s <= WORKER_TIMEOUT_S + WORKER_HEARTBEAT_S + 10, burst.requeue_s
    if cluster.hosts.isolated:
        assert burst.requeue_s >= WORKER_TIMEOUT_S - 3, burst.requeue_s
    assert len(_live_workers(cluster, "a")) == len(_live_workers(cluster, "b")) == 1
    assert cluster.workers["b"].stop() == 0, cluster.workers["b"].output()

    where = "network namespaces" if cluster.hosts.isolated else cluster.hosts.note
    summary = (
        f"hosts: {where}; {SUBMISSIONS} submissions graded in {graded_s:.1f} s; worker "
        f"host-a killed with {burst.done_at_kill} done, holding {burst.held}, re-queued "
        f"after {burst.requeue_s:.1f} s; {len(burst.streams)} streams, {early} opened "
        "before their grading ended"
    )
    print(summary)
    request.node.user_properties.append(("scale_out", summary))
