"""How early an oversized request body is refused, on a real server over loopback.

Run with `.venv/bin/python benchmarks/body_limit.py`. It starts `batchjudge serve` on a
fresh data dir (SQLite) and, as a signed-in student, posts a 100 MiB submission body to
`POST /api/v1/submissions` over a raw socket, two ways:

- `declared`: with `Content-Length: 104857600`; the headers go, then the body in 64 KiB
  chunks until the answer arrives;
- `chunked`: `Transfer-Encoding: chunked`, 64 KiB chunks until the answer arrives.

For each: the status, the time to the answer, how much of the body the client had sent
when it came, and the server's resident memory before and after (VmRSS). What was sent
is an upper bound of what the server read: most of it sits in the kernel's loopback
socket buffers. Target: a 413 long before the 100 MiB are sent, and no growth in memory
beyond noise.
"""

import json
import select
import socket
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.browsing import running_site  # noqa: E402 - after the path

BODY_MIB = 100
CHUNK = b"x" * (64 << 10)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def post(port: int, token: str, chunked: bool) -> tuple[str, float, int]:
    """The status line, seconds to it, and body bytes sent before it came."""
    total = BODY_MIB << 20
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (
        f"POST /api/v1/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    )
    sent = 0
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(head.encode())
        while sent < total:
            readable, _, _ = select.select([conn], [], [], 0)
            if readable:
                break
            piece = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
            try:
                conn.sendall(piece)
            except OSError:
                break
            sent += len(CHUNK)
        answer = conn.recv(4096).decode("latin-1")
    return answer.split("\r\n", 1)[0], time.perf_counter() - started, sent


def main() -> None:
    with running_site() as site:
        assert site.server.process is not None
        pid = site.server.process.pid
        before = rss_kib(pid)
        results = {}
        for name, chunked in (("declared", False), ("chunked", True)):
            status, seconds, sent = post(site.server.port, site.tokens["sam"], chunked)
            results[name] = {
                "status": status,
                "answer_ms": round(seconds * 1000, 1),
                "body_sent_kib": sent >> 10,
            }
        results["server_rss_kib"] = {"before": before, "after": rss_kib(pid)}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
