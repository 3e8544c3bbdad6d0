"""Finding our language among a Judge0 server's, by name and version, never by fixed id.

Ids differ between deployments (C++ is 54 on CE 1.13.1 and 105 on hosted CE 1.14), so
each language's `[judge0] match` regex picks candidates by name and the highest version
among them wins.
"""

import re
from collections.abc import Iterable

from batchjudge.execution.judge0.discovery import ServerLanguage
from batchjudge.execution.judge0.errors import Judge0Error
from batchjudge.languages.spec import LanguageSpec

_VERSION = re.compile(r"\d+(?:\.\d+)+")
_LISTED = 12


def version_of(name: str, start: int = 0) -> tuple[int, ...]:
    """The first dotted number (`3.14.0`) in `name` from `start` on (then anywhere), or ()."""
    found = _VERSION.search(name, start) or _VERSION.search(name)
    return tuple(int(part) for part in found.group().split(".")) if found else ()


def map_language(spec: LanguageSpec, languages: Iterable[ServerLanguage]) -> ServerLanguage:
    """The server language that runs `spec`: the highest version whose name matches.

    Raises:
        Judge0Error: the language has no `[judge0]` table, or nothing on the server matches.
    """
    if spec.judge0 is None:
        raise Judge0Error(f"language {spec.id} has no [judge0] table, so it cannot run on Judge0")
    pattern = re.compile(spec.judge0.match)
    candidates: list[tuple[tuple[int, ...], int, ServerLanguage]] = []
    names: list[str] = []
    for language in languages:
        names.append(language.name)
        found = pattern.search(language.name)
        if found is not None:
            # The match may reach into the version (a minimum version), so read it from
            # where the match starts.
            candidates.append((version_of(language.name, found.start()), language.id, language))
    if not candidates:
        shown = ", ".join(names[:_LISTED]) + (", ..." if len(names) > _LISTED else "")
        raise Judge0Error(
            f"no language on the Judge0 server matches {spec.id} "
            f"(judge0.match {spec.judge0.match!r}); the server offers: {shown or 'nothing'}"
        )
    return max(candidates, key=lambda candidate: candidate[:2])[2]
