"""The filters of "My submissions" as query parameters: parsed leniently (a bad value is
ignored and named in a note, never an error page) and written back into links."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from batchjudge.db.submissions import SubmissionStatus
from batchjudge.domain.verdicts import Verdict
from batchjudge.service.ids import MAX_ID
from batchjudge.web.my_submissions import SubmissionFilters


@dataclass(frozen=True)
class ParsedFilters:
    """The filters that apply, the page's keyset position, and notes on ignored values."""

    filters: SubmissionFilters
    before: int | None
    notes: list[str] = field(default_factory=list)

    @property
    def is_filtered(self) -> bool:
        return self.filters != SubmissionFilters()


def _id(text: str) -> int | None:
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        return None
    return int(value)


def parse_filters(
    problem: str, verdict: str, language: str, status: str, before: str, languages: list[str]
) -> ParsedFilters:
    """The query's filters; each unknown value is left out with a note saying so."""
    notes = []
    problem_id = _id(problem) if problem else None
    if problem and problem_id is None:
        notes.append(f"There is no problem {problem!r}; showing every problem.")
    if verdict and verdict not in set(Verdict):
        notes.append(f"There is no verdict {verdict!r}; showing every verdict.")
        verdict = ""
    if language and language not in languages:
        notes.append(f"There is no language {language!r}; showing every language.")
        language = ""
    if status and status not in set(SubmissionStatus):
        notes.append(f"There is no status {status!r}; showing every status.")
        status = ""
    before_id = _id(before) if before else None
    filters = SubmissionFilters(problem_id, verdict or None, language or None, status or None)
    return ParsedFilters(filters, before_id, notes)


def query_string(filters: SubmissionFilters, before: int | None = None) -> str:
    """The query that shows `filters` (and the page before `before`)."""
    pairs = {
        "problem": filters.problem_id,
        "verdict": filters.verdict,
        "language": filters.language,
        "status": filters.status,
        "before": before,
    }
    return urlencode({key: value for key, value in pairs.items() if value is not None})
