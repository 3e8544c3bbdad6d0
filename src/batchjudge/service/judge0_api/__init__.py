"""The Judge0-compatible API, mounted at /judge0: any Judge0 client (such as the official
SDK) can use this server as its endpoint (see docs/judge0-api.md)."""

from fastapi import APIRouter

from batchjudge.service.judge0_api import info, submissions
from batchjudge.service.judge0_api.errors import JUDGE0_ERROR_RESPONSES

router = APIRouter(prefix="/judge0")
router.include_router(submissions.router, responses=JUDGE0_ERROR_RESPONSES)
router.include_router(info.router, responses=JUDGE0_ERROR_RESPONSES)

__all__ = ["router"]
