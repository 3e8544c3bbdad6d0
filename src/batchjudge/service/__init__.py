"""The grading service: the HTTP API, its state, and the durable grading queue."""
