"""`/metrics`: the exposition parses, routes get latency histograms, the pull collector
reads the seeded rows, and two apps in one process keep separate registries."""

import re
from datetime import timedelta
from pathlib import Path

import prometheus_client
import yaml
from prometheus_client.parser import text_string_to_metric_families

from batchjudge.db.submissions import SubmissionStatus
from batchjudge.monitoring.prometheus import PrometheusMetrics
from support.monitoring_service import (
    Service,
    running_service,
    seed_submission,
    seed_version,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(service: Service) -> Samples:
    answer = service.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_route_histograms_follow_the_requests(database_url: str, reachable_dir: Path):
    with running_service(database_url, reachable_dir) as service:
        for _ in range(3):
            assert service.get("/api/v1/me", "student").status_code == 200
        assert service.get("/api/v1/submissions/999999", "student").status_code == 404
        assert service.get("/no/such/route/42").status_code == 404
        samples = _scrape(service)
        timings = service.state.request_timings.snapshot()
    count = "batchjudge_http_request_duration_seconds_count"
    assert _value(samples, count, route="/api/v1/me", method="GET", status="2xx") == 3
    template = "/api/v1/submissions/{submission_id}"
    assert _value(samples, count, route=template, method="GET", status="4xx") == 1
    assert _value(samples, count, route="unmatched", method="GET", status="4xx") == 1
    bucket = "batchjudge_http_request_duration_seconds_bucket"
    assert _value(samples, bucket, route="/api/v1/me", method="GET", status="2xx", le="+Inf") == 3
    # The raw path never becomes a label; the JSON figures get the same templates.
    assert not any("999999" in str(labels) for _, labels in samples)
    assert timings["/api/v1/me"]["count"] == 3
    assert timings[template]["count"] == 1
    assert "/no/such/route/42" not in timings


def test_the_pull_collector_reads_the_seeded_rows(database_url: str, reachable_dir: Path):
    with running_service(database_url, reachable_dir) as service:
        # Seeded after start-up, so the start-up sweep does not queue them for grading.
        version = seed_version(service.engine, service.admin_id)

        def seed(status: SubmissionStatus, **kwargs: object) -> None:
            seed_submission(service.engine, service.admin_id, version, status, **kwargs)  # type: ignore[arg-type]

        # A multi-test batch: 40 tests in one run execution, after one compile.
        seed(
            SubmissionStatus.DONE,
            tests=40,
            executions=(("compile", "local", 0), ("run", "local", 40)),
        )
        # A crash: the batch died, then each of its 3 tests ran alone (k + 1 executions).
        seed(
            SubmissionStatus.DONE,
            tests=3,
            executions=(
                ("run", "local", 3),
                ("run", "local", 1),
                ("run", "local", 1),
                ("run", "local", 1),
            ),
        )
        # Judge0: one run call and two polls.
        seed(
            SubmissionStatus.DONE,
            tests=5,
            executions=(("run", "judge0", 5), ("poll", "judge0", 0), ("poll", "judge0", 0)),
        )
        seed(SubmissionStatus.FAILED)
        seed(SubmissionStatus.QUEUED, age=timedelta(minutes=5))
        seed(SubmissionStatus.QUEUED)
        seed(SubmissionStatus.RUNNING)
        samples = _scrape(service)
    assert _value(samples, "batchjudge_database_up") == 1
    assert {
        status: _value(samples, "batchjudge_submissions", status=status)
        for status in ("queued", "running", "done", "failed")
    } == {"queued": 2, "running": 1, "done": 3, "failed": 1}
    executions = {
        (dict(labels)["kind"], dict(labels)["backend"]): value
        for (name, labels), value in samples.items()
        if name == "batchjudge_executions"
    }
    assert executions == {
        ("compile", "local"): 1,
        ("run", "local"): 5,
        ("run", "judge0"): 1,
        ("poll", "judge0"): 2,
    }
    assert _value(samples, "batchjudge_tests_graded") == 48
    assert _value(samples, "batchjudge_calls_saved") == 48 - 6
    assert _value(samples, "batchjudge_queue_depth", queue="submissions") == 2
    assert _value(samples, "batchjudge_queue_depth", queue="judge0") == 0
    age = _value(samples, "batchjudge_queue_oldest_age_seconds", queue="submissions")
    assert 290 < age < 600
    assert _value(samples, "batchjudge_queue_jobs_pending") == 0
    assert _value(samples, "batchjudge_health_check_status", check="queue") == 0
    assert _value(samples, "batchjudge_health_check_value", check="queue") == 2
    assert _value(samples, "batchjudge_health_status") == 0
    assert _value(samples, "batchjudge_unexpected_errors_total", where="api") == 0


def test_two_apps_in_one_process_keep_their_own_registries(database_url: str, reachable_dir: Path):
    other_dir = reachable_dir / "second"
    other_dir.mkdir()
    other_dir.chmod(0o755)
    with (
        running_service(database_url, reachable_dir) as first,
        # Both grade: on one machine their sandbox slots must run as uids of their own.
        running_service(database_url, other_dir, users=first, sandbox_uid_base=61100) as second,
    ):
        for _ in range(2):
            first.get("/api/v1/me", "admin")
        second.get("/api/v1/me", "admin")
        first_samples, second_samples = _scrape(first), _scrape(second)
        assert first.state.prometheus.registry is not second.state.prometheus.registry
    count = "batchjudge_http_request_duration_seconds_count"
    me = {"route": "/api/v1/me", "method": "GET", "status": "2xx"}
    assert (_value(first_samples, count, **me), _value(second_samples, count, **me)) == (2, 1)
    # Nothing of ours in the process-wide registry.
    global_names = {family.name for family in prometheus_client.REGISTRY.collect()}
    assert not any(name.startswith("batchjudge") for name in global_names)


def test_metrics_objects_can_be_built_again_and_again():
    first, second = PrometheusMetrics(), PrometheusMetrics()
    first.observe_request("/x", "GET", 200, 0.01)
    first.count_unexpected_error("api")
    text = second.render().decode()
    assert 'batchjudge_unexpected_errors_total{where="api"} 0.0' in text
    assert "/x" not in text
    strange = PrometheusMetrics()
    strange.observe_request("/x", "BREW", 418, 0.01)
    assert 'method="other",route="/x",status="4xx"' in strange.render().decode()


def test_the_deploy_rules_name_only_metrics_we_serve(database_url: str, reachable_dir: Path):
    repo = Path(__file__).resolve().parents[2]
    rules = yaml.safe_load((repo / "deploy" / "alert-rules.yml").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    named = {name for expr in expressions for name in re.findall(r"batchjudge_\w+", expr)}
    with running_service(database_url, reachable_dir) as service:
        service.get("/api/v1/me", "admin")
        served = {name for name, _ in _scrape(service)}
    assert named, "the rules name no metric"
    assert named <= served
    config = yaml.safe_load((repo / "deploy" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alert-rules.yml"]
    assert config["scrape_configs"][0]["metrics_path"] == "/metrics"


def test_health_probes_answered_before_routing_keep_ids_and_latency_labels(
    database_url: str, reachable_dir: Path
):
    with running_service(database_url, reachable_dir) as service:
        answers = [service.get("/api/v1/monitoring/health") for _ in range(2)]
        answers += [service.get("/api/v1/monitoring/health/live")]
        posted = service.client.post("/api/v1/monitoring/health")
        samples = _scrape(service)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json()["checks"]["database"]["status"] == "ok"
    assert answers[2].json() == {"status": "ok"}
    ids = [a.headers["x-request-id"] for a in answers]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert posted.status_code == 405  # not a probe: FastAPI's routing answers it
    count = "batchjudge_http_request_duration_seconds_count"
    route = "/api/v1/monitoring/health"
    assert _value(samples, count, route=route, method="GET", status="2xx") == 2
    assert _value(samples, count, route=route + "/live", method="GET", status="2xx") == 1
