"""The languages our Judge0-compatible API offers: Judge0 ids and names, with the
toolchain versions probed once when the service starts."""

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

from batchjudge.execution.local.process import PlainRun, run_plain
from batchjudge.languages.commands import PREPARED_MOUNT
from batchjudge.languages.registry import LanguageBundle, LanguageRegistry
from batchjudge.languages.spec import (
    CompileStep,
    LanguageSpec,
    RunStep,
    SelfTest,
    StyleRules,
)
from batchjudge.services.judge0_api.config import MULTI_FILE_LANGUAGE_ID, MULTI_FILE_QUEUE

_log = logging.getLogger(__name__)

#: Ids the official SDK (0.0.8) resolves its aliases to on a 1.13.1 server that we serve
#: with another of our ids: `judge0.CPP` asks for 52 (GCC 7.4.0 on Judge0), our C++ is 54.
_SDK_ALIAS_IDS = {52: 54}
_MULTI_FILE_NAME = "Multi-file program"
_PROBE_TIMEOUT_S = 20.0

Prober = Callable[[Sequence[str], float], PlainRun]


@dataclass(frozen=True)
class Judge0Language:
    """One entry of `/languages`; `language_id` is ours (None for multi-file programs)."""

    id: int
    name: str
    source_file: str | None
    compile_cmd: str | None
    run_cmd: str | None
    language_id: str | None
    is_archived: bool = False

    def summary(self) -> dict[str, object]:
        """The `/languages` entry."""
        return {"id": self.id, "name": self.name}

    def record(self) -> dict[str, object]:
        """The `/languages/{id}` body."""
        return {
            "id": self.id,
            "name": self.name,
            "is_archived": self.is_archived,
            "source_file": self.source_file,
            "compile_cmd": self.compile_cmd,
            "run_cmd": self.run_cmd,
        }


def probe_version(spec: LanguageSpec, prober: Prober = run_plain) -> str:
    """The toolchain version `spec.judge0.version_command` prints (stdout or stderr), or
    "unknown" when it cannot be run or says nothing the pattern recognises."""
    identity = spec.judge0
    if identity is None:
        return "unknown"
    ran = prober(identity.version_command, _PROBE_TIMEOUT_S)
    text = (ran.stdout + b"\n" + ran.stderr).decode("utf-8", "replace")
    match = re.search(identity.version_pattern, text)
    if ran.returncode != 0 or match is None:
        _log.warning("cannot tell the version of %s: %s", spec.id, text.strip()[:200])
        return "unknown"
    return match.group(1)


def _shown(command: Sequence[str], source: str, memory_mb: int, stack_mb: int) -> str:
    values = {
        "source": source,
        "style": "program",
        "memory_mb": str(memory_mb),
        "stack_mb": str(stack_mb),
        "prep": PREPARED_MOUNT,
    }
    return " ".join(Template(part).safe_substitute(values) for part in command)


def _language(judge0_id: int, spec: LanguageSpec, version: str) -> Judge0Language:
    assert spec.judge0 is not None
    # What a Judge0 user would run: the plain program's commands where the language has
    # them, else the ones our engine uses; `%s` marks where Judge0 puts compiler options.
    plain = spec.plain
    step = plain.compile if plain is not None else spec.compile
    run = plain.run if plain is not None else spec.run.command
    memory_mb = 125  # Judge0's default memory limit, 128000 KB
    compile_cmd = None
    if step is not None:
        compiler, *rest = step.command
        compile_cmd = _shown([compiler, "%s", *rest], spec.source_name, memory_mb, 64)
    return Judge0Language(
        id=judge0_id,
        name=Template(spec.judge0.name).safe_substitute(version=version),
        source_file=spec.source_name,
        compile_cmd=compile_cmd,
        run_cmd=_shown(run, spec.source_name, memory_mb, spec.run.stack_mb),
        language_id=spec.id,
    )


class Judge0Catalog:
    """The languages by Judge0 id, built once per service."""

    def __init__(self, languages: Sequence[Judge0Language]) -> None:
        self._by_id = {language.id: language for language in languages}

    @classmethod
    def probe(cls, registry: LanguageRegistry, prober: Prober = run_plain) -> "Judge0Catalog":
        """Every language with a Judge0 id and identity, its version asked of its toolchain,
        plus the SDK's alias ids and the multi-file program."""
        languages: list[Judge0Language] = []
        for bundle in registry.bundles():
            spec = bundle.spec
            if spec.judge0_id is None or spec.judge0 is None:
                continue
            version = probe_version(spec, prober)
            languages.append(_language(spec.judge0_id, spec, version))
            languages += [
                _language(alias, spec, version)
                for alias, target in _SDK_ALIAS_IDS.items()
                if target == spec.judge0_id
            ]
        languages.append(
            Judge0Language(
                id=MULTI_FILE_LANGUAGE_ID,
                name=_MULTI_FILE_NAME,
                source_file=None,
                compile_cmd="/bin/bash compile",
                run_cmd="/bin/bash run",
                language_id=None,
            )
        )
        return cls(languages)

    def get(self, judge0_id: int) -> Judge0Language | None:
        """The language with this Judge0 id, if we offer it."""
        return self._by_id.get(judge0_id)

    def languages(self) -> list[Judge0Language]:
        """Every language, ordered by name as Judge0 orders them (then by id)."""
        return sorted(self._by_id.values(), key=lambda language: (language.name, language.id))


def multi_file_bundle(registry: LanguageRegistry, folder: Path) -> LanguageBundle:
    """A stand-in language for multi-file programs whose box can run every toolchain we
    have: the union of the languages' binds, and the most generous compile limits."""
    bundles = registry.bundles()
    binds = sorted({bind for bundle in bundles for bind in bundle.spec.sandbox_binds})
    steps = [bundle.spec.compile for bundle in bundles if bundle.spec.compile is not None]
    spec = LanguageSpec(
        id=MULTI_FILE_QUEUE,
        display_name=_MULTI_FILE_NAME,
        judge0_id=MULTI_FILE_LANGUAGE_ID,
        extensions=(".zip",),
        source_name="run",
        sandbox_binds=tuple(binds),
        styles=StyleRules(program=(), solve=()),
        compile=CompileStep(
            command=("/bin/bash", "compile"),
            time_limit_s=max((s.time_limit_s for s in steps), default=30.0),
            memory_mb=max((s.memory_mb for s in steps), default=1024),
            processes=max((s.processes for s in steps), default=64),
        ),
        run=RunStep(command=("/bin/bash", "run")),
        selftest=SelfTest(source="run", input="", expected=""),
    )
    return LanguageBundle(spec=spec, folder=folder, root=folder)


def queue_language(registry: LanguageRegistry, judge0_id: int) -> str:
    """The language queue (service.job_queues) a Judge0 API submission waits in: its own
    language's, or for multi-file programs, which need every toolchain, their own.

    Raises:
        LanguageError: no language of ours has that id.
    """
    if judge0_id == MULTI_FILE_LANGUAGE_ID:
        return MULTI_FILE_QUEUE
    return bundle_for(registry, judge0_id).spec.id


def bundle_for(registry: LanguageRegistry, judge0_id: int) -> LanguageBundle:
    """Our language behind a Judge0 id (SDK alias ids included).

    Raises:
        LanguageError: no language of ours has that id.
    """
    return registry.get(str(_SDK_ALIAS_IDS.get(judge0_id, judge0_id)))
