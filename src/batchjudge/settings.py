"""Settings read from BATCHJUDGE_* environment variables; the only reader of the environment."""

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from batchjudge.domain.errors import ConfigError


class Settings(BaseSettings):
    """Configuration of one batchjudge process.

    Attributes:
        data_dir: holds caches and sandbox state (`BATCHJUDGE_DATA_DIR`).
        sandbox_slots: executions that may run at once, each with its own uid and cgroups.
        sandbox_uid_base: slot k runs as uid `sandbox_uid_base + k`.
        allow_reduced_sandbox: run even when full isolation is not available.
        compile_cache_mb: size bound of the compiled-program cache.
        multi_test_enabled: site-wide switch for multi-test executions.
        max_tests_per_execution: cap on tests per execution in multi mode (0: no cap).
        extra_language_dirs: folders with more language definitions.
        database_url: SQLAlchemy URL of the database; unset means a SQLite file in the
            data dir.
        max_source_bytes: largest source a submission may have.
        max_upload_mb: largest problem package (zip) an upload may have.
        max_queue_length: queued submissions beyond which new ones get 503.
    """

    model_config = SettingsConfigDict(env_prefix="BATCHJUDGE_", env_nested_delimiter="__")

    data_dir: Path = Path("var")
    sandbox_slots: int = Field(default=2, ge=1, le=64)
    sandbox_uid_base: int = Field(default=61000, ge=1000)
    allow_reduced_sandbox: bool = True
    compile_cache_mb: int = Field(default=2048, ge=16)
    multi_test_enabled: bool = True
    max_tests_per_execution: int = Field(default=0, ge=0)
    extra_language_dirs: list[Path] = Field(default_factory=list)
    database_url: str | None = None
    max_source_bytes: int = Field(default=64 << 10, ge=1)
    max_upload_mb: int = Field(default=64, ge=1)
    max_queue_length: int = Field(default=1000, ge=1)


def load_settings() -> Settings:
    """Read settings from the environment; a bad value is a ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"BATCHJUDGE_{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from None
