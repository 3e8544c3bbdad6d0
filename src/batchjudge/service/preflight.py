"""What must hold before the service starts; each failure is one line saying what to fix."""

from pathlib import Path

from redis import Redis, RedisError
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from batchjudge.db.engine import database_url, make_engine
from batchjudge.db.migrate import is_current
from batchjudge.domain.errors import ConfigError
from batchjudge.execution.factory import build_sandbox, resolve_data_dir
from batchjudge.execution.judge0 import judge0_endpoint
from batchjudge.judge0.master_key import load_key_cipher, load_master_keys
from batchjudge.monitoring.alerting import check_alert_settings
from batchjudge.services.rate_limits import RateLimits
from batchjudge.services.worker_registry import this_process, uid_clash
from batchjudge.settings import (
    DEFAULT_SECRET_KEY,
    BackendKind,
    Environment,
    Judge0Auth,
    Settings,
)


def startup_problems(
    settings: Settings, grading: bool = True, slots: int | None = None
) -> list[str]:
    """Every reason the service must not start, empty when it may. A process that does
    not grade (`serve --no-workers`) runs no untrusted code, so its sandbox is not
    checked; `slots` is how many it runs (default `sandbox_slots`)."""
    problems = []
    production = settings.environment is Environment.PRODUCTION
    if production and settings.secret_key.get_secret_value() == DEFAULT_SECRET_KEY:
        problems.append("BATCHJUDGE_SECRET_KEY is the default placeholder: set a long random value")
    try:
        data_dir = resolve_data_dir(settings)
    except ConfigError as exc:
        return [*problems, str(exc)]
    strength = build_sandbox(settings, data_dir).strength() if grading else None
    if strength is not None and not strength.full and not settings.reduced_sandbox_allowed:
        problems.append(
            "the sandbox would run with reduced isolation ("
            + "; ".join(strength.gaps)
            + "): fix that, or set BATCHJUDGE_ALLOW_REDUCED_SANDBOX=true"
        )
    try:
        load_master_keys(settings, data_dir)
    except ConfigError as exc:
        problems.append(str(exc))
    problems.extend(_judge0_problems(settings, data_dir))
    try:
        check_alert_settings(settings)
    except ConfigError as exc:
        problems.append(str(exc))
    problems.extend(_rate_limit_problems(settings))
    url = database_url(settings.database_url, data_dir)
    shown = make_url(url).render_as_string(hide_password=True)
    problems.extend(_queue_problems(settings))
    try:
        if not is_current(url):
            problems.append(f"the database {shown} is not up to date: run `batchjudge db upgrade`")
        elif grading:
            problems.extend(_uid_problems(settings, url, slots or settings.sandbox_slots))
    except SQLAlchemyError as exc:
        problems.append(f"cannot reach the database {shown}: {str(exc).splitlines()[0]}")
    return problems


def _uid_problems(settings: Settings, url: str, slots: int) -> list[str]:
    """Another grading process of this machine already runs our sandbox uids."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            clash = uid_clash(
                session,
                this_process(None, "preflight"),
                settings.sandbox_uid_base,
                slots,
                settings.worker_timeout_s,
            )
    finally:
        engine.dispose()
    return [] if clash is None else [clash]


def _queue_problems(settings: Settings) -> list[str]:
    """The Redis of the job queues answers, when one is set."""
    if settings.queue_url is None:
        return []
    client = Redis.from_url(settings.queue_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except RedisError as exc:
        return [f"cannot reach the Redis that BATCHJUDGE_QUEUE_URL names (job queues): {exc}"]
    finally:
        client.close()
    return []


def _judge0_problems(settings: Settings, data_dir: Path) -> list[str]:
    """A Judge0 backend needs a server address, and its keys need the master key."""
    if settings.backend is not BackendKind.JUDGE0:
        return []
    problems = []
    try:
        judge0_endpoint(settings)
    except ConfigError as exc:
        problems.append(str(exc))
    if settings.judge0_auth is not Judge0Auth.NONE:
        try:
            load_key_cipher(settings, data_dir)
        except ConfigError as exc:
            problems.append(str(exc))
    return problems


def _rate_limit_problems(settings: Settings) -> list[str]:
    """Limit strings in the `limits` notation, and a Redis that answers when one is set."""
    try:
        limits = RateLimits.from_settings(settings)
    except ConfigError as exc:
        return [str(exc)]
    if settings.redis_url is not None and not limits.is_reachable():
        return ["cannot reach the Redis that BATCHJUDGE_REDIS_URL names (rate-limit counters)"]
    return []
