"""A TCP proxy that mistreats HTTP exchanges, for the sync chaos proofs.

It sits between a real client and the real server on loopback and, for every request/reply
exchange, draws a fate from a seeded RNG:

* ``pass``        forward both ways untouched;
* ``delay``       hold the request, then the reply, for a random while;
* ``drop_reply``  forward the request, wait until the server starts answering (it answers only
                  after its commit), then cut the client off without the reply;
* ``truncate``    forward only a strict prefix of the request, then close both sides;
* ``reset``       answer the request with a TCP reset (SO_LINGER 0) and forward nothing;
* ``blackhole``   swallow the request and never answer, until the client gives up.

An exchange starts when the client sends after the server last sent (HTTP/1.1 without
pipelining, which is what httpx does), so keep-alive connections get a new fate per request.
The proxy runs its own asyncio loop in a daemon thread; `fates` counts what it did.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Mapping
from enum import StrEnum
from types import TracebackType


class Fate(StrEnum):
    PASS = "pass"
    DELAY = "delay"
    DROP_REPLY = "drop_reply"
    TRUNCATE = "truncate"
    RESET = "reset"
    BLACKHOLE = "blackhole"


DEFAULT_WEIGHTS: Mapping[Fate, float] = {
    Fate.PASS: 0.55,
    Fate.DELAY: 0.15,
    Fate.DROP_REPLY: 0.12,
    Fate.TRUNCATE: 0.08,
    Fate.RESET: 0.07,
    Fate.BLACKHOLE: 0.03,
}
CHUNK = 65536


class ChaosProxy:
    """Listens on 127.0.0.1 (port chosen by the OS) and forwards to `upstream_port`."""

    def __init__(
        self,
        upstream_port: int,
        *,
        seed: int,
        weights: Mapping[Fate, float] = DEFAULT_WEIGHTS,
        max_delay_s: float = 0.3,
        upstream_host: str = "127.0.0.1",
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.rng = random.Random(seed)
        self.weights = dict(weights)
        self.max_delay_s = max_delay_s
        self.fates: Counter[Fate] = Counter()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_weights(self, weights: Mapping[Fate, float]) -> None:
        self._loop.call_soon_threadsafe(self.weights.update, dict(weights))

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ChaosProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(timeout=10)
        return self

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._track, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> ChaosProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- one connection ----------------------------------------------------------------------

    def _draw(self) -> Fate:
        fates = list(self.weights)
        fate = self.rng.choices(fates, weights=[self.weights[f] for f in fates])[0]
        self.fates[fate] += 1
        return fate

    async def _track(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._connection(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # a cut line is the point; cancelled means the proxy is stopping
        finally:
            self._tasks.discard(task)
            _reset(writer)

    async def _connection(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        try:
            server_in, server_out = await asyncio.open_connection(*self.upstream)
        except OSError:
            return  # the server is down: the client sees its connection reset
        exchange = _Exchange()
        pumps = [
            asyncio.ensure_future(self._requests(client_in, server_out, exchange)),
            asyncio.ensure_future(self._replies(server_in, client_out, exchange)),
        ]
        try:
            # Either side ending (or a fate cutting the line) ends the connection.
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            _reset(server_out)

    async def _requests(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, exchange: _Exchange
    ) -> None:
        while True:
            data = await source.read(CHUNK)
            if not data:
                return
            if exchange.fate is None or exchange.replied:
                exchange.fate, exchange.replied = self._draw(), False
                exchange.fresh = True
            fate = exchange.fate
            if fate is Fate.BLACKHOLE:
                continue
            if fate is Fate.RESET:
                return
            if fate is Fate.TRUNCATE:
                if exchange.fresh:
                    sink.write(data[: self.rng.randrange(len(data))])
                    await sink.drain()
                return
            if fate is Fate.DELAY and exchange.fresh:
                await asyncio.sleep(self.rng.uniform(0, self.max_delay_s))
            exchange.fresh = False
            sink.write(data)
            await sink.drain()

    async def _replies(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, exchange: _Exchange
    ) -> None:
        while True:
            data = await source.read(CHUNK)
            if not data:
                return
            if exchange.fate is Fate.DROP_REPLY:
                return  # the server has committed and answered; the client never hears it
            if exchange.fate is Fate.DELAY and not exchange.replied:
                await asyncio.sleep(self.rng.uniform(0, self.max_delay_s))
            exchange.replied = True
            sink.write(data)
            await sink.drain()


class _Exchange:
    """The fate of the request/reply exchange under way on one connection."""

    def __init__(self) -> None:
        self.fate: Fate | None = None
        self.replied = False
        self.fresh = False


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset rather than a polite FIN, as a dead middlebox would."""
    transport = writer.transport
    if transport.is_closing():
        return
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
