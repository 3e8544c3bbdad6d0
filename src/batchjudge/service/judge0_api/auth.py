"""Who calls the Judge0 API: `X-Auth-Token` (header or query parameter) holding one of
our API tokens, unless `judge0_api_auth` is off."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from batchjudge.db.accounts import Role
from batchjudge.service.auth import State
from batchjudge.service.client_address import client_ip
from batchjudge.service.judge0_api.errors import Judge0HttpError
from batchjudge.services.accounts import authenticate

AUTH_HEADER = "X-Auth-Token"


@dataclass(frozen=True)
class Judge0Caller:
    """The caller: a user (None when authentication is off) and what they may read."""

    user_id: int | None
    sees_everything: bool

    def may_see(self, owner: int | None) -> bool:
        """Students see their own submissions; staff and an unauthenticated API all."""
        return self.sees_everything or owner == self.user_id


def judge0_caller(request: Request, state: State) -> Judge0Caller:
    """The caller behind the token, or 401 with an empty body (as Judge0 answers).
    Requests without a token count against their address's anonymous rate limit."""
    if not state.settings.judge0_api_auth:
        state.rate_limits.check_anonymous(client_ip(request))
        return Judge0Caller(None, True)
    token = request.headers.get(AUTH_HEADER) or request.query_params.get(AUTH_HEADER)
    if not token or not token.strip():
        state.rate_limits.check_anonymous(client_ip(request))
        raise Judge0HttpError(401)
    session: Session
    with state.sessions.begin() as session:
        user = authenticate(session, token.strip())
        if user is None:
            raise Judge0HttpError(401)
        return Judge0Caller(user.id, user.role != Role.STUDENT)


Caller = Annotated[Judge0Caller, Depends(judge0_caller)]
