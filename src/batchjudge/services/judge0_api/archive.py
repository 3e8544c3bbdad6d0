"""The zip of a Judge0 multi-file program: unpacked safely, its scripts found."""

import io
import stat
import zipfile
from pathlib import PurePosixPath

from batchjudge.domain.errors import SubmissionError

#: Script names at the archive's root, preferred first (Judge0 master also takes `.sh`).
RUN_SCRIPTS = ("run", "run.sh")
COMPILE_SCRIPTS = ("compile", "compile.sh")


def unpack_archive(data: bytes, max_bytes: int) -> dict[str, bytes]:
    """The regular files of a zip by relative POSIX path (symbolic links are skipped).

    Raises:
        SubmissionError: not a zip, a path that leaves the archive, or more than
            `max_bytes` once unpacked.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SubmissionError("is not a valid zip archive") from exc
    if sum(info.file_size for info in entries) > max_bytes:
        raise SubmissionError(f"unpacks to more than {max_bytes >> 10} KB")
    files: dict[str, bytes] = {}
    with archive:
        for info in entries:
            if stat.S_ISLNK(info.external_attr >> 16):
                continue
            path = PurePosixPath(info.filename)
            if path.is_absolute() or ".." in path.parts or not path.parts:
                raise SubmissionError(f"holds a file outside the archive: {info.filename!r}")
            try:
                content = archive.read(info)
            except (zipfile.BadZipFile, ValueError, NotImplementedError, OSError) as exc:
                raise SubmissionError(f"cannot unpack {info.filename!r}: {exc}") from exc
            if len(content) > max_bytes:
                raise SubmissionError(f"unpacks to more than {max_bytes >> 10} KB")
            files[str(path)] = content
    return files


def script(files: dict[str, bytes], names: tuple[str, ...]) -> str | None:
    """The first of `names` the archive has at its root."""
    return next((name for name in names if name in files), None)
