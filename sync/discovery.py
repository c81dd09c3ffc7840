"""Finding a classroom hub on the LAN: mDNS / DNS-SD with python-zeroconf.

A hub (`slate server --hub`) advertises `_slate._tcp.local.` with TXT properties `path`
(/api/v1), `version`, `protocol` and `hub=1`; a student laptop browses for it
(`slate sync --discover`, or `discover_servers()` from the settings dialog, run off the GUI
thread since it waits `timeout_s`). Nothing is trusted from the advertisement but the address:
the laptop still enrolls with the school's code and authenticates every request, so a rogue
advertiser can at worst be chosen and then refuse to take the events.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from app import __version__
from sync.protocol import API_PREFIX, PROTOCOL_VERSION

if TYPE_CHECKING:
    from zeroconf import ServiceInfo, Zeroconf

SERVICE_TYPE = "_slate._tcp.local."
DEFAULT_TIMEOUT_S = 3.0
MAX_NAME = 60  # a DNS-SD instance name is one DNS label (at most 63 bytes)


@dataclass(frozen=True)
class DiscoveredServer:
    name: str  # the instance name, e.g. "Classroom hub on room-12"
    url: str  # http://ADDRESS:PORT, what `slate sync --server` takes
    hub: bool
    version: str | None


def _zeroconf(interfaces: list[str] | None) -> Zeroconf:
    from zeroconf import InterfaceChoice, IPVersion, Zeroconf

    return Zeroconf(interfaces=interfaces or InterfaceChoice.All, ip_version=IPVersion.V4Only)


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses other than loopback, for advertising a hub on 0.0.0.0."""
    import ifaddr  # comes with zeroconf

    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ip.ip.startswith("127."):
                found.append(ip.ip)
    return sorted(set(found))


class Advertisement:
    """A registered `_slate._tcp` service; `close()` (or leaving the `with`) withdraws it."""

    def __init__(
        self,
        name: str,
        port: int,
        addresses: list[str],
        *,
        hub: bool = True,
        interfaces: list[str] | None = None,
    ) -> None:
        from zeroconf import ServiceInfo

        label = " ".join(name.split())[:MAX_NAME] or "Slate server"
        host = (socket.gethostname() or "slate").split(".")[0]
        self.info: ServiceInfo = ServiceInfo(
            SERVICE_TYPE,
            f"{label}.{SERVICE_TYPE}",
            port=port,
            parsed_addresses=addresses,
            server=f"{host}.local.",
            properties={
                "path": API_PREFIX,
                "version": __version__,
                "protocol": str(PROTOCOL_VERSION),
                "hub": "1" if hub else "0",
            },
        )
        self._zeroconf = _zeroconf(interfaces)
        # allow_name_change: two hubs in one school may pick the same name; mDNS renames one.
        self._zeroconf.register_service(self.info, allow_name_change=True)

    def close(self) -> None:
        try:
            self._zeroconf.unregister_service(self.info)
        finally:
            self._zeroconf.close()

    def __enter__(self) -> Advertisement:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def discover_servers(
    timeout_s: float = DEFAULT_TIMEOUT_S, *, interfaces: list[str] | None = None
) -> list[DiscoveredServer]:
    """Browse the LAN for `timeout_s` seconds; the servers found, hubs first, then by name.

    Blocks for the whole timeout: call it from a worker thread in the GUI.
    """
    from zeroconf import ServiceBrowser, ServiceStateChange

    names: set[str] = set()
    lock = threading.Lock()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        with lock:
            if state_change is ServiceStateChange.Removed:
                names.discard(name)
            else:
                names.add(name)

    zc = _zeroconf(interfaces)
    try:
        browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
        threading.Event().wait(timeout_s)
        browser.cancel()
        with lock:
            seen = sorted(names)
        found = []
        for name in seen:
            info = zc.get_service_info(SERVICE_TYPE, name, timeout=1500)
            if info is None or not info.port:
                continue
            server = _as_server(name, info)
            if server is not None:
                found.append(server)
    finally:
        zc.close()
    return sorted(found, key=lambda s: (not s.hub, s.name))


def _as_server(name: str, info: ServiceInfo) -> DiscoveredServer | None:
    addresses = info.parsed_addresses()
    if not addresses:
        return None
    props = {
        (k.decode("utf-8", "replace") if isinstance(k, bytes) else str(k)): (
            v.decode("utf-8", "replace") if isinstance(v, bytes) else None
        )
        for k, v in info.properties.items()
    }
    instance = name[: -len(SERVICE_TYPE) - 1] if name.endswith("." + SERVICE_TYPE) else name
    return DiscoveredServer(
        name=instance,
        url=f"http://{addresses[0]}:{info.port}",
        hub=props.get("hub") == "1",
        version=props.get("version"),
    )
