"""The checks every way of creating a submission passes first (the API, the web form and
the Judge0-compatible API): the user is not blocked, is within the rate limit, and their
institution within its monthly quotas. Each refusal is a LimitedError (429 with
Retry-After); a rate-limit refusal also counts as an abuse signal."""

from batchjudge.db.accounts import Role, User
from batchjudge.domain.errors import RateLimitedError
from batchjudge.service.state import ServiceState
from batchjudge.services.abuse import AbusePolicy, Signal, check_not_blocked, note_signal
from batchjudge.services.quotas import check_quota
from batchjudge.settings import BackendKind


def abuse_policy(state: ServiceState) -> AbusePolicy:
    """The abuse thresholds, counted where the rate limits are."""
    return AbusePolicy.from_settings(state.settings, state.rate_limits)


def admit_submissions(
    state: ServiceState, user_id: int, count: int = 1, *, remote: bool | None = None, ip: str = ""
) -> None:
    """Refuse (LimitedError) unless `user_id` may create `count` submissions now.

    `remote` says whether they would be graded by a remote backend (so the remote-call
    quota applies); by default, when the service's backend is Judge0.
    """
    if remote is None:
        remote = state.settings.backend is BackendKind.JUDGE0
    with state.sessions() as session:
        check_not_blocked(session, user_id)
        user = session.get(User, user_id)
        institution_id = user.institution_id if user is not None else None
        staff = user is not None and user.role in (Role.TEACHER, Role.ADMIN)
    try:
        state.rate_limits.check_submissions(user_id, count, staff=staff)
    except RateLimitedError as exc:
        with state.sessions.begin() as session:
            note_signal(
                session, abuse_policy(state), user_id, Signal.SUBMISSION_FLOOD, str(exc), ip
            )
        raise
    with state.sessions() as session:
        check_quota(session, institution_id, remote)
