"""How a grade report looks on a terminal and as JSON."""

import json
from typing import Any

from batchjudge.domain.reports import GradeReport


def report_json(report: GradeReport) -> dict[str, Any]:
    """The `--json` object: one per grading, stable field names."""
    return {
        "verdict": report.verdict.value,
        "language": report.language,
        "style": report.style.value,
        "mode": report.mode.value,
        "executions": report.run_executions,
        "validator_executions": report.validator_executions,
        "compile": {
            "ok": report.compile.ok,
            "time_s": round(report.compile.time_s, 3),
            "output": report.compile.output,
            "cached": report.compile.cached,
        },
        "tests": [
            {
                "name": test.name,
                "verdict": test.verdict.value,
                "time_s": round(test.time_s, 3),
                "memory_kb": test.memory_kb,
                **({"message": test.message} if test.message else {}),
            }
            for test in report.tests
        ],
        "wall_time_s": round(report.wall_time_s, 3),
        **({"message": report.message} if report.message else {}),
    }


def report_text(report: GradeReport) -> str:
    """A readable table of the report."""
    lines = [
        f"verdict {report.verdict.value}   language {report.language}   style "
        f"{report.style.value}   mode {report.mode.value}",
        f"compile {'ok' if report.compile.ok else 'FAILED'}"
        f" ({'cached' if report.compile.cached else f'{report.compile.time_s:.2f} s'})"
        f"   run executions {report.run_executions}"
        f"   validator executions {report.validator_executions}"
        f"   wall {report.wall_time_s:.2f} s",
    ]
    if report.compile.output.strip():
        lines += ["", report.compile.output.rstrip()]
    if report.message:
        lines += ["", report.message]
    if report.tests:
        width = max(len(t.name) for t in report.tests)
        lines += ["", f"{'test':<{width}}  verdict  time(s)  memory(KiB)  note"]
        for t in report.tests:
            note = t.message.splitlines()[0][:60] if t.message else ""
            lines.append(
                f"{t.name:<{width}}  {t.verdict.value:<7}  {t.time_s:7.3f}  "
                f"{t.memory_kb:11d}  {note}".rstrip()
            )
    return "\n".join(lines)


def dumps(data: dict[str, Any]) -> str:
    """Serialise one JSON object on one line."""
    return json.dumps(data, ensure_ascii=False)
