"""The connections ``linkcheck`` may open: only to public addresses (unless private ones are
allowed), checked again at connect time so that DNS rebinding cannot reach the inside, and never
past a wall-clock deadline (a timer shuts the socket down; a server that drips one byte a second
would reset a plain socket timeout for ever). Standard library only."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit
from urllib.request import (
    HTTPDefaultErrorHandler,
    HTTPErrorProcessor,
    HTTPHandler,
    HTTPSHandler,
    OpenerDirector,
    ProxyHandler,
    Request,
    UnknownHandler,
)


def private_address(url: str) -> str | None:
    """Why a URL's host must not be probed from the bureau's machine (loopback, private,
    link-local, reserved or multicast address), or None. Checked before every hop, redirects
    included; a host that does not resolve is left to the request, which reports it."""
    host = urlsplit(url).hostname
    if not host:
        return None
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    for info in infos:
        why = internal_address(host, info[4][0])
        if why:
            return why
    return None


def internal_address(host: str, ip: str) -> str | None:
    """Why ``ip`` (an address ``host`` resolved to) must not be contacted, or None."""
    address = ipaddress.ip_address(str(ip).split("%", 1)[0])
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved or address.is_multicast or address.is_unspecified:
        return f"{host} 是内网或本机地址({address}),没有访问"
    return None


def opener(limit: "Deadline", allow_private: bool) -> OpenerDirector:
    """An opener without redirect, file, ftp or data handlers (3xx comes back as an HTTPError),
    whose connections the deadline ``limit`` can cut."""
    opener = OpenerDirector()
    for handler in (ProxyHandler(), UnknownHandler(), _HTTP(limit, allow_private), _HTTPS(limit, allow_private), HTTPDefaultErrorHandler(), HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


class Deadline:
    """A wall-clock limit for one URL. Every connection opened for the URL is registered here, and
    when the time is up a timer shuts its socket down, which ends a read that a socket timeout
    would not (a server that sends one byte a second resets the timeout with each byte)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._connections: list[http.client.HTTPConnection] = []
        self._timer = threading.Timer(max(seconds, 0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def watch(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._connections.append(connection)
            expired = self.expired
        if expired:
            _shut(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed, or still being wrapped in TLS (its own timeout bounds that)


def _public_connection(address, timeout, source_address=None):
    """``socket.create_connection`` that connects only to an address it has checked: the host is
    resolved once here, and a loopback, private or link-local answer is refused. The address
    checked is the address used, so a name that resolves to a public address for the check and
    to an internal one for the request (DNS rebinding) cannot reach the inside."""
    host, port = address
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    error: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        why = internal_address(host, sockaddr[0])
        if why:
            error = Blocked(why)
            continue
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"getaddrinfo returned nothing for {host}")


class Blocked(OSError):
    """The host resolved to an internal address at connect time."""


def _bounded(base: type[http.client.HTTPConnection], deadline: Deadline, guard: bool) -> type[http.client.HTTPConnection]:
    """``base`` whose connect waits at most what is left of the deadline, and which the deadline
    can cut; with ``guard``, it connects only to a public address (see ``_public_connection``)."""

    class Connection(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if guard:
                self._create_connection = _public_connection

        def connect(self):
            left = deadline.remaining()
            if left <= 0:
                raise TimeoutError("deadline")
            if not isinstance(self.timeout, (int, float)) or self.timeout > left:
                self.timeout = left
            deadline.watch(self)
            super().connect()

    return Connection


def _guarded(req: Request, allow_private: bool) -> bool:
    """Check the connected address unless private hosts are allowed or a proxy is in between
    (a proxy on the bureau's network is meant to be reached; the URL's host was checked before)."""
    return not allow_private and not req.has_proxy() and not getattr(req, "_tunnel_host", None)


class _HTTP(HTTPHandler):
    def __init__(self, deadline: Deadline, allow_private: bool):
        super().__init__()
        self.deadline, self.allow_private = deadline, allow_private

    def http_open(self, req):
        return self.do_open(_bounded(http.client.HTTPConnection, self.deadline, _guarded(req, self.allow_private)), req)


class _HTTPS(HTTPSHandler):
    def __init__(self, deadline: Deadline, allow_private: bool):
        super().__init__()
        self.deadline, self.allow_private = deadline, allow_private

    def https_open(self, req):
        return self.do_open(_bounded(http.client.HTTPSConnection, self.deadline, _guarded(req, self.allow_private)), req, context=self._context)
