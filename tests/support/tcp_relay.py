"""A TCP relay for tests: listens on given addresses and forwards every connection to a
target, byte for byte, both ways.

PostgreSQL and Redis listen on 127.0.0.1 of the root network namespace, which a process
in another namespace cannot reach; a relay listening on the root side of that namespace's
veth pair lets it. One asyncio loop in a thread of its own carries every connection.
"""

import asyncio
import contextlib
import threading
from collections.abc import Iterable

_CHUNK = 1 << 16

Address = tuple[str, int]


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until the reading side ends, then end the writing side (a half close, which
    the protocols relayed here never rely on, but which costs nothing to keep)."""
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


class TcpRelay:
    """Forward each `(listen, target)` pair until `close()`.

    >>> relay = TcpRelay([(("10.213.1.1", 5432), ("127.0.0.1", 5432))])
    >>> relay.close()
    """

    def __init__(self, routes: Iterable[tuple[Address, Address]]) -> None:
        self._routes = list(routes)
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0
        started = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(started, failure), name="tcp-relay", daemon=True
        )
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            raise failure[0]

    def _run(self, started: threading.Event, failure: list[BaseException]) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._listen())
        except BaseException as exc:  # handed to the constructor, which raises it
            failure.append(exc)
            started.set()
            self._loop.close()
            return
        started.set()
        self._loop.run_forever()
        self._loop.close()

    async def _listen(self) -> None:
        for listen, target in self._routes:
            server = await asyncio.start_server(
                lambda r, w, target=target: self._relay(r, w, target),
                host=listen[0],
                port=listen[1],
                reuse_address=True,
            )
            self._servers.append(server)

    async def _relay(
        self,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        target: Address,
    ) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        writers = {client_writer}
        self._writers.add(client_writer)
        try:
            server_reader, server_writer = await asyncio.open_connection(*target)
            writers.add(server_writer)
            self._writers.add(server_writer)
            await asyncio.gather(
                _pump(client_reader, server_writer), _pump(server_reader, client_writer)
            )
        except OSError:
            pass
        finally:
            for writer in writers:
                self._writers.discard(writer)
                writer.close()
            self._tasks.discard(task)

    async def _shutdown(self) -> None:
        """Stop listening, then close every connection; each relay task sees the end of
        its streams and returns (cancelling them instead makes asyncio log an error for
        each)."""
        for server in self._servers:
            server.close()
        for writer in list(self._writers):
            writer.close()
        tasks = list(self._tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()

    def close(self) -> None:
        """Stop listening and drop every relayed connection."""
        if not self._loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
