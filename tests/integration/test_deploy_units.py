"""The deployment files of deploy/: the systemd units, their environment file, the compose
file.

systemd checks the units (`systemd-analyze verify`). Then the processes the units'
`ExecStart=` lines describe run as systemd would start them: the environment file
example's settings (with this test's PostgreSQL database, Redis queue, data dirs and keys
in place of the example values), the checkout's `.venv/bin/batchjudge` in place of
`/opt/batchjudge/.venv/bin/batchjudge`, the checkout as the working directory. The
migration, an API replica and a worker make a site that grades a submission, and the
worker leaves on the unit's `KillSignal=` with status 0 within its `TimeoutStopSec=`.
Docker does not run here: the compose file is only read.
"""

import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import yaml
from cryptography.fernet import Fernet

from batchjudge.problems.archive import zip_folder
from support.scratch_postgres import scratch_database
from support.service_process import free_port, new_data_dir, token_of

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
UNITS = DEPLOY / "systemd"
ENV_EXAMPLE = UNITS / "batchjudge.env.example"
#: Where the units say batchjudge is installed, and where this checkout's is.
INSTALLED = "/opt/batchjudge/.venv/bin/batchjudge"
CHECKOUT_BIN = Path(sys.executable).parent / "batchjudge"
#: systemd's PATH for system services; a unit's process gets nothing else but its files'.
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
REDIS_URL = "redis://127.0.0.1:6379/0"
GOLDEN_SUM = REPO / "tests" / "golden" / "sum"
WORKER_INSTANCE = "1"
_READY = re.compile(r"^worker (\S+) ready: (.*); (\d+) slots?$", re.MULTILINE)

Unit = dict[str, list[tuple[str, str]]]


def read_unit(path: Path) -> Unit:
    """Section -> its (key, value) pairs in order; repeated keys are kept, as systemd
    keeps them (After=, EnvironmentFile=)."""
    unit: Unit = {}
    section = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("["):
            section = line.strip("[]")
            unit.setdefault(section, [])
            continue
        assert section is not None, f"{path.name}: {line!r} before any section"
        key, separator, value = line.partition("=")
        assert separator, f"{path.name}: {line!r} is not KEY=VALUE"
        unit[section].append((key.strip(), value.strip()))
    return unit


def values(unit: Unit, section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def value(unit: Unit, section: str, key: str) -> str:
    """The value in force: the last assignment."""
    found = values(unit, section, key)
    assert found, f"no {key}= in [{section}]"
    return found[-1]


def expand(text: str, instance: str) -> str:
    """The unit specifiers our units use, as systemd expands them."""
    host = socket.gethostname()
    known = {"i": instance, "l": host.split(".")[0], "H": host, "%": "%"}

    def one(match: re.Match[str]) -> str:
        assert match.group(1) in known, f"specifier %{match.group(1)} is not handled here"
        return known[match.group(1)]

    return re.sub(r"%(.)", one, text)


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines, as systemd's EnvironmentFile= reads them (no quotes used)."""
    settings = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, setting = line.partition("=")
            settings[name.strip()] = setting.strip()
    return settings


def seconds(timespan: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|sec|min|m)?", timespan)
    assert match is not None, f"timespan {timespan!r} is not handled here"
    return float(match.group(1)) * (60 if match.group(2) in ("min", "m") else 1)


MIGRATE = read_unit(UNITS / "batchjudge-migrate.service")
API = read_unit(UNITS / "batchjudge-api.service")
WORKER = read_unit(UNITS / "batchjudge-worker@.service")
ALL_UNITS = {"migrate": MIGRATE, "api": API, "worker": WORKER}


def exec_argv(unit: Unit, instance: str = "") -> list[str]:
    """The unit's ExecStart= as argv, run from this checkout's venv."""
    argv = shlex.split(expand(value(unit, "Service", "ExecStart"), instance))
    assert argv[0] == INSTALLED
    return [str(CHECKOUT_BIN), *argv[1:]]


# ---------------------------------------------------------------- systemd's own checks


def _verify(folder: Path, *names: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(folder / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_systemd_verify_accepts_the_units(tmp_path: Path):
    # verify checks that ExecStart's program exists: point it at this checkout's.
    for unit in UNITS.glob("*.service"):
        text = unit.read_text().replace(INSTALLED, str(CHECKOUT_BIN))
        (tmp_path / unit.name).write_text(text)
    names = ("batchjudge-migrate.service", "batchjudge-api.service")
    done = _verify(tmp_path, *names, f"batchjudge-worker@{WORKER_INSTANCE}.service")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    # verify really reads them here: a misspelt key in a copy is reported.
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (tmp_path / "batchjudge-api.service").read_text()
    (broken / "batchjudge-api.service").write_text(text.replace("KillMode=", "KilMode="))
    complaint = _verify(broken, "batchjudge-api.service").stderr
    assert "Unknown key 'KilMode'" in complaint, complaint


def test_the_units_stop_gracefully_and_read_the_environment_file():
    grace = float(read_env_file(ENV_EXAMPLE)["BATCHJUDGE_WORKER_SHUTDOWN_GRACE_S"])
    for name, unit in ALL_UNITS.items():
        assert values(unit, "Service", "EnvironmentFile")[0] == "/etc/batchjudge/batchjudge.env"
        assert shlex.split(value(unit, "Service", "ExecStart"))[0] == INSTALLED, name
    for unit in (API, WORKER):
        assert value(unit, "Service", "Restart") == "on-failure"
        assert value(unit, "Service", "KillSignal") == "SIGTERM"
        # Only the main process gets SIGTERM: graded programs must not die first.
        assert value(unit, "Service", "KillMode") == "mixed"
        assert "batchjudge-migrate.service" in " ".join(values(unit, "Unit", "After"))
    assert seconds(value(WORKER, "Service", "TimeoutStopSec")) > grace
    assert value(WORKER, "Service", "Delegate") == "yes"  # the sandbox's cgroups
    assert "batchjudge-api.service" in value(MIGRATE, "Unit", "Before")
    assert "--no-workers" in shlex.split(value(API, "Service", "ExecStart"))


# ------------------------------------------------------------ the processes they start


@dataclass
class Site:
    """Two nodes' settings: the environment file with this test's values."""

    settings: dict[str, str]
    api_data: Path
    worker_data: Path
    blobs: Path
    api_port: int

    def env(self, data_dir: Path) -> dict[str, str]:
        return {"PATH": SYSTEMD_PATH, **self.settings, "BATCHJUDGE_DATA_DIR": str(data_dir)}

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(CHECKOUT_BIN), *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=self.env(self.api_data),
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture
def site() -> Iterator[Site]:
    unique = uuid.uuid4().hex[:12]
    with scratch_database("bj_units_") as database:
        folders = [new_data_dir(f"bj-units-{role}-") for role in ("api", "worker", "blobs")]
        ours = {
            "BATCHJUDGE_SECRET_KEY": "units-" + uuid.uuid4().hex * 2,
            "BATCHJUDGE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
            "BATCHJUDGE_QUEUE_URL": REDIS_URL,
            "BATCHJUDGE_QUEUE_NAME": f"bj-test-{unique}",
            "BATCHJUDGE_REDIS_URL": REDIS_URL,
            "BATCHJUDGE_BLOB_DIR": str(folders[2]),
            "BATCHJUDGE_MASTER_KEY": Fernet.generate_key().decode(),
        }
        example = read_env_file(ENV_EXAMPLE)
        assert set(ours) <= set(example), "the example must name every setting a site sets"
        settings = {**example, **ours, "BATCHJUDGE_RATE_LIMIT_PREFIX": f"bj-test-{unique}"}
        try:
            yield Site(settings, folders[0], folders[1], folders[2], free_port())
        finally:
            store = redis.Redis.from_url(REDIS_URL)
            for key in store.scan_iter(match=f"*{unique}*"):
                store.delete(key)
            store.close()
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)


def _wait_until(what: str, check, log: Path, process: subprocess.Popen[bytes], limit: float):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} (exit status {process.poll()}):\n{log.read_text()}")


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/api/v1/me").status_code == 200
    except httpx.TransportError:
        return False


def _listed_workers(client: httpx.Client) -> tuple[list[str], str]:
    """The names /judge0/workers lists, and the health check `workers`'s detail."""
    judge0 = client.get("/judge0/workers")
    assert judge0.status_code == 200, judge0.text
    health = client.get("/api/v1/monitoring/health").json()
    return [entry["queue"] for entry in judge0.json()], health["checks"]["workers"]["detail"]


def _still_listed(client: httpx.Client, name: str) -> bool:
    names, detail = _listed_workers(client)
    return name in names or name in detail


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.sandbox
@pytest.mark.timeout(180)
def test_the_units_processes_grade_and_the_worker_leaves_on_its_kill_signal(site: Site):
    migrated = subprocess.run(
        exec_argv(MIGRATE),
        cwd=REPO,
        env=site.env(site.api_data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    token = token_of(
        site.cli("users", "create", "tess", "--role", "teacher", "--institution", "Units school")
    )
    api_argv = exec_argv(API)
    # The unit's port may be taken on a shared test machine.
    api_argv[api_argv.index("--port") + 1] = str(site.api_port)
    api_log, worker_log = site.api_data / "api.log", site.worker_data / "worker.log"
    api = _start(api_argv, site.env(site.api_data), api_log)
    worker = None
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{site.api_port}",
        headers={"Authorization": f"Bearer {token}", "X-Auth-Token": token},
        timeout=30,
    )
    try:
        _wait_until("the API replica did not answer", lambda: _answers(client), api_log, api, 60)
        worker = _start(exec_argv(WORKER, WORKER_INSTANCE), site.env(site.worker_data), worker_log)
        ready = _wait_until(
            "the worker never said it was ready",
            lambda: _READY.search(worker_log.read_text()),
            worker_log,
            worker,
            90,
        )
        name = expand("%l-%i", WORKER_INSTANCE)
        assert ready.group(1) == name
        assert "python3" in ready.group(2)

        package = {"package": ("sum.zip", zip_folder(GOLDEN_SUM), "application/zip")}
        uploaded = client.post("/api/v1/problems", files=package)
        assert uploaded.status_code == 201, uploaded.text
        # The package went to the shared folder, not to the replica's own data dir.
        assert any(path.is_file() for path in site.blobs.rglob("*"))
        assert not (site.api_data / "blobs").exists()
        source = (GOLDEN_SUM / "submissions" / "ac_solve.py").read_text()
        submitted = client.post(
            "/api/v1/submissions",
            json={"problem_id": uploaded.json()["id"], "language": "python3", "source": source},
        )
        assert submitted.status_code == 202, submitted.text
        path = f"/api/v1/submissions/{submitted.json()['id']}"
        done = _wait_until(
            "the submission was not graded",
            lambda: (body := client.get(path).json())["status"] in ("done", "failed") and body,
            worker_log,
            worker,
            60,
        )
        assert (done["status"], done["verdict"]) == ("done", "AC"), done
        names, detail = _listed_workers(client)
        assert name in names, names
        assert name in detail, detail

        kill_signal = signal.Signals[value(WORKER, "Service", "KillSignal")]
        worker.send_signal(kill_signal)
        timeout = seconds(value(WORKER, "Service", "TimeoutStopSec"))
        assert worker.wait(timeout=timeout) == 0, worker_log.read_text()
        _wait_until(
            "the stopped worker is still listed",
            lambda: not _still_listed(client, name),
            api_log,
            api,
            15,
        )
    finally:
        client.close()
        _stop(worker)
        _stop(api)


# --------------------------------------------------------------------- docker compose


def test_the_compose_file_has_replicas_privileged_workers_and_shared_test_data():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    apis = [s for s in services.values() if s.get("command", [None])[0] == "serve"]
    workers = [s for s in services.values() if s.get("command", [None])[0] == "worker"]
    assert len(apis) == 2
    for api in apis:  # no sandbox: they run no program, and production does not ask one
        assert "--no-workers" in api["command"]
        assert not api.get("privileged")
        assert "BATCHJUDGE_ALLOW_REDUCED_SANDBOX" not in api["environment"]
    assert len(workers) == 2
    assert all(s["privileged"] is True for s in workers)
    uid_bases = {s["environment"].get("BATCHJUDGE_SANDBOX_UID_BASE", "61000") for s in workers}
    assert len(uid_bases) == 2, "workers on one host must not share sandbox uids"
    for service in [*apis, *workers]:
        blob_dir = service["environment"]["BATCHJUDGE_BLOB_DIR"]
        assert f"blobs:{blob_dir}" in service["volumes"]
        assert service["environment"]["BATCHJUDGE_QUEUE_URL"].startswith("redis://")
    assert services["migrate"]["command"] == ["db", "upgrade"]
    proxy = services["proxy"]
    config = proxy["volumes"][0].split(":")[0]
    assert (DEPLOY / config).is_file()
    assert {"postgres", "redis"} <= set(services)
    assert "blobs" in compose["volumes"]
