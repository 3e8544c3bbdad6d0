"""create_app: the FastAPI application with its lifespan-owned state."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from batchjudge.crypto.keyring import MasterKeyring
from batchjudge.crypto.pseudonyms import Pseudonyms
from batchjudge.db.engine import database_url, make_engine, make_session_factory
from batchjudge.db.migrate import is_current
from batchjudge.domain.errors import ConfigError
from batchjudge.execution.factory import resolve_data_dir
from batchjudge.execution.judge0 import CallbackHub
from batchjudge.judge0.master_key import load_master_keys
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.monitoring.database_collector import DatabaseCollector
from batchjudge.monitoring.error_log import ErrorLog
from batchjudge.monitoring.figure_process import FigureProcess
from batchjudge.monitoring.figure_source import DatabaseFigures, FigureSource
from batchjudge.monitoring.health import HealthChecker
from batchjudge.monitoring.health_collector import HealthCollector
from batchjudge.monitoring.logging_setup import configure_logging, unconfigure_logging
from batchjudge.monitoring.metrics_service import MetricsService
from batchjudge.monitoring.prometheus import PrometheusMetrics
from batchjudge.monitoring.request_timings import RequestTimings
from batchjudge.service.alerts import build_service_alerts
from batchjudge.service.body_limit import BodyLimits, RequestBodyLimit
from batchjudge.service.errors import ERROR_RESPONSES
from batchjudge.service.grading_setup import (
    GradingNeeds,
    all_queues,
    build_grading,
    remote_judge,
)
from batchjudge.service.health_probes import HealthProbes
from batchjudge.service.job_queues import JobQueues
from batchjudge.service.judge0_api import router as judge0_api_router
from batchjudge.service.oversize_watch import install_oversize_watch
from batchjudge.service.queue import GradingQueue
from batchjudge.service.request_tracking import RequestTracking
from batchjudge.service.routes import admin, events, meta, problems, submissions
from batchjudge.service.routes.abuse_flags import router as abuse_flags_router
from batchjudge.service.routes.audit import router as audit_router
from batchjudge.service.routes.feedback import router as feedback_router
from batchjudge.service.routes.institutions import router as institutions_router
from batchjudge.service.routes.judge0_callbacks import router as judge0_callbacks_router
from batchjudge.service.routes.judge0_keys import router as judge0_keys_router
from batchjudge.service.routes.monitoring_alerts import router as monitoring_alerts_router
from batchjudge.service.routes.monitoring_figures import router as monitoring_figures_router
from batchjudge.service.routes.monitoring_health import router as monitoring_health_router
from batchjudge.service.routes.monitoring_series import router as monitoring_series_router
from batchjudge.service.routes.privacy import router as privacy_router
from batchjudge.service.routes.problem_exports import router as problem_exports_router
from batchjudge.service.routes.prometheus import router as prometheus_router
from batchjudge.service.state import ServiceState
from batchjudge.service.stream_slots import StreamSlots
from batchjudge.services.abuse import AbusePolicy
from batchjudge.services.judge0_api.languages import Judge0Catalog
from batchjudge.services.rate_limits import RateLimits
from batchjudge.services.worker_registry import this_process
from batchjudge.settings import Settings, load_settings
from batchjudge.storage.blobs import BlobStore
from batchjudge.web.setup import install_web

_log = logging.getLogger(__name__)


def build_state(settings: Settings, grading: bool = True) -> ServiceState:
    """Everything the service needs, checked: a database that is behind is refused.
    With `grading`, this process also grades, on `sandbox_slots` threads serving every
    language; without, it only queues (workers run in `batchjudge worker` processes)."""
    data_dir = resolve_data_dir(settings)
    url = database_url(settings.database_url, data_dir)
    if not is_current(url):
        raise ConfigError("the database is not up to date: run `batchjudge db upgrade`")
    engine = make_engine(url)
    sessions = make_session_factory(engine, MasterKeyring(settings, data_dir))
    registry = LanguageRegistry.load(settings.extra_language_dirs)
    store = BlobStore(settings.blob_root(data_dir))
    callbacks = CallbackHub()
    prometheus = PrometheusMetrics()
    errors = ErrorLog(sessions, prometheus.count_unexpected_error)
    rate_limits = RateLimits.from_settings(settings)
    queues = JobQueues(settings, data_dir)
    grading_parts = None
    if grading:
        needs = GradingNeeds(
            settings,
            data_dir,
            sessions,
            registry,
            store,
            queues,
            remote_judge(settings, sessions, data_dir, callbacks),
            errors.crash_hook("grading"),
            AbusePolicy.from_settings(settings, rate_limits),
        )
        identity = this_process(None, "serve")
        queue, grading_parts = build_grading(
            needs, identity, all_queues(registry), settings.sandbox_slots
        )
    else:
        queue = GradingQueue(queues, languages=all_queues(registry))
    health = HealthChecker.from_settings(
        settings,
        data_dir,
        engine,
        queue,
        [bundle.spec.id for bundle in registry.bundles()],
        grading=grading,
    )
    prometheus.register(DatabaseCollector(engine, queue), HealthCollector(health))
    judge0_languages = Judge0Catalog.probe(registry)  # toolchain versions, asked once
    request_timings = RequestTimings()
    in_thread = DatabaseFigures(sessions, settings.price_per_remote_call)
    figures: FigureSource = in_thread
    if settings.figure_process:
        figures = FigureProcess(url, settings.price_per_remote_call, fallback=in_thread)
    metrics_service = MetricsService(
        sessions,
        source=figures,
        latencies=request_timings.snapshot,
        health=lambda: health.latest().status.value,
    )
    alerts = build_service_alerts(
        settings, sessions, data_dir, health=health, figures=metrics_service
    )
    return ServiceState(
        settings,
        data_dir,
        engine,
        sessions,
        registry,
        store,
        queue,
        grading_parts,
        judge0_languages,
        callbacks,
        metrics_service=metrics_service,
        health=health,
        prometheus=prometheus,
        errors=errors,
        request_timings=request_timings,
        rate_limits=rate_limits,
        # From the key in force at start-up: a rotation changes pseudonyms at the restart.
        pseudonyms=Pseudonyms.from_master_key(load_master_keys(settings, data_dir).current),
        stream_slots=StreamSlots(settings.max_sse_per_user),
        alerts=alerts,
    )


def create_app(settings: Settings | None = None, grading: bool = True) -> FastAPI:
    """The batchjudge HTTP service. State is built at start-up, never at import. With
    `grading` it grades too; without, `batchjudge worker` processes do."""
    chosen = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Each part is stopped (last started, first stopped) even when a later part fails
        # to start or an earlier one fails to stop: no thread outlives the app.
        async with AsyncExitStack() as stack:
            stack.callback(unconfigure_logging, configure_logging(chosen.log_format))
            state = build_state(chosen, grading)
            app.state.service = state
            stack.callback(state.engine.dispose)
            # Blocking stops (joining threads, running other threads' event loops) run
            # off the server's own loop.
            stack.push_async_callback(asyncio.to_thread, state.metrics_service.close)
            stack.callback(state.health.close)
            stack.callback(state.queue.close)
            if state.grading is not None:
                state.grading.start()
                grace = chosen.worker_shutdown_grace_s
                stack.push_async_callback(asyncio.to_thread, state.grading.stop, grace)
            if state.alerts is not None:
                state.alerts.start()
                stack.push_async_callback(asyncio.to_thread, state.alerts.stop)
            # What start-up built lives as long as the server: kept out of the collector's
            # full passes, which otherwise stall the event loop for 100 ms and more under
            # load.
            gc.freeze()
            yield

    app = FastAPI(
        title="batchjudge",
        summary="Self-hosted code grading, many tests per sandbox execution.",
        version="1",
        lifespan=lifespan,
        # /docs is served by the web UI from local files (FastAPI's own page loads a CDN).
        docs_url=None,
        redoc_url=None,
        responses=ERROR_RESPONSES,
    )
    install_web(app)  # with the error handlers: JSON for the API, pages for browsers
    install_oversize_watch(app)  # after them: it hands on to their answer
    app.add_middleware(HealthProbes)
    app.add_middleware(RequestBodyLimit, limits=BodyLimits.from_settings(chosen))
    app.add_middleware(RequestTracking)  # added last, so it wraps the probes too
    app.include_router(meta.router)
    app.include_router(problems.router)
    app.include_router(submissions.router)
    app.include_router(events.router)
    app.include_router(admin.router)
    app.include_router(audit_router)
    app.include_router(privacy_router)
    app.include_router(problem_exports_router)
    app.include_router(judge0_api_router)
    app.include_router(judge0_keys_router)
    app.include_router(judge0_callbacks_router)
    app.include_router(feedback_router)
    app.include_router(monitoring_figures_router)
    app.include_router(monitoring_health_router)
    app.include_router(monitoring_series_router)
    app.include_router(prometheus_router)
    app.include_router(monitoring_alerts_router)
    app.include_router(institutions_router)
    app.include_router(abuse_flags_router)
    return app
