"""`batchjudge keys add|list|retire|rotate-master` as operators run them."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from batchjudge.judge0.keys import KeyCipher

KEY_A = "rapidapi-0a1b2c3d4e5f6a7b8c9d-abcd"
KEY_B = "rapidapi-9f8e7d6c5b4a3f2e1d0c-wxyz"

Cli = Callable[..., subprocess.CompletedProcess[str]]


def _cli_for(data_dir: Path, database_url: str | None = None) -> Cli:
    env = {"PATH": "/usr/bin:/bin", "BATCHJUDGE_DATA_DIR": str(data_dir)}
    if database_url is not None:
        env["BATCHJUDGE_DATABASE_URL"] = database_url

    def run(*args: str, stdin: str = "", **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "batchjudge", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **extra_env},
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture
def cli(reachable_dir: Path) -> Cli:
    """The CLI on a fresh, upgraded SQLite database in its own data dir."""
    run = _cli_for(reachable_dir)
    assert run("db", "upgrade").returncode == 0
    return run


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def _no_key_in(*results: subprocess.CompletedProcess[str]) -> None:
    for result in results:
        for key in (KEY_A, KEY_B):
            assert key[:-4] not in result.stdout + result.stderr


def test_add_list_retire_and_rotate(database_url: str, reachable_dir: Path):
    cli = _cli_for(reachable_dir, database_url)
    assert cli("db", "upgrade").returncode == 0
    added = cli("keys", "add", "school-a", stdin=KEY_A + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added Judge0 key 'school-a' (…abcd), 100 calls a day\n"
    other = cli("keys", "add", "school-b", "--daily-quota", "500", stdin=KEY_B)
    assert other.returncode == 0, other.stderr
    table = cli("keys", "list")
    assert table.stdout.splitlines() == [
        "label     key    quota  used  left  exhausted until  retired",
        "school-a  …abcd    100     0   100  -                -",
        "school-b  …wxyz    500     0   500  -                -",
    ]
    retired = cli("keys", "retire", "school-b")
    assert retired.stdout == "retired Judge0 key 'school-b' (…wxyz)\n"
    rotated = cli("keys", "rotate-master")
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.startswith("1 Judge0 key re-encrypted under a new master key, now in")
    listed = cli("keys", "list", "--json")
    keys = {key["label"]: key for key in json.loads(listed.stdout)["keys"]}
    assert (keys["school-a"]["key"], keys["school-a"]["remaining"]) == ("…abcd", 100)
    assert (keys["school-b"]["retired"], keys["school-b"]["remaining"]) == (True, 0)
    assert set(keys["school-a"]) == {
        "label",
        "key",
        "daily_quota",
        "used_today",
        "remaining",
        "provider_remaining",
        "exhausted_until",
        "retired",
        "retired_at",
        "last_used_at",
        "created_at",
    }
    assert (reachable_dir / "master.key").stat().st_mode & 0o777 == 0o600
    _no_key_in(added, other, table, retired, rotated, listed)


def test_an_empty_pool_says_how_to_add(cli: Cli):
    assert (
        cli("keys", "list").stdout == "no Judge0 keys: add one with `batchjudge keys add LABEL`\n"
    )
    assert json.loads(cli("keys", "list", "--json").stdout) == {"keys": []}


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["keys", "add", "dup"], KEY_B, "error: a Judge0 key labelled 'dup' exists already"),
        (["keys", "add", "twin"], KEY_A, "error: this Judge0 key is stored already, labelled"),
        (["keys", "add", "x"], "", "error: no key on stdin"),
        (["keys", "add", "x"], "two words", "error: the Judge0 key must be one word"),
        (["keys", "add", "x"], "short", "error: the Judge0 key must have 8 to 512"),
        (["keys", "add", "bad label"], KEY_B, "error: the label 'bad label' must be"),
        (["keys", "add", "x", "--daily-quota", "0"], KEY_B, "error: Invalid value"),
        (["keys", "retire", "nope"], "", "error: there is no Judge0 key labelled 'nope'"),
        (["keys", "add"], KEY_B, "error: Missing argument 'label'"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(
    cli: Cli, args: list[str], stdin: str, expected: str
):
    assert cli("keys", "add", "dup", stdin=KEY_A).returncode == 0
    result = cli(*args, stdin=stdin)
    assert one_line_error(result).startswith(expected)
    _no_key_in(result)


def test_an_unusable_master_key_is_one_line(cli: Cli, reachable_dir: Path):
    assert cli("keys", "add", "a", stdin=KEY_A).returncode == 0
    key_file = reachable_dir / "master.key"
    key_file.chmod(0o644)
    readable = one_line_error(cli("keys", "add", "b", stdin=KEY_B))
    assert readable == (
        f"error: the master key file {key_file} is accessible to other users (mode 0644); "
        f"run `chmod 600 {key_file}`"
    )
    key_file.chmod(0o600)
    wrong = KeyCipher.new_master_key().decode()
    refused = cli("keys", "add", "b", stdin=KEY_B, BATCHJUDGE_MASTER_KEY=wrong)
    assert "does not decrypt the stored Judge0 keys" in one_line_error(refused)
    garbage = cli("keys", "add", "b", stdin=KEY_B, BATCHJUDGE_MASTER_KEY="not-a-key")
    assert one_line_error(garbage) == (
        "error: BATCHJUDGE_MASTER_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
    )


def test_keys_need_an_upgraded_database(reachable_dir: Path):
    result = _cli_for(reachable_dir)("keys", "list")
    assert "batchjudge db upgrade" in one_line_error(result)


def test_rotating_an_environment_key_prints_the_new_key_once(cli: Cli):
    old = KeyCipher.new_master_key().decode()
    assert cli("keys", "add", "a", stdin=KEY_A, BATCHJUDGE_MASTER_KEY=old).returncode == 0
    rotated = cli("keys", "rotate-master", BATCHJUDGE_MASTER_KEY=old)
    assert rotated.returncode == 0, rotated.stderr
    lines = rotated.stdout.splitlines()
    new = lines[3].strip()
    assert rotated.stdout.count(new) == 1
    assert old not in rotated.stdout
    assert "BATCHJUDGE_MASTER_KEY_PREVIOUS" in rotated.stdout
    assert lines[-1] == "1 Judge0 key re-encrypted under the new master key, and 0 sources sealed"
    with_new = cli("keys", "add", "b", stdin=KEY_B, BATCHJUDGE_MASTER_KEY=new)
    assert with_new.returncode == 0, with_new.stderr
    with_old = cli("keys", "add", "c", stdin="third-key-000111", BATCHJUDGE_MASTER_KEY=old)
    assert "does not decrypt" in one_line_error(with_old)
    _no_key_in(rotated, with_new, with_old)
