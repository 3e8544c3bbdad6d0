"""The Judge0 wire contract (v1.13.x), shared by our Judge0 backend and our compatible API."""
