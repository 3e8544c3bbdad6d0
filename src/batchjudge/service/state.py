"""What the running service holds, built by the app's lifespan and torn down with it."""

from dataclasses import dataclass, field
from pathlib import Path

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from batchjudge.crypto.pseudonyms import Pseudonyms
from batchjudge.execution.judge0 import CallbackHub
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.monitoring.error_log import ErrorLog
from batchjudge.monitoring.health import HealthChecker
from batchjudge.monitoring.metrics_service import MetricsService
from batchjudge.monitoring.prometheus import PrometheusMetrics
from batchjudge.monitoring.request_timings import RequestTimings
from batchjudge.service.alerts import ServiceAlerts
from batchjudge.service.grading_setup import GradingParts
from batchjudge.service.queue import GradingQueue
from batchjudge.service.recent_tokens import RecentTokens
from batchjudge.service.stream_slots import StreamSlots
from batchjudge.services.judge0_api.languages import Judge0Catalog
from batchjudge.services.passwords import Passwords
from batchjudge.services.rate_limits import RateLimits
from batchjudge.settings import Settings
from batchjudge.storage.blobs import BlobStore
from batchjudge.web.templating import build_templates


@dataclass
class ServiceState:
    """The service's explicit state (no module-level singletons)."""

    settings: Settings
    data_dir: Path
    engine: Engine
    sessions: sessionmaker[Session]
    registry: LanguageRegistry
    store: BlobStore
    queue: GradingQueue
    # None when this process only queues (`serve --no-workers`).
    grading: GradingParts | None
    judge0_languages: Judge0Catalog
    judge0_callbacks: CallbackHub
    metrics_service: MetricsService
    health: HealthChecker
    prometheus: PrometheusMetrics
    errors: ErrorLog
    request_timings: RequestTimings
    rate_limits: RateLimits
    pseudonyms: Pseudonyms
    stream_slots: StreamSlots
    alerts: ServiceAlerts | None = None
    recent_tokens: RecentTokens = field(default_factory=RecentTokens)
    passwords: Passwords = field(default_factory=Passwords)
    templates: Jinja2Templates = field(default_factory=build_templates)
