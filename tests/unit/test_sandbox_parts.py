"""Pure parts of the local sandbox: the bubblewrap command line, path rewriting for the
reduced mode, the strength report and cgroup slot bookkeeping (over plain files)."""

from pathlib import Path

import pytest

from batchjudge.domain.errors import SandboxError
from batchjudge.execution.limits import ResourceLimits
from batchjudge.execution.local.bwrap import MEMORY_EVENTS_MOUNT, bwrap_argv
from batchjudge.execution.local.cgroup_v1 import V1Slot
from batchjudge.execution.local.cgroups import CgroupLayout, detect_layout
from batchjudge.execution.local.direct import direct_argv
from batchjudge.execution.local.request import SandboxRequest
from batchjudge.execution.local.strength import SandboxStrength

LIMITS = ResourceLimits(cpu_time_s=1, wall_time_s=2, memory_mb=64, tmp_mb=16)


def request(**overrides: object) -> SandboxRequest:
    fields: dict[str, object] = {
        "argv": ["./prog", "-I/prep", "/box/data"],
        "box": Path("/srv/box"),
        "limits": LIMITS,
        "ro_binds": [(Path("/srv/pch"), "/prep")],
    }
    fields.update(overrides)
    return SandboxRequest(**fields)  # type: ignore[arg-type]


def test_bwrap_remounts_root_read_only_after_every_mount_and_ends_with_the_command():
    argv = bwrap_argv(Path("/usr/bin/bwrap"), request(), seccomp_fd=9, memory_events=None)
    assert argv[-3:] == ["./prog", "-I/prep", "/box/data"]
    last_mount = max(
        i for i, a in enumerate(argv) if a in ("--bind", "--ro-bind", "--tmpfs", "--proc", "--dev")
    )
    assert argv.index("/") > last_mount
    assert argv[argv.index("/") - 1] == "--remount-ro"
    for flag in ("--unshare-all", "--unshare-user", "--disable-userns", "--clearenv"):
        assert flag in argv
    assert argv[argv.index("--seccomp") + 1] == "9"
    box = argv.index("/srv/box")
    assert argv[box - 1] == "--ro-bind"
    assert argv[box + 1] == "/box"
    tmp = argv.index("/tmp", argv.index("--tmpfs") - 3)
    assert argv[tmp - 3 : tmp] == ["--size", str(16 << 20), "--tmpfs"]


def test_bwrap_binds_a_writable_box_and_the_memory_events_file():
    argv = bwrap_argv(
        Path("/usr/bin/bwrap"),
        request(box_writable=True, env={"X": "1"}),
        seccomp_fd=None,
        memory_events=Path("/sys/fs/cgroup/memory/slot0/memory.oom_control"),
    )
    assert argv[argv.index("/srv/box") - 1] == "--bind"
    assert "--seccomp" not in argv
    events = argv.index("/sys/fs/cgroup/memory/slot0/memory.oom_control")
    assert argv[events + 1] == MEMORY_EVENTS_MOUNT
    joined = " ".join(argv)
    assert f"--setenv BJ_MEMORY_EVENTS {MEMORY_EVENTS_MOUNT}" in joined
    assert "--setenv X 1" in joined


def test_reduced_mode_rewrites_in_box_paths_to_host_folders():
    argv = direct_argv(request(), Path("/srv/tmp1"), memory_events=Path("/cg/events"))
    assert argv[:4] == ["/usr/bin/env", "-i", "-C", "/srv/box"]
    assert argv[-3:] == ["./prog", "-I/srv/pch", "/srv/box/data"]
    assert "BJ_TMP=/srv/tmp1" in argv
    assert "BJ_MEMORY_EVENTS=/cg/events" in argv


def test_reduced_mode_leaves_look_alike_paths_alone():
    argv = direct_argv(
        request(argv=["/boxer", "/usr/box", "x/box"]), Path("/t"), memory_events=None
    )
    assert argv[-3:] == ["/boxer", "/usr/box", "x/box"]


def test_strength_report_names_every_gap():
    weak = SandboxStrength(
        bwrap=None,
        uid_drop=False,
        cgroups=None,
        cgroup_note="needs root",
        seccomp=False,
        gaps=["not running as root", "bubblewrap is not installed"],
    )
    text = weak.describe()
    assert not weak.full
    assert text.startswith("sandbox: REDUCED isolation")
    assert "missing: not running as root" in text
    assert "missing: bubblewrap is not installed" in text


def fake_v1(root: Path) -> dict[str, Path]:
    dirs = {c: root / c / "slot0" for c in ("pids", "memory", "cpuacct")}
    for folder in dirs.values():
        folder.mkdir(parents=True)
        (folder / "cgroup.procs").write_text("")
    memory = dirs["memory"]
    (memory / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    (memory / "memory.memsw.limit_in_bytes").write_text("9223372036854771712\n")
    (memory / "memory.max_usage_in_bytes").write_text("5000\n")
    (memory / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 4\n")
    (dirs["cpuacct"] / "cpuacct.usage").write_text("123\n")
    (dirs["pids"] / "pids.max").write_text("max\n")
    return dirs


def test_v1_slot_sets_limits_and_counts_oom_kills_since_prepare(tmp_path: Path):
    dirs = fake_v1(tmp_path)
    slot = V1Slot(dirs)
    slot.prepare(memory_bytes=64 << 20, pids=20)
    assert (dirs["pids"] / "pids.max").read_text() == "20"
    assert (dirs["memory"] / "memory.limit_in_bytes").read_text() == str(64 << 20)
    assert (dirs["memory"] / "memory.memsw.limit_in_bytes").read_text() == str(64 << 20)
    assert (dirs["cpuacct"] / "cpuacct.usage").read_text() == "0"
    assert slot.usage().oom_killed is False
    (dirs["memory"] / "memory.oom_control").write_text("oom_kill 5\n")
    (dirs["memory"] / "memory.max_usage_in_bytes").write_text(str(70 << 20))
    (dirs["cpuacct"] / "cpuacct.usage").write_text("1500000000")
    usage = slot.usage()
    assert usage.oom_killed is True
    assert usage.peak_memory_kb == 70 << 10
    assert usage.cpu_time_s == pytest.approx(1.5)
    assert slot.procs_files == [d / "cgroup.procs" for d in dirs.values()]


def test_v1_layout_gives_each_owner_its_own_slots(tmp_path: Path):
    layout = CgroupLayout(1, {c: tmp_path / c / "batchjudge" for c in ("pids", "memory")})
    first = layout.slot("bj-1-a", 0)
    assert isinstance(first, V1Slot)
    assert first.procs_files[0] == tmp_path / "pids" / "batchjudge" / "bj-1-a" / "slot0" / (
        "cgroup.procs"
    )
    assert [p.name for p in layout.owners()] == ["bj-1-a"]
    layout.remove_owner("bj-1-a")
    assert layout.owners() == []


def test_missing_controllers_are_reported_not_raised(tmp_path: Path):
    (tmp_path / "pids").mkdir()
    layout, note = detect_layout(tmp_path)
    assert layout is None
    assert "memory" in note


def test_a_limit_that_cannot_be_written_is_a_sandbox_error(tmp_path: Path):
    dirs = fake_v1(tmp_path)
    slot = V1Slot(dirs)
    (dirs["pids"] / "pids.max").unlink()
    (dirs["pids"] / "pids.max").mkdir()
    with pytest.raises(SandboxError, match=r"pids\.max"):
        slot.prepare(memory_bytes=1 << 20, pids=4)
