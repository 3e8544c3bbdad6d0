"""The web UI: pages rendered on the server with Jinja2, and small scripts on top."""
