"""Watch socket.connect through `sys.addaudithook`: record it, and refuse non-loopback targets.

Audit hooks see every connect made by Python code in any thread (the socket module raises
the `socket.connect` event before the system call), so a test can prove that something
was refused before any connection was attempted.
"""
import ipaddress
import sys
import threading
from contextlib import contextmanager

_state = threading.local()
_active: list[list] = []
_lock = threading.Lock()
_installed = False


def _hook(event, args):
    if event != "socket.connect" or not _active:
        return
    address = args[1]
    host = address[0] if isinstance(address, tuple) else address
    with _lock:
        for seen in _active:
            seen.append(address)
    try:
        loopback = ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        loopback = False  # a Unix socket or a name: not a network address we allow either
    if not loopback and isinstance(address, tuple):
        raise ConnectionRefusedError(f"tests may only connect to loopback, not {address}")


@contextmanager
def recording():
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    seen: list = []
    with _lock:
        _active.append(seen)
    try:
        yield seen
    finally:
        with _lock:
            _active.remove(seen)
