"""The services behind the Judge0-compatible API: requests, storage, grading, answers."""
