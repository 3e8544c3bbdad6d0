"""The configuration our Judge0-compatible API enforces and reports as `/config_info`.

Defaults are Judge0 CE 1.13.1's. The maxima are wider where our own toolchains need it
(a JVM wants more than 512 MB, a multi-test batch more than 15 s); features we do not
offer are reported off, so a client can tell before it asks.
"""

from dataclasses import asdict, dataclass

#: The version `/about` reports: the SDK's language-alias table is keyed on it.
JUDGE0_VERSION = "1.13.1"
#: Multi-file programs: a zip with `run` (and maybe `compile`) scripts, no source code.
MULTI_FILE_LANGUAGE_ID = 89
#: The job queue of multi-file programs, which need every toolchain at once.
MULTI_FILE_QUEUE = "judge0_multi_file"


@dataclass(frozen=True)
class Judge0Config:
    """Every key of Judge0's `config_info`, with its JSON type (floats stay floats)."""

    maintenance_mode: bool = False
    enable_wait_result: bool = True
    enable_compiler_options: bool = False
    allowed_languages_for_compile_options: tuple[str, ...] = ()
    enable_command_line_arguments: bool = False
    enable_submission_delete: bool = False
    enable_callbacks: bool = True
    callbacks_max_tries: int = 3
    callbacks_timeout: float = 5.0
    enable_additional_files: bool = True
    max_queue_size: int = 100
    cpu_time_limit: float = 5.0
    max_cpu_time_limit: float = 60.0
    cpu_extra_time: float = 1.0
    max_cpu_extra_time: float = 5.0
    wall_time_limit: float = 10.0
    max_wall_time_limit: float = 120.0
    memory_limit: int = 128000
    max_memory_limit: int = 2048000
    stack_limit: int = 64000
    max_stack_limit: int = 128000
    max_processes_and_or_threads: int = 60
    max_max_processes_and_or_threads: int = 256
    enable_per_process_and_thread_time_limit: bool = False
    allow_enable_per_process_and_thread_time_limit: bool = False
    enable_per_process_and_thread_memory_limit: bool = False
    allow_enable_per_process_and_thread_memory_limit: bool = False
    max_file_size: int = 1024
    max_max_file_size: int = 65536
    number_of_runs: int = 1
    max_number_of_runs: int = 20
    redirect_stderr_to_stdout: bool = False
    max_extract_size: int = 10240
    enable_batched_submissions: bool = True
    max_submission_batch_size: int = 20
    submission_cache_duration: float = 0.0
    use_docs_as_homepage: bool = False
    allow_enable_network: bool = False
    enable_network: bool = False
    disable_implicit_base64_encoding: bool = True

    def as_info(self) -> dict[str, object]:
        """The `/config_info` body."""
        info = asdict(self)
        info["allowed_languages_for_compile_options"] = list(
            self.allowed_languages_for_compile_options
        )
        return info


def judge0_config(max_queue_length: int) -> Judge0Config:
    """Our configuration; the queue bound is the service's `max_queue_length`."""
    return Judge0Config(max_queue_size=max_queue_length)
