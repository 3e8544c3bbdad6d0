"""ServerProfile: what one Judge0 server allows, read once from /config_info and /languages."""

from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from batchjudge.execution.judge0.client import Judge0Client
from batchjudge.execution.judge0.errors import Judge0Error
from batchjudge.execution.outcome import RemoteCall

#: Judge0's "Multi-file program": a zip with `compile` and `run` scripts, no source.
MULTI_FILE_LANGUAGE_ID = 89


class ServerConfig(BaseModel):
    """The `/config_info` keys we honour; a missing key takes Judge0 CE's default."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    enable_additional_files: bool = True
    enable_callbacks: bool = True
    enable_batched_submissions: bool = True
    max_submission_batch_size: int = Field(default=20, ge=1)
    max_cpu_time_limit: float = Field(default=15.0, gt=0)
    max_cpu_extra_time: float = Field(default=5.0, ge=0)
    max_wall_time_limit: float = Field(default=20.0, gt=0)
    max_memory_limit: int = Field(default=512000, gt=0)
    max_stack_limit: int = Field(default=128000, ge=0)
    max_max_processes_and_or_threads: int = Field(default=120, ge=1)
    max_max_file_size: int = Field(default=4096, gt=0)
    max_extract_size: int = Field(default=10240, gt=0)


class ServerLanguage(BaseModel):
    """One entry of `/languages`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    name: str


class LanguageDetails(BaseModel):
    """`/languages/{id}`: how the server compiles and runs the language."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: int
    name: str
    is_archived: bool = False
    compile_cmd: str | None = None
    run_cmd: str | None = None


_LANGUAGES = TypeAdapter(list[ServerLanguage])
_Model = TypeVar("_Model", bound=BaseModel)


@dataclass(frozen=True)
class ServerProfile:
    """A Judge0 server's limits and languages, as discovered."""

    config: ServerConfig
    languages: tuple[ServerLanguage, ...]
    multi_file: LanguageDetails


def parse_model(model: type[_Model], data: object, what: str, calls: list[RemoteCall]) -> _Model:
    """`data` as `model`, or Judge0Error naming `what` (never a crash on odd shapes)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Judge0Error(
            f"Judge0 answered {what} with an unexpected shape: {_first(exc)}", tuple(calls)
        ) from None


async def discover(client: Judge0Client, calls: list[RemoteCall]) -> ServerProfile:
    """Read the server's configuration and languages; refuse one without multi-file programs.

    Raises:
        Judge0Error: unexpected answers, or the server cannot run language 89 programs,
            which this backend requires.
    """
    answer = await client.request("GET", "/config_info", "discover", calls)
    config = parse_model(ServerConfig, answer, "/config_info", calls)
    listing = await client.request("GET", "/languages", "discover", calls)
    try:
        languages = tuple(_LANGUAGES.validate_python(listing))
    except ValidationError as exc:
        raise Judge0Error(
            f"Judge0 answered /languages with an unexpected shape: {_first(exc)}", tuple(calls)
        ) from None
    if not config.enable_additional_files or all(
        language.id != MULTI_FILE_LANGUAGE_ID for language in languages
    ):
        raise Judge0Error(
            "this Judge0 server does not run multi-file programs: language 89 with "
            "additional files (enable_additional_files) is required",
            tuple(calls),
        )
    multi_file = await fetch_language(client, MULTI_FILE_LANGUAGE_ID, calls)
    if multi_file.is_archived:
        raise Judge0Error(
            "Judge0 language 89 (multi-file program) is archived; it is required", tuple(calls)
        )
    return ServerProfile(config, languages, multi_file)


async def fetch_language(
    client: Judge0Client, language_id: int, calls: list[RemoteCall]
) -> LanguageDetails:
    """`GET /languages/{id}`, validated."""
    path = f"/languages/{language_id}"
    answer = await client.request("GET", path, "discover", calls)
    return parse_model(LanguageDetails, answer, path, calls)


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    return f"{where}: {error['msg']}"
