"""Loads language folders, validates them, and looks languages up by id, alias or extension."""

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from batchjudge.domain.errors import ConfigError, LanguageError
from batchjudge.languages.spec import LanguageSpec

_LANGUAGE_FILE = "language.toml"


@dataclass(frozen=True)
class LanguageBundle:
    """A language and the folder its driver and self-test files live in."""

    spec: LanguageSpec
    folder: Path
    root: Path

    def read(self, relative: str) -> bytes:
        """Read a file named in the language file, relative to its folder.

        Paths may reach sibling folders of the same root, so languages can share a driver.
        """
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ConfigError(f"{self.spec.id}: {relative!r} points outside {self.root}")
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{self.spec.id}: cannot read {relative!r}: {exc}") from exc

    def driver_sources(self) -> dict[str, bytes]:
        """The driver files, keyed by their name inside the box."""
        return {name: self.read(path) for name, path in self.spec.driver_files.items()}


def load_language_folder(folder: Path, root: Path) -> LanguageBundle:
    """Load and validate one language folder; `root` bounds the files it may name."""
    file = folder / _LANGUAGE_FILE
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        spec = LanguageSpec.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{file}: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigError(f"{file}: {where}: {first['msg']}") from exc
    bundle = LanguageBundle(spec=spec, folder=folder, root=root)
    prepared = list(spec.prepare.sources.values()) if spec.prepare else []
    for relative in [*spec.driver_files.values(), *prepared, spec.selftest.source]:
        bundle.read(relative)
    return bundle


class LanguageRegistry:
    """All languages known to this process, built-in and from extra folders."""

    def __init__(self, bundles: list[LanguageBundle]) -> None:
        self._by_id: dict[str, LanguageBundle] = {}
        self._by_key: dict[str, LanguageBundle] = {}
        for bundle in bundles:
            spec = bundle.spec
            if spec.id in self._by_id:
                raise ConfigError(f"language {spec.id!r} is defined twice")
            self._by_id[spec.id] = bundle
            keys = [spec.id, *spec.aliases]
            if spec.judge0_id is not None:
                keys.append(str(spec.judge0_id))
            for key in keys:
                self._by_key.setdefault(key.lower(), bundle)

    @classmethod
    def load(cls, extra_folders: list[Path] | None = None) -> "LanguageRegistry":
        """Load the built-in languages plus every language folder under `extra_folders`."""
        builtin = Path(str(resources.files("batchjudge.languages") / "builtin"))
        roots = [builtin, *(extra_folders or [])]
        bundles = [
            load_language_folder(folder, root)
            for root in roots
            for folder in sorted(root.iterdir())
            if (folder / _LANGUAGE_FILE).is_file()
        ]
        return cls(bundles)

    def ids(self) -> list[str]:
        """Language ids in a stable order."""
        return list(self._by_id)

    def bundles(self) -> list[LanguageBundle]:
        """Every language with its folder."""
        return list(self._by_id.values())

    def get(self, key: str) -> LanguageBundle:
        """Find a language by id, alias or Judge0 id."""
        bundle = self._by_key.get(key.strip().lower())
        if bundle is None:
            known = ", ".join(self._by_id)
            raise LanguageError(f"unknown language {key!r}; known: {known}")
        return bundle

    def for_file(self, path: Path) -> LanguageBundle:
        """Find the language a file's extension decides."""
        suffix = path.suffix.lower()
        matches = [b for b in self._by_id.values() if suffix in b.spec.extensions]
        if len(matches) != 1:
            raise LanguageError(
                f"cannot tell the language of {path.name} from its extension; pass --lang"
            )
        return matches[0]
