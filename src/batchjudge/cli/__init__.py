"""The `batchjudge` command line."""
