"""The real Slate server in a child process, for tests.

It is started exactly as IT starts it (`python -m app.cli server ...`), on a loopback port, so
tests exercise the real ASGI stack, the real database file and a real process boundary (a kill
leaves nothing but what was committed).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerError(RuntimeError):
    """The server process did not come up, or a CLI command failed."""


class ServerProcess:
    """`slate server` on 127.0.0.1, with its own data folder.

    The port is chosen once and kept across `restart()`, so clients configured with `url` still
    reach the server after it comes back.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        database_url: str | None = None,
        port: int | None = None,
        log_level: str = "warning",
        extra_args: Sequence[str] = (),
    ) -> None:
        self.data_dir = Path(data_dir)
        # Options for `slate server` itself only (e.g. --workers), not for its subcommands.
        self.extra_args = list(extra_args)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.port = port or free_port()
        self.log_level = log_level
        self.stdout_path = self.data_dir / "server-stdout.log"
        self.stderr_path = self.data_dir / "server-stderr.log"
        self.process: subprocess.Popen[bytes] | None = None

    # -- the process -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def _location_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # The test decides the database; an outer setting must not redirect it.
        env.pop("SLATE_SERVER_DATABASE_URL", None)
        env.pop("SLATE_DATA_DIR", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self, timeout: float = 30.0) -> ServerProcess:
        if self.running:
            raise ServerError("the server is already running")
        command = [
            sys.executable,
            "-m",
            "app.cli",
            "server",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--log-level",
            self.log_level,
            *self.extra_args,
            *self._location_args(),
        ]
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=self._env(), stdout=out, stderr=err
            )
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                self.process = None
                raise ServerError(f"the server exited with code {code}:\n{self.stderr_tail()}")
            try:
                if httpx.get(f"{self.api}/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise ServerError(
                    f"the server did not answer on {self.url} within {timeout} s:\n"
                    f"{self.stderr_tail()}"
                )
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, as a service manager would, then wait; SIGKILL if it does not go."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                return process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        return process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a power cut for the process."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            process.kill()
        process.wait()

    def restart(self, timeout: float = 30.0) -> ServerProcess:
        self.stop()
        return self.start(timeout)

    def stderr_tail(self, chars: int = 4000) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the CLI against the same database ---------------------------------------------------

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `slate server ARGS...` on this server's data folder and database."""
        command = [sys.executable, "-m", "app.cli", "server", *args, *self._location_args()]
        done = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and done.returncode != 0:
            raise ServerError(
                f"`slate server {' '.join(args)}` exited with {done.returncode}:\n{done.stderr}"
            )
        return done

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json").stdout)

    def add_school(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.cli_json("school", "add", name)
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.cli_json("stats")
        return result

    # -- HTTP conveniences -------------------------------------------------------------------

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30.0, **kwargs)

    def enroll_device(self, enrollment_code: str, device_name: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.api}/enroll",
            json={"enrollment_code": enrollment_code, "device_name": device_name},
            timeout=30.0,
        )
        if response.status_code != 200:
            raise ServerError(f"enroll failed: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result

    def enroll(self, enrollment_code: str, device_name: str) -> str:
        """Enroll a new device and return its bearer token."""
        return str(self.enroll_device(enrollment_code, device_name)["token"])
