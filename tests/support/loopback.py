"""Small HTTP servers on 127.0.0.1 for tests: one that can stop and start again on the same
port, and a stand-in for Judge0 answering what the health probe asks."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from support.judge0_server import CONFIG_INFO, LANGUAGES_1_14


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 that can stop and start on the same port."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._handler = handler
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class Judge0ProbeHandler(BaseHTTPRequestHandler):
    """What a Judge0 CE answers to the requests that need no submission."""

    answers: dict[str, Any] = {  # noqa: RUF012 - read-only table
        "/about": {"version": "1.13.1", "homepage": "https://judge0.com"},
        "/config_info": CONFIG_INFO,
        "/languages": [{"id": lid, "name": name} for lid, name, *_ in LANGUAGES_1_14],
    }

    def do_GET(self) -> None:
        body = self.answers.get(self.path.split("?")[0])
        self._send(200 if body is not None else 404, body or {"error": "Not Found"})

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Judge0StandIn(LoopbackServer):
    """A Judge0 CE as the health probe sees it; `stop` and `start` take it down and up."""

    def __init__(self) -> None:
        super().__init__(Judge0ProbeHandler)
