"""HealthProbes: the health endpoints answered before FastAPI's routing.

Load balancers and monitors poll health often, and at 50 concurrent probes the routing
and the middleware a FastAPI route goes through cost more than the answer itself, which
is cached. This middleware answers `GET` of the two health paths directly; request
tracking still wraps it, so the probes keep their request ids and latency figures.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from batchjudge.service.routes.monitoring_health import health_answer, live_answer
from batchjudge.service.state import ServiceState

Answer = Callable[[ServiceState], Awaitable[Response]]

PROBES: dict[str, Answer] = {
    "/api/v1/monitoring/health": health_answer,
    "/api/v1/monitoring/health/live": live_answer,
}


@dataclass(frozen=True)
class ProbeRoute:
    """What request tracking reads of a route: its path template."""

    path: str


class HealthProbes:
    """ASGI middleware; anything but a `GET` of a probe path passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = PROBES.get(scope.get("path", "")) if scope["type"] == "http" else None
        service: Any = getattr(getattr(scope.get("app"), "state", None), "service", None)
        if answer is None or scope.get("method") != "GET" or not isinstance(service, ServiceState):
            await self.app(scope, receive, send)
            return
        scope["route"] = ProbeRoute(scope["path"])
        response = await answer(service)
        await response(scope, receive, send)
