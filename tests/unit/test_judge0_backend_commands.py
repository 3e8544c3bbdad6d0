"""Our commands as the Judge0 server runs them: tools replaced, prepared files refused,
every named source shipped, validator paths moved."""

from dataclasses import replace

import pytest

from batchjudge.domain.errors import BackendError
from batchjudge.execution.judge0.discovery import LanguageDetails
from batchjudge.execution.judge0.server_commands import (
    compile_command,
    first_word,
    run_command,
    server_command,
)
from batchjudge.languages.registry import LanguageBundle
from support.judge0_runs import compile_request

GPP = LanguageDetails(
    id=54,
    name="C++ (GCC 9.2.0)",
    compile_cmd="/usr/local/gcc-9.2.0/bin/g++ %s main.cpp",
    run_cmd="./a.out",
)


def with_judge0(request, **update):
    spec = request.language.spec
    assert spec.judge0 is not None
    changed = spec.model_copy(update={"judge0": spec.judge0.model_copy(update=update)})
    language = LanguageBundle(changed, request.language.folder, request.language.root)
    return replace(request, language=language)


def test_first_word_of_judge0_commands():
    assert first_word("/usr/local/gcc-9.2.0/bin/gcc %s main.c") == "/usr/local/gcc-9.2.0/bin/gcc"
    assert first_word("'/opt/my tools/node' script.js") == "/opt/my tools/node"
    assert first_word(None) is None
    assert first_word("") is None


def test_only_an_absolute_program_is_replaced():
    assert server_command(["/usr/bin/node", "a.js"], "/srv/node") == ["/srv/node", "a.js"]
    assert server_command(["./prog", "/work/input"], "/srv/x") == ["./prog", "work/input"]
    with pytest.raises(BackendError, match="names no program to replace /usr/bin/java"):
        server_command(["/usr/bin/java"], None)


def test_run_command_uses_the_servers_run_tool():
    node = LanguageDetails(id=63, name="JavaScript (Node.js 12.14.0)", run_cmd="/n/node s.js")
    assert run_command(["/usr/bin/node", "bj_driver.js"], node) == ["/n/node", "bj_driver.js"]


def test_cpp_uses_remote_compile_and_ships_its_driver_source():
    request = compile_request("cpp17")
    argv = compile_command(request, GPP)
    assert argv is not None
    assert argv[0] == "/usr/local/gcc-9.2.0/bin/g++"
    assert "bj_driver.cpp" in argv
    assert "bj_driver.cpp" in request.files


def test_prepared_files_without_remote_compile_are_refused():
    request = with_judge0(compile_request("cpp17"), remote_compile=None)
    with pytest.raises(BackendError, match=r"prepared on this machine .*remote_compile"):
        compile_command(request, GPP)


def test_a_prepared_include_alone_is_dropped():
    request = compile_request("cpp17")
    plain = request.language.spec.plain
    assert plain is not None
    assert plain.compile is not None
    validator = replace(request, step=plain.compile, files={"main.cpp": b"int main(){}"},
                        variables={**request.variables, "source": "main.cpp"})  # fmt: skip
    argv = compile_command(validator, GPP)
    assert argv is not None
    assert not any("/prep" in arg for arg in argv)
    assert argv[-1] == "main.cpp"


def test_a_source_the_remote_compile_names_must_be_shipped():
    request = compile_request("cpp17")
    request = replace(request, files={"main.cpp": request.files["main.cpp"]})
    with pytest.raises(BackendError, match=r"names bj_driver\.cpp, which is not among"):
        compile_command(request, GPP)


def test_no_compile_step_means_no_compile_script():
    request = replace(compile_request("python3"), step=None)
    assert compile_command(request, GPP) is None
