"""Every command-line example of the guide (docs/**/*.md) runs, and does what the page shows.

The examples are the `$ batchjudge …` lines of ```console blocks, and the `batchjudge`
lines of ```sh snippets (see `support.guide_examples` for how a page is read). Each page
runs in a site of its own, its examples in page order, as a reader would type them:

- **The site** is what the pages assume: the demo of `make run` (`db upgrade`, then
  `seed-demo examples/sum-pairs examples/average`) in a throwaway SQLite data dir, with
  a secret key set, commands run from the repository root. A
  `<!-- guide-test: new-machine -->` or `database-behind` comment before a block changes
  that state (see `support.guide_examples.DIRECTIVES`).
- **Example values** in the pages stand for the site's own: `SITE_VALUES` maps them
  (`/var/lib/batchjudge` is the data dir, `/srv/backups` a folder for backups, the
  PostgreSQL URL a scratch database on 127.0.0.1) in the commands and in the output.
- **Placeholders** are shell variables in capitals (`$TOKEN`, `$RAPIDAPI_KEY_1`); the
  commands run in bash with `-u`, so one missing from `placeholders` fails the page.
- **Prompts** are answered on standard input with a fresh secret per command.
- **Outcome:** exit status 0, and the first documented output line among the real ones
  (numbers may differ; `…` stands for anything). When the page shows an `error:` line,
  exit status 2 with that line on stderr.
"""

import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from support.guide_examples import CliExample, guide_examples, page_examples, shows_line

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
#: The documented PostgreSQL URL (docs/operators/deployment.md).
DOCUMENTED_POSTGRES_URL = "postgresql+psycopg://batchjudge@db.internal/batchjudge"

#: Examples this test cannot run, each with the reason; kept minimal, and each must still
#: match an example (see test_the_skip_list_is_still_needed).
SKIPPED = (
    # `serve` runs until stopped; test_guide_quick_start.py starts it. A `serve` example
    # that shows an `error:` line exits at once and is run.
    (re.compile(r"\bbatchjudge serve\b"), "serves until stopped"),
    # `worker` grades until stopped (SIGTERM); test_deploy_units.py and
    # test_worker_process.py start it.
    (re.compile(r"\bbatchjudge worker\b"), "grades until stopped"),
    # (Add here, with the reason, only what a test cannot provide: e.g. grading on a real
    # Judge0 or RapidAPI server. No page has such an example today.)
)


def _skip_reason(example: CliExample) -> str | None:
    for pattern, reason in SKIPPED:
        if pattern.search(example.command) and example.expected_error is None:
            return reason
    return None


@dataclass
class Site:
    """A reader's installation: the data dir and the folders the pages name."""

    root: Path
    postgres_url: str
    data_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.data_dir = self.root / "data"
        for folder in (self.backups, self.secrets, self.bin):
            folder.mkdir()
        (self.secrets / "judge0-token").write_text("selfhosted-" + secrets.token_hex(12))
        # The password manager judge0-keys.md pipes keys from: a fresh key per entry.
        stub = self.bin / "pass"
        stub.write_text('#!/bin/sh\nprintf "pass-%s-%s" "$(basename "$2")" "$$"\n')
        stub.chmod(0o755)

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def site_values(self) -> dict[str, str]:
        """Documented example value -> this site's."""
        return {
            "/var/lib/batchjudge": str(self.data_dir),
            "/srv/backups": str(self.backups),
            "/run/secrets": str(self.secrets),
            DOCUMENTED_POSTGRES_URL: self.postgres_url,
        }

    def localise(self, text: str) -> str:
        for documented, local in sorted(self.site_values().items(), key=lambda i: -len(i[0])):
            text = text.replace(documented, local)
        return text

    def placeholders(self) -> dict[str, str]:
        """Values of the pages' shell variables; the demo's tokens while the demo exists."""
        known = {
            name: "rapidapi-" + secrets.token_hex(12)
            for name in ("RAPIDAPI_KEY", "RAPIDAPI_KEY_1", "RAPIDAPI_KEY_2")
        }
        demo = self.data_dir / "demo-tokens.json"
        if demo.exists():
            tokens = json.loads(demo.read_text())
            known |= {"TOKEN": tokens["student"], "ADMIN": tokens["admin"]}
        return known

    def env(self) -> dict[str, str]:
        known = self.placeholders()
        return {
            "PATH": f"{Path(sys.executable).parent}:{self.bin}:/usr/bin:/bin",
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "BATCHJUDGE_DATA_DIR": str(self.data_dir),
            # A configured site: production examples fail only for what they show.
            "BATCHJUDGE_SECRET_KEY": "guide-" + "k" * 40,
            **known,
        }

    def run(self, example: CliExample) -> subprocess.CompletedProcess[str]:
        command = self.localise(example.command).replace(".venv/bin/batchjudge", "batchjudge")
        try:
            return subprocess.run(
                ["bash", "-u", "-o", "pipefail", "-c", command],
                input=secrets.token_urlsafe(24) + "\n",
                capture_output=True,
                text=True,
                cwd=REPO,
                env=self.env(),
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"{example.where}: `{command}` did not finish") from exc

    def database_behind(self) -> None:
        """Replace the database by an empty one at the migration before the newest (the
        downgrades are not a supported path, and 0006's fails on SQLite with data)."""
        database = self.data_dir / "batchjudge.sqlite3"
        for leftover in self.data_dir.glob("batchjudge.sqlite3*"):
            leftover.unlink()
        code = (
            "from alembic import command; from alembic.script import ScriptDirectory; "
            "from batchjudge.db.migrate import alembic_config, head_revision; "
            f"config = alembic_config({f'sqlite:///{database}'!r}); "
            "script = ScriptDirectory.from_config(config); "
            "command.upgrade(config, script.get_revision(head_revision()).down_revision)"
        )
        _cli_ok([sys.executable, "-c", code], self.data_dir)


def _cli_ok(argv: list[str], data_dir: Path) -> str:
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data_dir)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _reachable_dir(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/var/tmp"))
    folder.chmod(0o755)
    return folder


@pytest.fixture(scope="module")
def templates() -> Iterator[dict[str, Path]]:
    """Data dirs to copy: after `make run`'s set-up (`demo`), and a new machine's."""
    root = _reachable_dir("bj-guide-templates-")
    cli = [sys.executable, "-m", "batchjudge"]
    demo, fresh = root / "demo", root / "fresh"
    _cli_ok([*cli, "db", "upgrade"], demo)
    _cli_ok([*cli, "seed-demo", "examples/sum-pairs", "examples/average"], demo)
    _cli_ok([*cli, "db", "upgrade"], fresh)
    yield {"demo": demo, "new-machine": fresh}
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A scratch database standing for the documented PostgreSQL server."""
    name = f"bj_guide_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(templates: dict[str, Path], postgres_url: str) -> Iterator[Site]:
    root = _reachable_dir("bj-guide-site-")
    made = Site(root, postgres_url)
    shutil.copytree(templates["demo"], made.data_dir)
    yield made
    shutil.rmtree(root, ignore_errors=True)


def _check(site: Site, example: CliExample) -> None:
    done = site.run(example)
    said = f"{example.where}: `{example.command}` said:\n{done.stdout}{done.stderr}"
    error = example.expected_error
    if error is not None:
        assert done.returncode == 2, said
        assert shows_line(done.stderr, site.localise(error)), said
        return
    assert done.returncode == 0, said
    first = example.first_line
    if first is not None:
        assert shows_line(done.stdout + "\n" + done.stderr, site.localise(first)), said


GUIDE = guide_examples(DOCS)


@pytest.mark.parametrize("page", sorted(GUIDE))
def test_every_cli_example_of_the_page_runs_as_shown(page: str, site: Site, templates):
    prepared = set()
    for example in GUIDE[page]:
        if example.directive is not None and example.block not in prepared:
            prepared.add(example.block)
            if example.directive == "new-machine":
                shutil.rmtree(site.data_dir)
                shutil.copytree(templates["new-machine"], site.data_dir)
            else:
                site.database_behind()
        if _skip_reason(example) is None:
            _check(site, example)


def test_the_guide_has_cli_examples_on_the_pages_that_promise_them():
    assert {"quick-start.md", "operators/deployment.md", "operators/upgrades.md"} <= set(GUIDE)
    run = [e for examples in GUIDE.values() for e in examples if _skip_reason(e) is None]
    assert len(run) >= 20


def test_the_skip_list_is_still_needed():
    examples = [e for examples in GUIDE.values() for e in examples]
    for pattern, reason in SKIPPED:
        assert any(pattern.search(e.command) and e.expected_error is None for e in examples), (
            f"no example is skipped for {reason!r} any more: drop it from SKIPPED"
        )


def test_examples_are_read_as_a_reader_sees_them(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text(
        "Intro.\n\n"
        "<!-- guide-test: new-machine -->\n"
        "```console\n"
        "$ BATCHJUDGE_ENVIRONMENT=production batchjudge keys add alpha \\\n"
        "    --daily-quota 5\n"
        "Judge0 API key:     ← typed\n"
        "added Judge0 key 'alpha' (…abcd), 5 calls a day\n"
        "$ curl -s http://127.0.0.1:8000/\n"
        "$ printf x | .venv/bin/batchjudge keys list\n"
        "error: no\n"
        "```\n\n"
        "```sh\nbatchjudge doctor   # the sandbox\n# batchjudge languages\n```\n"
    )
    first, second, third = page_examples(tmp_path, page)
    assert first.command == (
        "BATCHJUDGE_ENVIRONMENT=production batchjudge keys add alpha --daily-quota 5"
    )
    assert (first.line, first.block, first.directive) == (5, 4, "new-machine")
    assert first.expected_error is None
    assert first.first_line == "added Judge0 key 'alpha' (…abcd), 5 calls a day"
    assert shows_line("added Judge0 key 'alpha' (…9f3a), 500 calls a day", first.first_line)
    assert not shows_line("added Judge0 key 'beta' (…9f3a), 500 calls a day", first.first_line)
    assert (second.command, second.expected_error) == (
        "printf x | .venv/bin/batchjudge keys list",
        "error: no",
    )
    assert (third.command, third.output, third.line) == (
        "batchjudge doctor   # the sandbox",
        (),
        15,
    )
