"""A TCP proxy for tests that cuts a course-package download part-way, like a Wi-Fi drop.

Requests pass through to the real server unchanged. The first response to a package request is
cut after `cut_after` bytes (both sockets closed); later ones pass whole. The head of every
package request is kept, so a test can see whether the client asked for a Range.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

PACKAGE_REQUEST = b"/package"


class CuttingProxy:
    def __init__(self, upstream_port: int, *, cut_after: int) -> None:
        self.upstream_port = upstream_port
        self.cut_after = cut_after
        self.package_requests: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._cuts_left = 1
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> CuttingProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        budget: list[int | None] = [None]  # bytes of this connection's reply still allowed

        def requests() -> None:
            try:
                while data := client.recv(65536):
                    if PACKAGE_REQUEST in data:
                        self.package_requests.append(data.split(b"\r\n\r\n")[0].decode())
                        with self._lock:
                            if self._cuts_left:
                                self._cuts_left -= 1
                                budget[0] = self.cut_after
                    upstream.sendall(data)
            except OSError:
                pass
            finally:
                _close(upstream)

        threading.Thread(target=requests, daemon=True).start()
        try:
            while data := upstream.recv(65536):
                allowed = budget[0]
                if allowed is not None:
                    data = data[:allowed]
                    budget[0] = allowed - len(data)
                client.sendall(data)
                if budget[0] == 0:
                    break  # the cut
        except OSError:
            pass
        finally:
            _close(client)
            _close(upstream)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
