"""Languages are data files plus driver files; code here only loads and renders them."""

from batchjudge.languages.registry import LanguageRegistry
from batchjudge.languages.spec import LanguageSpec

__all__ = ["LanguageRegistry", "LanguageSpec"]
