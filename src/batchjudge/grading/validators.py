"""Building the output checker a problem asks for: the default one, or its own program."""

from batchjudge.domain.errors import BackendError
from batchjudge.domain.styles import Style
from batchjudge.execution.backend import CompileRequest, ExecutionBackend
from batchjudge.grading.checking import CustomChecker, DefaultChecker, OutputChecker
from batchjudge.grading.submission import command_variables
from batchjudge.languages.commands import render_command
from batchjudge.languages.registry import LanguageRegistry
from batchjudge.problems.model import Problem


async def build_checker(
    problem: Problem,
    backend: ExecutionBackend,
    registry: LanguageRegistry,
    timeout_s: float = 30.0,
) -> OutputChecker:
    """The checker for `problem`; a custom validator is compiled once (and cached), then
    runs for at most `timeout_s` seconds per test.

    Raises:
        BackendError: the validator does not compile; that is the problem's fault, not
            the student's, so the tests get IE.
    """
    custom = problem.validation.custom
    if custom is None:
        return DefaultChecker(problem)
    bundle = registry.get(custom.language_id)
    plain = bundle.spec.plain
    if plain is None:
        raise BackendError(f"{bundle.spec.id} cannot run output validators")
    variables = command_variables(custom.entry, Style.PROGRAM, 1024, bundle.spec.run.stack_mb)
    step = plain.compile
    others = [name.replace("$", "$$") for name in custom.sources if name != custom.entry]
    if step is not None and others:
        # A validator of several C++ files is compiled and linked in one command.
        step = step.model_copy(update={"command": (*step.command, *others)})
    compiled = await backend.compile(CompileRequest(bundle, dict(custom.files), step, variables))
    if not compiled.ok or compiled.program is None:
        raise BackendError(f"the output validator does not compile: {compiled.output[:500]}")
    command = render_command(plain.run, variables)
    return CustomChecker(problem, backend, bundle, compiled.program, command, timeout_s)
