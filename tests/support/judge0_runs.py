"""Building compile and run requests for the Judge0 backend tests, as the engine does."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from batchjudge.domain.styles import Style
from batchjudge.execution.backend import CompileRequest, CompileResult, Program, RunRequest
from batchjudge.execution.judge0 import CallbackHub, Judge0Backend, Judge0Options, judge0_backend
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.outcome import ExecutionResult
from batchjudge.grading.submission import (
    Submission,
    command_variables,
    program_files,
    resolve_style,
)
from batchjudge.judge0.key_pool import KeyPool, StaticKeyPool
from batchjudge.languages.commands import render_command
from batchjudge.languages.framing import BatchItem, encode_batch, new_nonce
from batchjudge.languages.registry import LanguageBundle, LanguageRegistry
from batchjudge.settings import Settings
from support.judge0_server import BASE_URL, FakeJudge0

SOURCES = {
    "c": '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d",a+b);}\n',
    "cpp17": "#include <bits/stdc++.h>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b;}\n",
    "python3": "a, b = map(int, input().split())\nprint(a + b)\n",
    "javascript": "const [a, b] = require('fs').readFileSync(0, 'utf8').split(' ');\n"
    "console.log(Number(a) + Number(b));\n",
    "java": "public class Main {\n  public static void main(String[] a) {}\n}\n",
}


@cache
def registry() -> LanguageRegistry:
    return LanguageRegistry.load()


def bundle(language_id: str) -> LanguageBundle:
    return registry().get(language_id)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "judge0_url": BASE_URL,
        "judge0_timeout_s": 5.0,
        "judge0_max_retries": 2,
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def open_backend(
    server: FakeJudge0,
    pool: KeyPool | None = None,
    callbacks: CallbackHub | None = None,
    options: Judge0Options | None = None,
    **overrides: Any,
) -> AsyncIterator[Judge0Backend]:
    async with judge0_backend(
        settings(**overrides),
        pool or StaticKeyPool(),
        callbacks,
        transport=server.transport(),
        clock=server.clock,
        options=options,
    ) as backend:
        yield backend


def variables(language: LanguageBundle, source: str, style: Style) -> dict[str, str]:
    name = language.spec.source_file_name(source)
    resolved = resolve_style(Submission(language, source, style))
    return command_variables(name, resolved, 256, language.spec.run.stack_mb)


def compile_request(
    language_id: str, source: str | None = None, style: Style = Style.AUTO
) -> CompileRequest:
    language = bundle(language_id)
    text = SOURCES[language_id] if source is None else source
    _, files = program_files(Submission(language, text, style))
    return CompileRequest(language, files, language.spec.compile, variables(language, text, style))


def run_request(
    compiled: CompileRequest,
    program: Program,
    inputs: Sequence[bytes],
    *,
    time_limit_s: float = 1.0,
    output_limit: int = 1 << 20,
    memory_mb: int = 256,
) -> tuple[RunRequest, str]:
    """A run of `inputs` as tests 0..n-1 with the engine's arithmetic for the limits."""
    spec = compiled.language.spec
    wall = time_limit_s * 2 + 0.5
    items = [BatchItem(k, data, time_limit_s, wall, output_limit) for k, data in enumerate(inputs)]
    nonce = new_nonce()
    walls = wall * len(items)
    limits = ResourceLimits(
        cpu_time_s=walls + spec.run.startup_time_s,
        wall_time_s=walls + spec.run.startup_time_s + 1.0,
        memory_mb=memory_mb + spec.run.memory_overhead_mb,
        processes=spec.run.processes,
        output_bytes=sum(output_limit + 4096 + 256 for _ in items) + 1024,
    )
    request = RunRequest(
        language=compiled.language,
        program=program,
        command=render_command(spec.run.command, compiled.variables),
        stdin=encode_batch(nonce, items),
        limits=limits,
    )
    return request, nonce


def numbered(count: int) -> list[bytes]:
    return [f"{k}\n".encode() for k in range(count)]


async def compile_and_run_once(
    server: FakeJudge0,
    language_id: str = "python3",
    inputs: Sequence[bytes] | None = None,
    source: str | None = None,
    *,
    limits: dict[str, Any] | None = None,
    **overrides: Any,
) -> tuple[CompileResult, ExecutionResult, str]:
    """Compile and run once on a fresh backend: (compile result, run result, nonce)."""
    async with open_backend(server, **overrides) as backend:
        request = compile_request(language_id, source)
        compiled = await backend.compile(request)
        assert compiled.program is not None
        run, nonce = run_request(request, compiled.program, inputs or numbered(3), **(limits or {}))
        result = await backend.run(run)
    return compiled, result, nonce
