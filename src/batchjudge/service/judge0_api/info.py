"""Judge0's read-only endpoints: languages, statuses, about, configuration, system, workers."""

import os
import platform
from pathlib import Path

from fastapi import APIRouter, Response

from batchjudge import __version__
from batchjudge.judge0.statuses import Judge0Status
from batchjudge.service.auth import State
from batchjudge.service.judge0_api.auth import Caller
from batchjudge.service.judge0_api.errors import NOT_FOUND, Judge0HttpError, Judge0Route
from batchjudge.services.judge0_api.config import JUDGE0_VERSION, judge0_config
from batchjudge.services.judge0_api.submissions import queued_count
from batchjudge.services.worker_registry import live_workers

router = APIRouter(route_class=Judge0Route, tags=["judge0"])


@router.post(
    "/authenticate",
    response_class=Response,
    responses={200: {"description": "The token is accepted (an empty body)."}},
)
def check_authentication(_caller: Caller) -> Response:
    """An empty 200 when the token is accepted (401 otherwise)."""
    return Response(status_code=200)


@router.post("/authorize")
def check_authorization(_caller: Caller) -> Response:
    """We issue no Judge0 authorization tokens, so this is always 403 (empty)."""
    raise Judge0HttpError(403)


@router.get("/languages")
def list_languages(state: State, _caller: Caller) -> list[dict[str, object]]:
    """Languages in use, `{id, name}`, ordered by name."""
    return [
        language.summary()
        for language in state.judge0_languages.languages()
        if not language.is_archived
    ]


@router.get("/languages/all")
def list_all_languages(state: State, _caller: Caller) -> list[dict[str, object]]:
    """Every language, archived ones too, with `is_archived`."""
    return [
        language.summary() | {"is_archived": language.is_archived}
        for language in state.judge0_languages.languages()
    ]


@router.get("/languages/{language_id}")
def get_language(language_id: str, state: State, _caller: Caller) -> dict[str, object]:
    """A language's full record: source file name, compile and run commands."""
    language = state.judge0_languages.get(int(language_id)) if language_id.isdecimal() else None
    if language is None:
        raise Judge0HttpError(404, NOT_FOUND)
    return language.record()


@router.get("/statuses")
def list_statuses(_caller: Caller) -> list[dict[str, object]]:
    """Every status id with its description."""
    return [{"id": status.value, "description": status.description} for status in Judge0Status]


@router.get("/about")
def about(state: State, _caller: Caller) -> dict[str, object]:
    """The Judge0 version we are compatible with, and who we are."""
    base = state.settings.public_base_url.rstrip("/")
    return {
        "version": JUDGE0_VERSION,
        "homepage": f"{base}/judge0" if base else None,
        "source_code": f"batchjudge {__version__}",
        "maintainer": "the batchjudge maintainers",
    }


@router.get("/config_info")
def config_info(state: State, _caller: Caller) -> dict[str, object]:
    """The limits and switches this API applies (Judge0's `config_info` keys)."""
    return judge0_config(state.settings.max_queue_length).as_info()


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


@router.get("/system_info")
def system_info(_caller: Caller) -> dict[str, str]:
    """The host, as a flat dict of strings (Judge0 shows `lscpu` and `free`)."""
    return {
        "Architecture": platform.machine(),
        "CPU(s)": str(os.cpu_count() or 0),
        "Operating system": platform.platform(),
        "Python": platform.python_version(),
        "Mem": _memory_total(),
    }


@router.get("/workers")
def workers(state: State, _caller: Caller) -> list[dict[str, object]]:
    """One entry per live grading process, in the shape of Judge0's queue entries: the
    process's name as `queue`, everything waiting as `size`, its slots as `available`."""
    with state.sessions() as session:
        waiting = queued_count(session)
        alive = live_workers(session, state.settings.worker_timeout_s)
        return [
            {
                "queue": row.name,
                "size": waiting,
                "available": row.slots,
                "idle": max(row.slots - row.busy, 0),
                "working": min(row.busy, row.slots),
                "paused": 0,
                "failed": 0,
            }
            for row in alive
        ]
