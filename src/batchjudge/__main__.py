"""`python -m batchjudge` runs the CLI."""

from batchjudge.cli.app import main

main()
