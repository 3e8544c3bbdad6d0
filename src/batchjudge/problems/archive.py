"""Unpacking an uploaded problem package (a zip) without trusting anything in it."""

import stat
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath

from batchjudge.domain.errors import ProblemError, TooLargeError

_CHUNK = 1 << 16


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what an upload may unpack to.

    Attributes:
        max_bytes: total size of every file unpacked.
        max_files: number of entries.
        max_ratio: how much larger than its compressed size a big entry may be.
    """

    max_bytes: int = 512 << 20
    max_files: int = 20_000
    max_ratio: int = 200


def _safe_name(info: zipfile.ZipInfo, upload: str) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if not path.parts:  # "", "." or "./": nothing to name, and no parts to check below
        raise ProblemError(f"{upload}: an entry has no usable name ({info.filename!r})")
    if path.is_absolute() or ".." in path.parts or name.startswith("/") or ":" in path.parts[0]:
        raise ProblemError(f"{upload}: {info.filename!r} points outside the package")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ProblemError(f"{upload}: {info.filename!r} is a symbolic link")
    return path


def _check_sizes(infos: list[zipfile.ZipInfo], upload: str, limits: ArchiveLimits) -> None:
    if len(infos) > limits.max_files:
        raise TooLargeError(f"{upload}: more than {limits.max_files} files")
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_bytes:
        raise TooLargeError(
            f"{upload}: unpacks to more than {limits.max_bytes >> 20} MiB "
            f"({declared / (1 << 20):.1f} MiB)"
        )
    for info in infos:
        if info.file_size > (1 << 20) and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise ProblemError(f"{upload}: {info.filename!r} is compressed suspiciously well")


def extract_package(data: bytes, dest: Path, upload: str, limits: ArchiveLimits) -> Path:
    """Unpack the zip `data` into `dest` and return the package root inside it.

    The root is `dest` itself, or the single top-level folder when the archive wraps the
    package in one. Entry names that leave the package, symbolic links, and archives that
    unpack beyond `limits` are refused; sizes are enforced while writing too, since the
    headers may lie.

    Raises:
        ProblemError: naming the upload and the offending entry.
        TooLargeError: more entries or bytes than `limits` allow.
    """
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ProblemError(f"{upload}: not a zip archive ({exc})") from exc
    with archive:
        infos = archive.infolist()
        _check_sizes(infos, upload, limits)
        written = 0
        files: set[PurePosixPath] = set()
        for info in infos:
            relative = _safe_name(info, upload)
            target = dest.joinpath(*relative.parts)
            if not info.is_dir():
                # A second entry of the same name would silently replace the first, so what
                # a reviewer lists in the archive would not be what gets imported.
                if relative in files:
                    raise ProblemError(f"{upload}: {info.filename!r} appears twice")
                files.add(relative)
            try:
                # A file and a folder of the same name, or names past the file system's
                # limits, fail here: the upload's fault, so a ProblemError, not a crash.
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > limits.max_bytes:
                            raise TooLargeError(
                                f"{upload}: unpacks to more than {limits.max_bytes >> 20} MiB "
                                "(more than its headers declare)"
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                # strerror alone: the full error names our temporary folder.
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                raise ProblemError(f"{upload}: cannot unpack {info.filename!r}: {reason}") from exc
    return _package_root(dest)


def zip_folder(folder: Path, skip: tuple[str, ...] = ("submissions",)) -> bytes:
    """A problem package folder as a zip, leaving out folders named in `skip`."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not set(relative.parts) & set(skip):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


def _package_root(dest: Path) -> Path:
    if (dest / "problem.yaml").exists():
        return dest
    entries = [entry for entry in dest.iterdir() if entry.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return dest
