"""batchjudge: compile once, run many tests per sandbox execution."""

__version__ = "0.1.0"
