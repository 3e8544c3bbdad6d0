"""Judge0's callback PUTs, handed to the grading run waiting for them."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response

from batchjudge.execution.judge0.callbacks import CALLBACK_PATH, CallbackHub
from batchjudge.service.errors import ApiError

router = APIRouter(tags=["judge0"])


def callback_hub(request: Request) -> CallbackHub:
    """The service's hub, shared with the worker threads' Judge0 backends."""
    hub: CallbackHub = request.app.state.service.judge0_callbacks
    return hub


Hub = Annotated[CallbackHub, Depends(callback_hub)]


@router.put(CALLBACK_PATH + "/{nonce}", status_code=204, include_in_schema=False)
async def judge0_callback(
    nonce: str, body: Annotated[dict[str, Any], Body()], hub: Hub
) -> Response:
    """Take a Judge0 result for one run; the nonce in the URL is the only credential."""
    if not hub.deliver(nonce, body):
        raise ApiError(404, "not_found", "no run is waiting for this callback")
    return Response(status_code=204)
