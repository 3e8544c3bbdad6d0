"""Shared fixtures: problem packages built on disk, a stand-in language for engine tests."""

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from batchjudge.languages.registry import LanguageBundle, LanguageRegistry, load_language_folder

_FAKE_LANGUAGE = """
id = "fakelang"
display_name = "Fake language for engine tests"
extensions = [".fake"]
source_name = "main.fake"
driver_files = { "driver.fake" = "driver.fake" }
oom_stderr_patterns = ["out of fake memory"]

[styles]
program = ['^main']
solve = ['^solve']

[compile]
command = ["fakecc", "$source"]

[run]
command = ["fakerun", "$source", "$style", "$memory_mb"]

[selftest]
source = "selftest.fake"
input = "1\\n"
expected = "1\\n"
"""


@pytest.fixture
def fake_language(tmp_path_factory: pytest.TempPathFactory) -> LanguageBundle:
    """A language whose commands only the FakeBackend understands."""
    root = tmp_path_factory.mktemp("languages")
    folder = root / "fakelang"
    folder.mkdir()
    (folder / "language.toml").write_text(_FAKE_LANGUAGE)
    (folder / "driver.fake").write_text("driver")
    (folder / "selftest.fake").write_text("main")
    return load_language_folder(folder, root)


@pytest.fixture
def fake_registry(fake_language: LanguageBundle) -> LanguageRegistry:
    """A registry holding only the fake language."""
    return LanguageRegistry([fake_language])


ProblemFactory = Callable[..., Path]


@pytest.fixture
def make_problem(tmp_path: Path) -> ProblemFactory:
    """Write a Kattis package whose test k has input `k` and answer `k` (or as given)."""

    def factory(
        tests: int = 5,
        samples: int = 1,
        answers: dict[int, str] | None = None,
        time_limit: float = 1.0,
        **yaml_extra: object,
    ) -> Path:
        root = tmp_path / f"problem{len(list(tmp_path.iterdir()))}"
        config = {"name": root.name, "limits": {"time_limit": time_limit}, **yaml_extra}
        (root / "data" / "sample").mkdir(parents=True)
        (root / "data" / "secret").mkdir(parents=True)
        (root / "problem.yaml").write_text(yaml.safe_dump(config))
        for k in range(tests):
            group = "sample" if k < samples else "secret"
            stem = root / "data" / group / f"{k:03d}"
            stem.with_suffix(".in").write_text(f"{k}\n")
            answer = (answers or {}).get(k, str(k))
            stem.with_suffix(".ans").write_text(f"{answer}\n")
        return root

    return factory


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, like the service."""
    return "asyncio"
