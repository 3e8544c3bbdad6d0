"""Unpacking uploads safely, and the content-addressed blob store."""

import io
import stat
import zipfile
from pathlib import Path

import pytest

from batchjudge.domain.errors import ProblemError, TooLargeError
from batchjudge.problems.archive import ArchiveLimits, extract_package, zip_folder
from batchjudge.storage.blobs import BlobNotFoundError, BlobStore

LIMITS = ArchiveLimits(max_bytes=4 << 20, max_files=50, max_ratio=50)


def make_zip(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


PACKAGE = {
    "problem.yaml": b"name: tiny\n",
    "data/sample/1.in": b"1\n",
    "data/sample/1.ans": b"1\n",
}


def test_a_package_unpacks_at_its_root(tmp_path: Path):
    root = extract_package(make_zip(PACKAGE), tmp_path, "tiny.zip", LIMITS)
    assert root == tmp_path
    assert (root / "data" / "sample" / "1.in").read_bytes() == b"1\n"


def test_a_package_wrapped_in_one_folder_unpacks_at_that_folder(tmp_path: Path):
    wrapped = {f"tiny/{name}": data for name, data in PACKAGE.items()}
    root = extract_package(make_zip(wrapped), tmp_path, "tiny.zip", LIMITS)
    assert root == tmp_path / "tiny"
    assert (root / "problem.yaml").exists()


@pytest.mark.parametrize(
    "name", ["../evil.txt", "data/../../evil.txt", "/etc/evil", "..\\evil.txt", "C:/evil"]
)
def test_entries_leaving_the_package_are_refused(tmp_path: Path, name: str):
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(ProblemError, match="points outside the package"):
        extract_package(make_zip({**PACKAGE, name: b"x"}), dest, "evil.zip", LIMITS)
    assert not (tmp_path / "evil.txt").exists()


def test_symbolic_links_are_refused(tmp_path: Path):
    archive = make_zip(PACKAGE, symlinks={"data/secret/1.ans": "/etc/shadow"})
    with pytest.raises(ProblemError, match="symbolic link"):
        extract_package(archive, tmp_path, "link.zip", LIMITS)


def test_a_symbolic_link_folder_cannot_carry_files_outside(tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    archive = make_zip({"tiny/data/secret/1.in": b"1\n"}, symlinks={"tiny/data": str(outside)})
    # The link entry comes last in make_zip; put it first, as an attacker would.
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in sorted(source.infolist(), key=lambda i: i.filename != "tiny/data"):
            out.writestr(info, source.read(info))
    with pytest.raises(ProblemError, match=r"'tiny/data' is a symbolic link"):
        extract_package(buffer.getvalue(), dest, "link.zip", LIMITS)
    assert list(outside.iterdir()) == []
    assert not any(p.is_symlink() for p in dest.rglob("*"))


@pytest.mark.parametrize("name", ["", ".", "./"])
def test_entries_without_a_name_are_refused(tmp_path: Path, name: str):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("problem.yaml", b"name: x\n")
        archive.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(ProblemError, match="has no usable name"):
        extract_package(buffer.getvalue(), tmp_path, "blank.zip", LIMITS)


def test_a_name_given_twice_is_refused(tmp_path: Path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data/secret/1.ans", b"1\n")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("data/secret/1.ans", b"2\n")
    with pytest.raises(ProblemError, match=r"'data/secret/1.ans' appears twice"):
        extract_package(buffer.getvalue(), tmp_path, "twice.zip", LIMITS)


@pytest.mark.parametrize(
    "names",
    [("a", "a/"), ("a", "a/b"), ("a/", "a"), ("x" * 300 + "/b",)],
    ids=["file-then-folder", "file-then-child", "folder-then-file", "name-too-long"],
)
def test_entries_the_file_system_refuses_are_a_clear_error(tmp_path: Path, names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"" if name.endswith("/") else b"x")
    with pytest.raises(ProblemError, match=r"clash\.zip: cannot unpack") as refused:
        extract_package(buffer.getvalue(), tmp_path, "clash.zip", LIMITS)
    assert str(tmp_path) not in str(refused.value)


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path):
    bomb = make_zip({**PACKAGE, "data/secret/big.in": b"\0" * (3 << 20)})
    with pytest.raises(ProblemError, match="compressed suspiciously well"):
        extract_package(bomb, tmp_path, "bomb.zip", LIMITS)
    assert not (tmp_path / "data" / "secret" / "big.in").exists()


def test_too_much_data_or_too_many_files_are_refused(tmp_path: Path):
    many = {f"data/secret/{k}.in": b"1" for k in range(60)}
    with pytest.raises(TooLargeError, match="more than 50 files"):
        extract_package(make_zip(many), tmp_path, "many.zip", LIMITS)
    small = ArchiveLimits(max_bytes=1000, max_files=50, max_ratio=50)
    with pytest.raises(TooLargeError, match="unpacks to more than"):
        extract_package(make_zip({"a.in": bytes(range(256)) * 8}), tmp_path, "big.zip", small)


def test_something_that_is_not_a_zip_is_refused(tmp_path: Path):
    with pytest.raises(ProblemError, match=r"junk\.zip: not a zip archive"):
        extract_package(b"PK but not really", tmp_path, "junk.zip", LIMITS)


def test_blobs_are_stored_once_under_their_hash(tmp_path: Path):
    store = BlobStore(tmp_path / "blobs")
    first = store.put(b"hello")
    assert first == store.put(b"hello")
    assert store.get(first) == b"hello"
    assert store.path(first).relative_to(tmp_path / "blobs").parts == (first[:2], first[2:])
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files == [store.path(first)]


def test_a_missing_or_malformed_blob_is_a_clear_error(tmp_path: Path):
    store = BlobStore(tmp_path)
    with pytest.raises(BlobNotFoundError, match="missing"):
        store.get("0" * 64)
    with pytest.raises(BlobNotFoundError, match="not a blob hash"):
        store.get("../../etc/passwd")


def test_zip_folder_round_trips_a_package_without_its_submissions(tmp_path: Path):
    source = tmp_path / "source"
    for name, data in {**PACKAGE, "submissions/ok.py": b"print(1)\n"}.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    dest = tmp_path / "dest"
    dest.mkdir()
    root = extract_package(zip_folder(source), dest, "round.zip", LIMITS)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "data/sample/1.ans",
        "data/sample/1.in",
        "problem.yaml",
    ]
