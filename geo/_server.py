"""Plumbing for ``controlmap serve``: a server that answers without Nagle stalls, and whose
start-up objects the garbage collector leaves alone.

Streamlit (1.5x+, on Starlette and uvicorn) binds its listening socket itself with
``socket.socket(family)``, whose protocol number is 0. asyncio turns Nagle's algorithm off
(``TCP_NODELAY``) only on sockets whose protocol is ``IPPROTO_TCP``, so every connection
the server accepts keeps Nagle on. uvicorn writes a response's headers and its body
separately; on a kept-alive connection the body then waits for the browser's delayed ACK of
the headers: ~40 ms per response after a connection's first. A browser's first visit loads
~130 scripts over six connections, so a page shows ~0.4 s later than it could (measured in
``bench/README.md``). Setting ``TCP_NODELAY`` on the listening socket fixes it: on Linux
(and the BSDs) an accepted socket inherits the option from its listener.

What the server builds before its first visitor (the modules, the gazetteer, the extraction
engine, the control model of the data it starts on: 0.4 M objects at 150k claims) lives
as long as it does, yet every full collection of Python's garbage collector walks it again:
0.26 s at 150k claims, paid by whichever visit triggers it. :func:`freeze_startup_objects`
moves them out of the collector's sight (``gc.freeze``, as long-running servers do).
"""

from __future__ import annotations

import gc
import socket
from collections.abc import Callable

BindSocket = Callable[[str, int, int], socket.socket]


def without_delay(bind: BindSocket) -> BindSocket:
    """Return ``bind`` wrapped so that the socket it returns has ``TCP_NODELAY`` set."""
    if getattr(bind, "_controlmap_nodelay", False):
        return bind

    def bind_without_delay(address: str, port: int, backlog: int) -> socket.socket:
        sock = bind(address, port, backlog)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    bind_without_delay._controlmap_nodelay = True  # type: ignore[attr-defined]
    return bind_without_delay


def send_responses_without_delay() -> bool:
    """Make the Streamlit server started next in this process accept its connections with
    ``TCP_NODELAY``; return False (and change nothing) when this Streamlit binds its
    socket some other way (the app still works, only slower on a first visit)."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        return False
    bind = getattr(starlette_server, "_bind_socket", None)
    if not callable(bind):
        return False
    setattr(starlette_server, "_bind_socket", without_delay(bind))  # noqa: B010
    return True


def freeze_startup_objects() -> int:
    """Collect garbage, then exempt every object alive now from later collections; return
    how many objects are frozen.

    Call once, when the server's long-lived objects are built. A frozen object is still
    freed when nothing refers to it; only one caught in a reference cycle would stay (a
    model of the start-up data evicted later: bounded, once per server).
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
