"""The web UI's pages, one module per audience."""
