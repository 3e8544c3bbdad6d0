"""The reduced mode without bubblewrap: run in the host folders themselves.

There are no mounts, so the in-box paths of a command (/box, /tmp, /work, read-only binds)
are rewritten to the host folders they stand for, and the drivers are told through
$BJ_TMP which scratch folder is theirs to empty.
"""

import re
from pathlib import Path

from batchjudge.execution.local.bwrap import BASE_ENV
from batchjudge.execution.local.request import SandboxRequest


def _mount_map(request: SandboxRequest, tmp_dir: Path) -> list[tuple[str, str]]:
    mounts = [("/box", str(request.box)), ("/tmp", str(tmp_dir))]
    if request.work is not None:
        mounts.append(("/work", str(request.work)))
    mounts += [(inside, str(host)) for host, inside in request.ro_binds]
    return sorted(mounts, key=lambda pair: len(pair[0]), reverse=True)


def _rewrite(text: str, mounts: list[tuple[str, str]]) -> str:
    for inside, host in mounts:
        # A path starts the argument, follows `=`, `:` or `,`, or follows a one-letter
        # flag such as -I; anything else (/usr/box, x/box, /boxer) is left alone.
        pattern = re.compile(rf"(?:^|(?<=[=:,])|(?<=^-[A-Za-z])){re.escape(inside)}(?=/|$)")
        text = pattern.sub(host.replace("\\", "\\\\"), text)
    return text


def direct_argv(request: SandboxRequest, tmp_dir: Path, memory_events: Path | None) -> list[str]:
    """Without bubblewrap there are no mounts: run in the host folders themselves, with the
    in-box paths of the command rewritten to them (the reduced mode `doctor` reports)."""
    mounts = _mount_map(request, tmp_dir)
    env = {**BASE_ENV, "HOME": str(tmp_dir), "TMPDIR": str(tmp_dir), "BJ_TMP": str(tmp_dir)}
    env.update(request.env)
    if memory_events is not None:
        env["BJ_MEMORY_EVENTS"] = str(memory_events)
    cwd = _rewrite(request.cwd, mounts)
    command = [_rewrite(arg, mounts) for arg in request.argv]
    assignments = [f"{name}={value}" for name, value in env.items()]
    return ["/usr/bin/env", "-i", "-C", cwd, *assignments, *command]
