"""Monitoring: figures from the database, health, Prometheus, captured errors, alerts."""
