"""`GET /metrics`: Prometheus's text exposition format, from the app's own registry."""

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from batchjudge.service.auth import State

router = APIRouter(tags=["monitoring"])


@router.get("/metrics", response_class=Response)
def metrics(state: State) -> Response:
    """Every metric, for Prometheus to scrape (queue and counts are read at scrape time)."""
    return Response(state.prometheus.render(), media_type=CONTENT_TYPE_LATEST)
