"""Judge0Backend: runs our driver programs on a remote Judge0 server, one submission per run.

Judge0 compiles and runs in one billed submission, so `compile` only remembers the
program (after discovering the server once) and each `run` sends a language-89
"Multi-file program": a zip of the program files with `compile` and `run` scripts, and
the BJ1 batch on stdin. Results come by callback when the service is reachable from
Judge0 (`public_base_url`), else by a shared, batched poller.
"""

import asyncio
import base64
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from batchjudge.execution.backend import CompileRequest, CompileResult, Program, RunRequest
from batchjudge.execution.judge0.callbacks import CallbackHub, CallbackTicket
from batchjudge.execution.judge0.client import Judge0Client
from batchjudge.execution.judge0.discovery import (
    MULTI_FILE_LANGUAGE_ID,
    LanguageDetails,
    ServerProfile,
    discover,
    fetch_language,
)
from batchjudge.execution.judge0.errors import Judge0Error
from batchjudge.execution.judge0.language_map import map_language
from batchjudge.execution.judge0.poller import BatchPoller, PollSchedule
from batchjudge.execution.judge0.program_archive import build_archive
from batchjudge.execution.judge0.results import SubmissionState, to_execution_result
from batchjudge.execution.judge0.server_commands import compile_command, run_command
from batchjudge.execution.judge0.submission_limits import SubmissionLimits, plan_limits
from batchjudge.execution.outcome import ExecutionResult, RemoteCall
from batchjudge.languages.spec import LanguageSpec

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Judge0Options:
    """How the backend waits for results.

    Attributes:
        public_base_url: this service as Judge0 can reach it; with a hub, runs ask for
            callbacks instead of polling.
        poll_schedule: when to poll.
        callback_grace_s: time for queueing and compiling on top of the run's wall limit
            (and the server's compile limit) before a missing callback gives way to polling.
        callback_wait_s: a fixed wait for the callback instead (tests).
        programs_kept: programs remembered between `compile` and their last `run`.
    """

    public_base_url: str = ""
    poll_schedule: PollSchedule = field(default_factory=PollSchedule)
    callback_grace_s: float = 30.0
    callback_wait_s: float | None = None
    programs_kept: int = 256


@dataclass(frozen=True)
class _StoredProgram:
    files: Mapping[str, bytes]
    compile_argv: tuple[str, ...] | None
    language: LanguageDetails


class Judge0Backend:
    """An ExecutionBackend on a remote Judge0 server (see the module docstring)."""

    name = "judge0"

    def __init__(
        self,
        client: Judge0Client,
        *,
        callbacks: CallbackHub | None = None,
        options: Judge0Options | None = None,
    ) -> None:
        self._client = client
        self._callbacks = callbacks
        self._options = options or Judge0Options()
        self._lock = asyncio.Lock()
        self._server: ServerProfile | None = None
        self._languages: dict[str, LanguageDetails] = {}
        self._programs: OrderedDict[str, _StoredProgram] = OrderedDict()
        self._poller: BatchPoller | None = None

    async def compile(self, request: CompileRequest) -> CompileResult:
        """Remember the program; nothing runs until `run` (the first compile also
        discovers the server).

        Raises:
            Judge0Error: the server cannot run this language or multi-file programs.
            Judge0UnavailableError: the server is unreachable or out of quota.
        """
        calls: list[RemoteCall] = []
        spec = request.language.spec
        language = await self._language(spec, calls)
        argv = compile_command(request, language)
        compile_argv = None if argv is None else tuple(argv)
        digest = hashlib.sha256(repr((spec.id, language.id, compile_argv)).encode())
        for name in sorted(request.files):
            digest.update(f"\0{name}\0{len(request.files[name])}\0".encode())
            digest.update(request.files[name])
        key = digest.hexdigest()
        self._remember(key, _StoredProgram(dict(request.files), compile_argv, language))
        return CompileResult(
            ok=True,
            output="",
            time_s=0.0,
            cached=False,
            program=Program(spec.id, key, key),
            executions=0,
            deferred=True,
            calls=tuple(calls),
        )

    async def run(self, request: RunRequest) -> ExecutionResult:
        """One Judge0 submission: compile (when the program has a step) and run the batch.

        Raises:
            Judge0Error: Judge0 failed (internal error, bad answers, retries spent).
            Judge0UnavailableError: the server is unreachable or out of quota.
        """
        stored = self._programs.get(request.program.location)
        if stored is None:
            raise Judge0Error("the program was not compiled by this Judge0 backend")
        self._programs.move_to_end(request.program.location)
        calls: list[RemoteCall] = []
        server = await self._profile(calls)
        limits = plan_limits(request.limits, server.config, request.language.spec.run.stack_mb)
        run_argv = run_command(request.command, stored.language)
        environment = {}
        if request.expose_memory_events:
            # The server's memory cgroup cannot be read from inside, so the driver is told
            # the limit and takes a SIGKILL near it for an out-of-memory kill.
            environment["BJ_MEMORY_LIMIT_KB"] = str(limits.memory_limit_kb)
        archive = build_archive(
            stored.files, stored.compile_argv, run_argv, request.work_files, environment
        )
        if archive.extracted_bytes > server.config.max_extract_size * 1024:
            raise Judge0Error(
                f"the program unpacks to {archive.extracted_bytes} bytes, more than the "
                f"server's max_extract_size ({server.config.max_extract_size} KB)"
            )
        body: dict[str, object] = {
            "language_id": MULTI_FILE_LANGUAGE_ID,
            "source_code": "",
            "additional_files": _base64(archive.data),
            "stdin": _base64(request.stdin),
            **limits.fields,
        }
        ticket = self._ticket(server)
        try:
            if ticket is not None:
                body["callback_url"] = ticket.url(self._options.public_base_url)
            state = await self._submit(server, body, limits, ticket, calls)
        finally:
            if ticket is not None:
                ticket.hub.discard(ticket.nonce)
        return to_execution_result(state, limits, tuple(calls))

    async def aclose(self) -> None:
        """Stop polling and close the HTTP client."""
        if self._poller is not None:
            await self._poller.aclose()
        await self._client.aclose()

    async def _submit(
        self,
        server: ServerProfile,
        body: dict[str, object],
        limits: SubmissionLimits,
        ticket: CallbackTicket | None,
        calls: list[RemoteCall],
    ) -> SubmissionState:
        """Create the submission and wait for it to finish."""
        answer = await self._client.request(
            "POST",
            "/submissions",
            "create",
            calls,
            params={"base64_encoded": "true", "wait": "false"},
            body=body,
        )
        token = answer.get("token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise Judge0Error("Judge0 answered a create without a token", tuple(calls))
        created = self._client.clock.monotonic()
        poller = self._poller_for(server)
        if ticket is not None:
            ticket.hub.bind(ticket.nonce, token)
            bound = self._options.callback_wait_s
            if bound is None:
                wall = float(str(limits.fields["wall_time_limit"]))
                bound = wall + server.config.max_wall_time_limit + self._options.callback_grace_s
            state = await _from_callback(ticket, bound)
            if state is not None:
                poller.observe(self._client.clock.monotonic() - created)
                return state
            _log.info("no Judge0 callback for %s within %.0f s; polling", token, bound)
        return await poller.wait(token, calls, created)

    def _ticket(self, server: ServerProfile) -> CallbackTicket | None:
        if self._callbacks is None or not self._options.public_base_url:
            return None
        if not server.config.enable_callbacks:
            return None
        return self._callbacks.expect()

    def _poller_for(self, server: ServerProfile) -> BatchPoller:
        if self._poller is None:
            self._poller = BatchPoller(self._client, server.config, self._options.poll_schedule)
        return self._poller

    async def _profile(self, calls: list[RemoteCall]) -> ServerProfile:
        async with self._lock:
            if self._server is None:
                self._server = await discover(self._client, calls)
            return self._server

    async def _language(self, spec: LanguageSpec, calls: list[RemoteCall]) -> LanguageDetails:
        server = await self._profile(calls)
        async with self._lock:
            known = self._languages.get(spec.id)
            if known is not None:
                return known
            match = map_language(spec, server.languages)
            details = await fetch_language(self._client, match.id, calls)
            if details.is_archived:
                raise Judge0Error(f"Judge0 language {details.name} is archived", tuple(calls))
            _log.info("%s runs as Judge0 language %d (%s)", spec.id, details.id, details.name)
            self._languages[spec.id] = details
            return details

    def _remember(self, key: str, program: _StoredProgram) -> None:
        self._programs[key] = program
        self._programs.move_to_end(key)
        while len(self._programs) > self._options.programs_kept:
            self._programs.popitem(last=False)


async def _from_callback(ticket: CallbackTicket, bound_s: float) -> SubmissionState | None:
    """The finished submission from its callback, or None (none came, or it was odd)."""
    body = await ticket.wait(bound_s)
    if body is None:
        return None
    try:
        state = SubmissionState.model_validate(body)
    except ValidationError:
        _log.warning("a Judge0 callback had an unexpected shape; polling instead")
        return None
    return state if state.finished else None


def _base64(data: bytes) -> str:
    # Unbroken base64: Judge0 (Ruby) also takes Ruby's 60-column form, but servers made
    # for the official SDK, which sends this form, may not.
    return base64.b64encode(data).decode("ascii")
