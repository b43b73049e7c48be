"""The network guard: in offline mode any attempt to reach a non-loopback host fails at once.

Offline flags are advisory and libraries still leak calls (a HEAD request, a model-card lookup, a
tracker login). On an air-gapped host such a call hangs until a timeout; with the guard it raises
:class:`NetworkBlockedError` immediately, naming the destination and the code that tried, and prints
the same line to stderr in case a library swallows the exception. Host names are refused before any
DNS lookup, so nothing leaves the machine. Loopback and Unix sockets stay allowed.

``train`` and ``evaluate`` call :func:`install_network_guard`; ``CODEX_ML_ALLOW_NETWORK=1`` disables it.
"""
from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

from codex_ml.errors import NetworkBlockedError
from codex_ml.utils.offline import ALLOW_NETWORK_VAR, network_allowed

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
#: Frames from these files are transport plumbing; the report names the first frame outside them.
_TRANSPORT_PARTS = (
    "/socket.py", "/ssl.py", "/selectors.py", "/http/client.py", "/urllib/", "/urllib3/", "/requests/",
    "/httpx/", "/httpcore/", "/aiohttp/", "/asyncio/", "/concurrent/", "/threading.py", "/anyio/",
    "codex_ml/utils/netguard.py",
)

_originals: dict[str, Any] = {}
_blocked: list[str] = []


def is_loopback(host: object) -> bool:
    """True for loopback names and addresses, the unspecified address, and non-IP (Unix) addresses."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "" or name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _caller() -> str:
    """``file:line in function`` of the first frame outside sockets, HTTP clients and this module."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename.replace("\\", "/")
        if not any(part in filename for part in _TRANSPORT_PARTS) and not filename.startswith("<frozen"):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back
    return "unknown caller"


def _refuse(destination: str) -> NetworkBlockedError:
    message = (
        f"network access blocked: connection to {destination} attempted by {_caller()} "
        f"(codex-ml runs offline; set {ALLOW_NETWORK_VAR}=1 to allow network access)"
    )
    _blocked.append(message)
    print(f"codex-ml: {message}", file=sys.stderr, flush=True)
    return NetworkBlockedError(message)


def _describe(address: Any) -> tuple[object, str]:
    """``(host, "host:port")`` for an AF_INET/AF_INET6 address tuple; Unix paths pass as loopback."""
    if isinstance(address, tuple) and address:
        host = address[0]
        port = address[1] if len(address) > 1 else "?"
        text = host.decode() if isinstance(host, bytes) else str(host)
        return host, f"[{text}]:{port}" if ":" in text else f"{text}:{port}"
    return None, str(address)


_INET = (socket.AF_INET, socket.AF_INET6)


def _check_address(address: Any, note: str = "") -> None:
    """The one gate for socket addresses: refuse unless ``address`` is loopback (or not an IP address)."""
    host, text = _describe(address)
    if not is_loopback(host):
        raise _refuse(text + note)


def _check_name(host: Any, destination: str) -> None:
    """The gate for name lookups: refused before any DNS query leaves the machine."""
    if not is_loopback(host):
        raise _refuse(f"{destination} (name lookup)")


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in _INET:
        _check_address(address)
    return _originals["connect"](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in _INET:
        _check_address(address)
    return _originals["connect_ex"](self, address)


def _guarded_sendto(self: socket.socket, data: Any, *args: Any) -> Any:
    """UDP: ``sendto(data, address)`` or ``sendto(data, flags, address)``."""
    if self.family in _INET and args:
        _check_address(args[-1], " (datagram)")
    return _originals["sendto"](self, data, *args)


def _guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
    _check_address(address)
    return _originals["create_connection"](address, *args, **kwargs)


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    _check_name(host, f"{host}:{port}")
    return _originals["getaddrinfo"](host, port, *args, **kwargs)


def _guarded_gethostbyname(host: Any) -> Any:
    _check_name(host, str(host))
    return _originals["gethostbyname"](host)


def _guarded_gethostbyname_ex(host: Any) -> Any:
    _check_name(host, str(host))
    return _originals["gethostbyname_ex"](host)


_PATCHES: dict[str, tuple[Any, str, Any]] = {
    "connect": (socket.socket, "connect", _guarded_connect),
    "connect_ex": (socket.socket, "connect_ex", _guarded_connect_ex),
    "sendto": (socket.socket, "sendto", _guarded_sendto),
    "create_connection": (socket, "create_connection", _guarded_create_connection),
    "getaddrinfo": (socket, "getaddrinfo", _guarded_getaddrinfo),
    "gethostbyname": (socket, "gethostbyname", _guarded_gethostbyname),
    "gethostbyname_ex": (socket, "gethostbyname_ex", _guarded_gethostbyname_ex),
}


def guard_installed() -> bool:
    return bool(_originals)


def install_network_guard(*, force: bool = False) -> bool:
    """Block non-loopback connections in this process unless ``CODEX_ML_ALLOW_NETWORK`` is set.

    Returns True when the guard is active after the call. ``force=True`` ignores the variable (tests).
    Idempotent.
    """
    if not force and network_allowed():
        return guard_installed()
    if guard_installed():
        return True
    for key, (owner, attribute, replacement) in _PATCHES.items():
        _originals[key] = getattr(owner, attribute)
        setattr(owner, attribute, replacement)
    return True


def uninstall_network_guard() -> None:
    """Restore the original socket functions (tests, or a command that must download)."""
    for key, (owner, attribute, _replacement) in _PATCHES.items():
        if key in _originals:
            setattr(owner, attribute, _originals.pop(key))


def blocked_attempts() -> list[str]:
    """Every refusal so far in this process, oldest first."""
    return list(_blocked)


__all__ = [
    "NetworkBlockedError", "blocked_attempts", "guard_installed", "install_network_guard", "is_loopback",
    "uninstall_network_guard",
]
