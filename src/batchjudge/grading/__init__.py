"""Backend-agnostic grading: plan executions, frame tests, split outputs, check answers."""
