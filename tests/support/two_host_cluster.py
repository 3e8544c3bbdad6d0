"""A scaled-out batchjudge on two stand-in hosts (support.netns_hosts): on each, one API
replica (`serve --no-workers`) and one single-slot `batchjudge worker`, with a data dir of
the host's own; a shared blob folder, one master key, and PostgreSQL and Redis of the
root namespace's 127.0.0.1, reached from the namespaces through relays on their veths.

Everything it makes is its own: a fresh database, a queue name and rate-limit prefix
unique to the run (their Redis keys are deleted at the end), and new folders.
"""

import contextlib
import json
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import psycopg
import redis
from cryptography.fernet import Fernet

from support.netns_hosts import Hosts, two_hosts
from support.node_process import NodeProcess
from support.scratch_postgres import scratch_database
from support.service_process import free_port, new_data_dir, token_of
from support.tcp_relay import TcpRelay

POSTGRES_PORT, REDIS_PORT = 5432, 6379
#: Host k's sandbox uids start here: the stand-in hosts share one kernel, real hosts do
#: not, so two workers here must not run programs as the same uid.
_UID_BASES = (61000, 61100)


@dataclass
class Cluster:
    """The running cluster, as the test (in the root namespace) reaches it."""

    hosts: Hosts
    database_url: str
    token: str  # a teacher's API token
    urls: dict[str, str]  # host name -> its replica's base URL
    workers: dict[str, NodeProcess]  # host name -> its worker
    replicas: dict[str, NodeProcess]

    def client(self, host: str) -> httpx.Client:
        """A client of host `host`'s replica, signed in as the teacher (also on /judge0)."""
        headers = {"Authorization": f"Bearer {self.token}", "X-Auth-Token": self.token}
        return httpx.Client(base_url=self.urls[host], headers=headers, timeout=60)

    def sql(self, query: str, *params: object) -> list[tuple]:
        """Rows of a query on the cluster's database."""
        url = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as connection:
            return connection.execute(query, params).fetchall()


@dataclass
class LiveStream:
    """What one live stream (`/events`) delivered, and when it was opened."""

    submission_id: int
    via: str  # the host whose replica served it
    opened_at: datetime
    events: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.events]


def follow(cluster: Cluster, submission_id: int, via: str) -> LiveStream:
    """Read a submission's live stream from host `via`'s replica to its end."""
    stream = LiveStream(submission_id, via, datetime.now(UTC))
    path = f"/api/v1/submissions/{submission_id}/events"
    with (
        cluster.client(via) as client,
        client.stream("GET", path, timeout=httpx.Timeout(60, read=180)) as answer,
    ):
        assert answer.status_code == 200, answer.read()
        name, data = "message", ""
        for line in answer.iter_lines():
            if line.startswith("event:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data += line.partition(":")[2].strip()
            elif not line and data:
                stream.events.append((name, json.loads(data)))
                name, data = "message", ""
    return stream


def _run_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "batchjudge", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _forget_redis_keys(unique: str) -> None:
    client = redis.Redis(host="127.0.0.1", port=REDIS_PORT)
    try:
        keys = list(client.scan_iter(match=f"*{unique}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextlib.contextmanager
def running_cluster(**settings: str) -> Iterator[Cluster]:
    """Start the cluster, with `settings` (BATCHJUDGE_* variables) on every process, once
    both workers have printed `ready` and both replicas answer; stop and remove it all on
    exit."""
    unique = f"bj-test-{uuid.uuid4().hex[:12]}"
    with contextlib.ExitStack() as stack:
        hosts = stack.enter_context(two_hosts())
        database = stack.enter_context(scratch_database())
        stack.callback(_forget_redis_keys, unique)
        blobs = new_data_dir("bj-blobs-")
        data = {host.name: new_data_dir(f"bj-host-{host.name}-") for host in hosts.hosts}
        for folder in (blobs, *data.values()):
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
        if hosts.isolated:
            relay = TcpRelay(
                ((host.gateway, port), ("127.0.0.1", port))
                for host in hosts.hosts
                for port in (POSTGRES_PORT, REDIS_PORT)
            )
            stack.callback(relay.close)
        common = {
            "PATH": "/usr/bin:/bin",
            "BATCHJUDGE_BLOB_DIR": str(blobs),
            "BATCHJUDGE_MASTER_KEY": Fernet.generate_key().decode(),
            "BATCHJUDGE_QUEUE_NAME": unique,
            "BATCHJUDGE_RATE_LIMIT_PREFIX": unique,
            **settings,
        }

        def env_on(host: str, gateway: str, uid_base: int) -> dict[str, str]:
            return {
                **common,
                "BATCHJUDGE_DATA_DIR": str(data[host]),
                "BATCHJUDGE_DATABASE_URL": (
                    f"postgresql+psycopg://postgres@{gateway}:{POSTGRES_PORT}/{database}"
                ),
                "BATCHJUDGE_QUEUE_URL": f"redis://{gateway}:{REDIS_PORT}/0",
                "BATCHJUDGE_REDIS_URL": f"redis://{gateway}:{REDIS_PORT}/0",
                "BATCHJUDGE_SANDBOX_UID_BASE": str(uid_base),
            }

        local = env_on("a", "127.0.0.1", _UID_BASES[0])
        _run_cli(local, "db", "upgrade")
        token = token_of(_run_cli(local, "users", "create", "teacher", "--role", "teacher"))
        workers, replicas, urls = {}, {}, {}
        for host, uid_base in zip(hosts.hosts, _UID_BASES, strict=True):
            env = env_on(host.name, host.gateway, uid_base)
            argv = ["worker", "--slots", "1", "--name", f"host-{host.name}"]
            workers[host.name] = NodeProcess(host, argv, env, data[host.name] / "worker.log")
            stack.callback(workers[host.name].stop)
            port = free_port()
            argv = ["serve", "--no-workers", "--host", host.address, "--port", str(port)]
            replicas[host.name] = NodeProcess(host, argv, env, data[host.name] / "api.log")
            stack.callback(replicas[host.name].stop)
            urls[host.name] = f"http://{host.address}:{port}"
        for name, worker in workers.items():
            worker.wait_for_line(f"worker host-{name} ready", timeout_s=180)
        for name, replica in replicas.items():
            replica.wait_for_http(urls[name] + "/api/v1/me", token, timeout_s=90)
        yield Cluster(hosts, local["BATCHJUDGE_DATABASE_URL"], token, urls, workers, replicas)
