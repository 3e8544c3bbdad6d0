"""Settings from BATCHJUDGE_* environment variables and an optional TOML file
(`BATCHJUDGE_CONFIG`); the only reader of the environment."""

import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from batchjudge.domain.errors import ConfigError

#: The placeholder secret key; production refuses to start with it.
DEFAULT_SECRET_KEY = "change-me"


class Environment(StrEnum):
    """Where the service runs."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class OptimizationMode(StrEnum):
    """Who picks multi or single for a submission."""

    AUTO = "auto"
    MANUAL = "manual"


class BackendKind(StrEnum):
    """Where submissions are executed."""

    LOCAL = "local"
    JUDGE0 = "judge0"


class Judge0Auth(StrEnum):
    """How the Judge0 backend authenticates to its server."""

    NONE = "none"
    TOKEN = "token"  # self-hosted: X-Auth-Token
    RAPIDAPI = "rapidapi"  # X-RapidAPI-Key and X-RapidAPI-Host


class Judge0Fallback(StrEnum):
    """What happens when the Judge0 server is down or every key's quota is spent."""

    LOCAL = "local"  # grade on the local sandbox instead
    WAIT = "wait"  # keep the submission queued and try again later


class LogFormat(StrEnum):
    """How log lines are written."""

    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    """Configuration of one batchjudge process.

    Attributes:
        data_dir: holds caches and sandbox state (`BATCHJUDGE_DATA_DIR`).
        sandbox_slots: executions that may run at once, each with its own uid and cgroups.
        sandbox_uid_base: slot k runs as uid `sandbox_uid_base + k`.
        allow_reduced_sandbox: run even when full isolation is not available; unset means
            yes in development and no in production.
        compile_cache_mb: size bound of the compiled-program cache.
        multi_test_enabled: site-wide switch for multi-test executions.
        max_tests_per_execution: cap on tests per execution in multi mode (0: no cap).
        extra_language_dirs: folders with more language definitions.
        database_url: SQLAlchemy URL of the database; unset means a SQLite file in the
            data dir.
        max_source_bytes: largest source a submission may have.
        max_upload_mb: largest problem package (zip) an upload may have.
        max_queue_length: queued submissions beyond which new ones get 503.
        environment: `production` turns unsafe defaults into start-up errors.
        secret_key: signs web sessions; must be changed in production.
        default_optimization_mode: `auto` lets the service pick multi or single for
            every submission; `manual` honours the mode each submission asks for.
        backend: `local` runs submissions in the embedded sandbox, `judge0` on a Judge0
            server at `judge0_url`.
        judge0_url: base URL of the Judge0 server (`https://judge0-ce.p.rapidapi.com`,
            `http://host:2358`, or another batchjudge's `/judge0`).
        judge0_auth: `none`, `token` (X-Auth-Token) or `rapidapi`; the secrets come from
            the key pool (`batchjudge keys add`).
        judge0_rapidapi_host: X-RapidAPI-Host; empty means the host of `judge0_url`.
        judge0_fallback: `local` or `wait`, when Judge0 is down or out of quota.
        judge0_retry_after_s: how long `wait` keeps a submission queued before retrying.
        judge0_timeout_s: seconds one HTTP request to Judge0 may take.
        judge0_max_retries: retries of a request that failed with 5xx or a timeout.
        public_base_url: this server's address as Judge0 can reach it; when set, the
            Judge0 backend asks for callbacks instead of polling.
        master_key: Fernet key that encrypts stored Judge0 keys (`BATCHJUDGE_MASTER_KEY`);
            unset means the key file.
        master_key_file: where the master key is kept when `master_key` is unset; empty
            means `<data_dir>/master.key`, created (0600) on first use.
        master_key_previous: older master keys, separated by commas or spaces, that may
            still decrypt stored keys during a rotation (`BATCHJUDGE_MASTER_KEY_PREVIOUS`).
        judge0_api_auth: the Judge0-compatible API at `/judge0` needs an X-Auth-Token
            (one of our API tokens); off lets anyone use it.
        log_format: `text` for people, `json` (one object a line) for log collectors.
        price_per_remote_call: what one billed remote call costs (any currency), for the
            estimated savings in the efficiency figures.
        figure_process: compute the monitoring figures in a child process, so that a
            recomputation never delays the server's answers; off computes them in a
            server thread.
        alert_webhooks: URLs that receive every alert change as a JSON POST.
        alert_interval_s: how often the alert rules are evaluated.
        alert_rules: overrides of the default alert rules, by rule name (see the docs).
        redis_url: Redis that keeps the rate-limit counters (`redis://host:6379/0`), shared
            by every server process; unset keeps them in each process's memory.
        rate_limit_submissions: submissions one user may make, in the `limits` notation
            (`10/minute`, `100/hour`; several separated by `;`).
        rate_limit_staff_submissions: the same for teachers and admins, whose accounts
            also serve integrations (an LMS, or another batchjudge using this one as its
            Judge0) that submit for many people.
        rate_limit_anonymous: requests one IP address may make to the routes that need no
            sign-in (signing in, the Judge0 API when open), in the same notation.
        rate_limit_prefix: what the rate-limit counters' keys start with, so several
            services (or tests) can share one Redis.
        max_tests_per_problem: most tests a problem package may hold.
        max_unpacked_mb: most a problem package may unpack to.
        validator_timeout_s: wall time a custom output validator may take per test.
        max_sse_per_user: live result streams one user may hold open at once.
        abuse_violation_limit: sandbox violations (fork bombs, memory hogs, refused system
            calls) within `abuse_window_s` that flag a user.
        abuse_flood_limit: rate-limit refusals within `abuse_window_s` that flag a user.
        abuse_window_s: how far back the abuse signals are counted.
        abuse_block_s: how long a flag blocks the user's submissions.
        queue_url: where grading jobs wait: unset means a SQLite file in the data dir (one
            machine); `redis://host:port/db` means Redis, shared by API replicas and
            workers on several machines.
        queue_name: what the job queues' names start with (`<name>-<language>`), so
            several deployments (or tests) can share one Redis.
        blob_dir: the folder holding problem packages and test data; unset means
            `<data_dir>/blobs`. With several machines it must be one shared folder.
        worker_heartbeat_s: how often a grading process records that it is alive, and
            looks for jobs a dead one left behind.
        worker_timeout_s: a grading process silent for this long is dead; its jobs in
            flight are queued again for another.
        worker_shutdown_grace_s: on SIGTERM, how long a worker waits for its jobs in
            flight before it hands them back to the queue.
    """

    model_config = SettingsConfigDict(env_prefix="BATCHJUDGE_", env_nested_delimiter="__")

    data_dir: Path = Path("var")
    sandbox_slots: int = Field(default=2, ge=1, le=64)
    sandbox_uid_base: int = Field(default=61000, ge=1000)
    allow_reduced_sandbox: bool | None = None
    compile_cache_mb: int = Field(default=2048, ge=16)
    multi_test_enabled: bool = True
    max_tests_per_execution: int = Field(default=0, ge=0)
    extra_language_dirs: list[Path] = Field(default_factory=list)
    database_url: str | None = None
    max_source_bytes: int = Field(default=64 << 10, ge=1)
    max_upload_mb: int = Field(default=64, ge=1)
    max_queue_length: int = Field(default=1000, ge=1)
    environment: Environment = Environment.DEVELOPMENT
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    default_optimization_mode: OptimizationMode = OptimizationMode.AUTO
    backend: BackendKind = BackendKind.LOCAL
    judge0_url: str = ""
    judge0_auth: Judge0Auth = Judge0Auth.NONE
    judge0_rapidapi_host: str = ""
    judge0_fallback: Judge0Fallback = Judge0Fallback.WAIT
    judge0_retry_after_s: float = Field(default=60.0, gt=0)
    judge0_timeout_s: float = Field(default=10.0, gt=0)
    judge0_max_retries: int = Field(default=3, ge=0, le=10)
    public_base_url: str = ""
    master_key: SecretStr | None = None
    master_key_file: Path | None = None
    master_key_previous: SecretStr | None = None
    judge0_api_auth: bool = True
    log_format: LogFormat = LogFormat.TEXT
    price_per_remote_call: float = Field(default=0.0, ge=0)
    figure_process: bool = True
    alert_webhooks: list[str] = Field(default_factory=list)
    alert_interval_s: float = Field(default=30.0, gt=0)
    alert_rules: dict[str, dict[str, float | str | bool]] = Field(default_factory=dict)
    redis_url: str | None = None
    rate_limit_submissions: str = "10/minute"
    rate_limit_staff_submissions: str = "600/minute"
    rate_limit_anonymous: str = "60/minute"
    rate_limit_prefix: str = Field(default="batchjudge", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    max_tests_per_problem: int = Field(default=2000, ge=1)
    max_unpacked_mb: int = Field(default=512, ge=1)
    validator_timeout_s: float = Field(default=30.0, gt=0)
    max_sse_per_user: int = Field(default=5, ge=1)
    abuse_violation_limit: int = Field(default=10, ge=1)
    abuse_flood_limit: int = Field(default=10, ge=1)
    abuse_window_s: float = Field(default=600.0, gt=0)
    abuse_block_s: float = Field(default=900.0, gt=0)
    queue_url: str | None = Field(default=None, pattern=r"^(rediss?|unix)://")
    queue_name: str = Field(default="batchjudge", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    blob_dir: Path | None = None
    worker_heartbeat_s: float = Field(default=2.0, gt=0)
    worker_timeout_s: float = Field(default=15.0, gt=0)
    worker_shutdown_grace_s: float = Field(default=30.0, ge=0)

    def blob_root(self, data_dir: Path) -> Path:
        """Where problem packages and test data are kept: `blob_dir`, else
        `<data_dir>/blobs`."""
        return self.blob_dir if self.blob_dir is not None else data_dir / "blobs"

    @property
    def reduced_sandbox_allowed(self) -> bool:
        """Whether a sandbox without full isolation may run graded code."""
        if self.allow_reduced_sandbox is not None:
            return self.allow_reduced_sandbox
        return self.environment is not Environment.PRODUCTION


def _with_file(path: Path) -> type[Settings]:
    class FileSettings(Settings):
        """Settings whose unset values come from a TOML file (environment first)."""

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003 - pydantic's signature
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            toml = TomlConfigSettingsSource(settings_cls, toml_file=path)
            return (init_settings, env_settings, toml, file_secret_settings)

    return FileSettings


def load_settings() -> Settings:
    """Read settings from the environment and the TOML file `BATCHJUDGE_CONFIG` names;
    a bad value is a ConfigError naming the variable."""
    config = os.environ.get("BATCHJUDGE_CONFIG")
    factory: type[Settings] = Settings
    if config:
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"BATCHJUDGE_CONFIG: {path} is not a file")
        factory = _with_file(path)
    try:
        return factory()
    except ValidationError as exc:
        problems = "; ".join(
            f"BATCHJUDGE_{'_'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from None
