"""`batchjudge worker`: a grading process with no HTTP. It proves which languages its
sandbox runs (their self-tests), takes jobs from those languages' queues only, and on
SIGTERM stops taking jobs, lets the running ones finish within the grace period, hands
back the rest and exits."""

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType

from batchjudge.crypto.keyring import MasterKeyring
from batchjudge.db.engine import database_url, make_engine, make_session_factory
from batchjudge.db.migrate import is_current
from batchjudge.domain.errors import ConfigError
from batchjudge.execution.factory import local_backend, resolve_data_dir
from batchjudge.execution.judge0 import CallbackHub
from batchjudge.grading.selftest import SelfTestResult, run_selftest
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.monitoring.error_log import ErrorLog
from batchjudge.service.grading_setup import GradingNeeds, build_grading, remote_judge
from batchjudge.service.job_queues import JobQueues
from batchjudge.services.abuse import AbusePolicy
from batchjudge.services.judge0_api.config import MULTI_FILE_QUEUE
from batchjudge.services.rate_limits import RateLimits
from batchjudge.services.worker_registry import this_process
from batchjudge.settings import Settings
from batchjudge.storage.blobs import BlobStore


async def _self_tests(settings: Settings, registry: LanguageRegistry) -> list[SelfTestResult]:
    async with local_backend(settings) as backend:
        return [await run_selftest(bundle, backend, registry) for bundle in registry.bundles()]


def supported_languages(
    settings: Settings, registry: LanguageRegistry, say: Callable[[str], None]
) -> list[str]:
    """The queues this machine can serve: each language whose self-test passes, and
    multi-file programs when every language does."""
    results = asyncio.run(_self_tests(settings, registry))
    for result in results:
        verdict = "ok" if result.ok else f"unavailable ({result.detail})"
        say(f"language {result.language_id}: {verdict}")
    passed = [result.language_id for result in results if result.ok]
    if not passed:
        raise ConfigError(
            "no language passed its self-test here: run `batchjudge languages` to see why"
        )
    if len(passed) == len(results):
        passed.append(MULTI_FILE_QUEUE)
    return passed


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def run_worker(
    settings: Settings, slots: int, name: str | None, say: Callable[[str], None]
) -> bool:
    """Grade until SIGTERM or SIGINT; True when every job in flight finished in time."""
    data_dir = resolve_data_dir(settings)
    url = database_url(settings.database_url, data_dir)
    if not is_current(url):
        raise ConfigError("the database is not up to date: run `batchjudge db upgrade`")
    registry = LanguageRegistry.load(settings.extra_language_dirs)
    languages = supported_languages(settings, registry, say)
    # Judge0 calls back to an API replica, not to us: a worker polls Judge0 instead.
    settings = settings.model_copy(update={"public_base_url": ""})
    engine = make_engine(url)
    stop = threading.Event()
    _stop_on_signals(stop)
    queues = JobQueues(settings, data_dir)
    try:
        sessions = make_session_factory(engine, MasterKeyring(settings, data_dir))
        needs = GradingNeeds(
            settings,
            data_dir,
            sessions,
            registry,
            BlobStore(settings.blob_root(data_dir)),
            queues,
            remote_judge(settings, sessions, data_dir, CallbackHub()),
            ErrorLog(sessions).crash_hook("grading"),
            AbusePolicy.from_settings(settings, RateLimits.from_settings(settings)),
        )
        identity = this_process(name, "worker")
        _queue, parts = build_grading(needs, identity, languages, slots)
        parts.start()
        say(f"worker {identity.name} ready: {', '.join(languages)}; {slots} slots")
        stop.wait()
        grace = settings.worker_shutdown_grace_s
        say(f"worker {identity.name} stopping: jobs in flight get {grace:g} s")
        finished = parts.stop(grace)
        say(
            f"worker {identity.name} stopped"
            + ("" if finished else ", unfinished jobs handed back")
        )
        return finished
    finally:
        queues.close()
        engine.dispose()
