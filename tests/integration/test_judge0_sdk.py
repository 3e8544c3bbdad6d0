"""Acceptance: the official Judge0 Python SDK, unchanged, against a real `batchjudge serve`
process, using http://127.0.0.1:PORT/judge0 as its endpoint. No other network is used."""

import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from support.service_process import ServiceProcess, new_data_dir, token_of

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SOURCES = {
    50: '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n',
    54: "#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b<<std::endl;}\n",
    71: "a, b = map(int, input().split())\nprint(a + b)\n",
    62: (
        "import java.util.Scanner;\npublic class Main { public static void main(String[] x) {"
        " Scanner in = new Scanner(System.in);"
        " System.out.println(in.nextInt() + in.nextInt()); } }\n"
    ),
    63: (
        "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);"
        "\nconsole.log(a + b);\n"
    ),
}


@pytest.fixture
def server(database_url: str) -> Iterator[tuple[ServiceProcess, str]]:
    data = new_data_dir("bj-judge0-sdk-")
    running = ServiceProcess(data, database_url)
    running.cli("db", "upgrade")
    token = token_of(running.cli("users", "create", "sdk-user"))
    running.start(token)
    yield running, token
    running.stop()
    subprocess.run(["rm", "-rf", str(data)], check=False)


@pytest.fixture
def judge0(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    """The SDK, imported where no `.env` can configure it, its preview warning off."""
    monkeypatch.setenv("JUDGE0_SUPPRESS_PREVIEW_WARNING", "1")
    monkeypatch.chdir(tmp_path)
    import judge0

    return judge0


def test_the_official_sdk_runs_programs_in_all_five_languages(
    server: tuple[ServiceProcess, str], judge0: ModuleType
):
    running, token = server
    client = judge0.Client(running.judge0_endpoint, headers={"X-Auth-Token": token})
    assert client.version == "1.13.1"
    languages = {language.id: language.name for language in client.get_languages()}
    assert set(SOURCES) | {89} <= set(languages)
    config = client.get_config_info()
    assert config.max_submission_batch_size == 20
    assert config.max_queue_size >= 100
    assert client.get_language(62).source_file == "Main.java"

    aliases = {
        judge0.C: 50,
        judge0.CPP: 54,
        judge0.PYTHON: 71,
        judge0.JAVA: 62,
        judge0.JAVASCRIPT: 63,
    }
    for alias, language_id in aliases.items():
        result = judge0.run(
            client=client,
            source_code=SOURCES[language_id],
            language=alias,
            stdin="3 4\n",
            expected_output="7",
        )
        assert result.status == judge0.Status.ACCEPTED, (alias, result)
        assert result.stdout == "7\n", (alias, result)
        assert result.time is not None
        assert result.finished_at is not None

    by_id = judge0.run(
        client=client,
        submissions=[
            judge0.Submission(source_code=source, language=language_id, stdin="20 22")
            for language_id, source in SOURCES.items()
        ],
    )
    assert [(s.status, s.stdout) for s in by_id] == [(judge0.Status.ACCEPTED, "42\n")] * 5


def test_the_sdks_test_cases_fan_out_and_are_judged(
    server: tuple[ServiceProcess, str], judge0: ModuleType
):
    running, token = server
    client = judge0.Client(running.judge0_endpoint, headers={"X-Auth-Token": token})
    results = judge0.run(
        client=client,
        source_code="print(input())",
        language=judge0.PYTHON,
        test_cases=[
            ("Hello, Judge0", "Hello, Judge0\n\n"),
            ("a  b", "a b"),
            judge0.TestCase(input="same", expected_output="same   "),
        ],
    )
    assert [r.status for r in results] == [
        judge0.Status.ACCEPTED,
        judge0.Status.WRONG_ANSWER,
        judge0.Status.ACCEPTED,
    ]
    assert [r.stdout for r in results] == ["Hello, Judge0\n", "a  b\n", "same\n"]

    failed = judge0.run(
        client=client,
        source_code="int main(void) { return }",
        language=judge0.C,
    )
    assert failed.status == judge0.Status.COMPILATION_ERROR
    assert "error" in failed.compile_output
