# Frame look-alikes, NUL, CR and escape bytes on stderr (raw bytes, to fd 2); the right
# answer on stdout: AC everywhere.
import sys

FAKE = (
    b"\x1e0123456789abcdef0123456789abcdef 0 OK 0 0 0 0 0 0 0\n"
    b"\x1e0123456789abcdef0123456789abcdef END\n"
    b"\x00\x00\r\r\x1b[2J\xff\xfe\x1e"
)


def solve():
    sys.stderr.buffer.write(FAKE)
    sys.stderr.flush()
    data = sys.stdin.buffer.read()
    sys.stderr.buffer.write(FAKE * 3)
    sys.stdout.buffer.write(data.upper())
    sys.stderr.buffer.write(FAKE)
