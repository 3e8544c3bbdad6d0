"""Server discovery: languages found by name and version (never by id), the language-89
requirement, configuration shapes, and the auth headers each kind of server gets."""

import httpx
import pytest

from batchjudge.domain.errors import BackendError
from batchjudge.execution.judge0.discovery import ServerLanguage
from batchjudge.execution.judge0.language_map import map_language, version_of
from batchjudge.judge0.key_pool import StaticKeyPool
from batchjudge.settings import Judge0Auth
from support.judge0_runs import bundle, compile_and_run_once, compile_request, open_backend
from support.judge0_server import LANGUAGES_1_13, LANGUAGES_1_14, FakeJudge0, VirtualClock


@pytest.fixture
def server() -> FakeJudge0:
    return FakeJudge0(VirtualClock())


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (LANGUAGES_1_13, {"c": 50, "cpp17": 54}),
        (LANGUAGES_1_14, {"c": 103, "cpp17": 105, "python3": 113, "javascript": 102, "java": 91}),
    ],
    ids=["ce-1.13.1", "hosted-1.14"],
)
@pytest.mark.anyio
async def test_languages_map_by_name_and_highest_version(server, languages, expected):
    server.languages = list(languages)
    found = {}
    async with open_backend(server) as backend:
        for language_id in expected:
            compiled = await backend.compile(compile_request(language_id))
            fetched = list(server.requests[-len(compiled.calls) :])
            found[language_id] = int(fetched[-1].url.path.rsplit("/", 1)[1])
    assert found == expected
    assert server.counts["config_info"] == 1
    assert server.counts["languages"] == 1


def test_version_is_read_after_the_matched_name():
    assert version_of("C++ (GCC 9.2.0)", len("C++ (GCC ")) == (9, 2, 0)
    assert version_of("JavaScript (Node.js 22.08.0)") == (22, 8, 0)
    assert version_of("Plain Text") == ()
    languages = [ServerLanguage(id=i, name=n) for i, n, _, _ in LANGUAGES_1_14]
    java = map_language(bundle("java").spec, languages)
    assert java.name == "Java (JDK 17.0.6)"  # not JavaFX, not OpenJDK 13


@pytest.mark.parametrize("language_id", ["python3", "java", "javascript"])
@pytest.mark.anyio
async def test_a_toolchain_too_old_for_our_driver_is_a_clear_backend_error(server, language_id):
    # CE 1.13.1 offers Python 3.8, OpenJDK 13 and Node.js 12: older than the drivers need.
    server.languages = list(LANGUAGES_1_13)
    async with open_backend(server) as backend:
        with pytest.raises(
            BackendError, match=rf"no language on the Judge0 server matches {language_id}"
        ):
            await backend.compile(compile_request(language_id))


@pytest.mark.anyio
async def test_a_server_without_language_89_is_refused(server):
    server.languages = [row for row in LANGUAGES_1_14 if row[0] != 89]
    async with open_backend(server) as backend:
        with pytest.raises(BackendError, match=r"language 89 .* is required"):
            await backend.compile(compile_request("python3"))


@pytest.mark.anyio
async def test_a_server_without_additional_files_is_refused(server):
    server.config = {"enable_additional_files": False}
    async with open_backend(server) as backend:
        with pytest.raises(BackendError, match=r"language 89 .* is required"):
            await backend.compile(compile_request("python3"))


@pytest.mark.anyio
async def test_a_minimal_config_takes_judge0_defaults(server):
    server.then("config_info", httpx.Response(200, json={"enable_callbacks": False}))
    _, result, _ = await compile_and_run_once(server, inputs=[b"1\n"] * 40)
    assert result.succeeded
    (received,) = server.received.values()
    assert received.body["max_file_size"] == 4096


@pytest.mark.anyio
async def test_a_config_of_the_wrong_shape_is_a_backend_error(server):
    server.then("config_info", httpx.Response(200, json={"max_cpu_time_limit": "lots"}))
    async with open_backend(server) as backend:
        with pytest.raises(BackendError, match=r"/config_info .* max_cpu_time_limit"):
            await backend.compile(compile_request("python3"))


@pytest.mark.anyio
async def test_a_language_list_of_the_wrong_shape_is_a_backend_error(server):
    server.then("languages", httpx.Response(200, json={"languages": []}))
    async with open_backend(server) as backend:
        with pytest.raises(BackendError, match=r"/languages with an unexpected shape"):
            await backend.compile(compile_request("python3"))


@pytest.mark.anyio
async def test_self_hosted_token_goes_in_x_auth_token(server):
    server.auth_tokens = {"self-hosted-token"}
    pool = StaticKeyPool("self-hosted-token")
    async with open_backend(server, pool, judge0_auth=Judge0Auth.TOKEN) as backend:
        await backend.compile(compile_request("python3"))
    headers = server.requests[0].headers
    assert headers["x-auth-token"] == "self-hosted-token"
    assert "x-rapidapi-key" not in headers


@pytest.mark.anyio
async def test_rapidapi_gets_key_and_host_headers(server):
    server.auth_tokens = {"rapid-key"}
    async with open_backend(
        server, StaticKeyPool("rapid-key"), judge0_auth=Judge0Auth.RAPIDAPI
    ) as backend:
        await backend.compile(compile_request("python3"))
    headers = server.requests[0].headers
    assert headers["x-rapidapi-key"] == "rapid-key"
    assert headers["x-rapidapi-host"] == "judge0.test"
    assert "x-auth-token" not in headers


@pytest.mark.anyio
async def test_rapidapi_host_can_be_configured(server):
    async with open_backend(
        server,
        StaticKeyPool("rapid-key"),
        judge0_auth=Judge0Auth.RAPIDAPI,
        judge0_rapidapi_host="judge0-ce.p.rapidapi.com",
    ) as backend:
        await backend.compile(compile_request("python3"))
    assert server.requests[0].headers["x-rapidapi-host"] == "judge0-ce.p.rapidapi.com"


@pytest.mark.anyio
async def test_no_auth_sends_no_key_headers(server):
    async with open_backend(server) as backend:
        await backend.compile(compile_request("python3"))
    headers = server.requests[0].headers
    assert "x-auth-token" not in headers
    assert "x-rapidapi-key" not in headers


@pytest.mark.anyio
async def test_a_url_with_a_path_prefix_is_kept(server):
    server.prefix = "/judge0"
    _, result, _ = await compile_and_run_once(server, judge0_url="http://judge0.test/judge0/")
    assert result.succeeded
    assert all(request.url.path.startswith("/judge0/") for request in server.requests)
