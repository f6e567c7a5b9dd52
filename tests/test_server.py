"""``geo._server``: the Streamlit server started by ``controlmap serve`` turns Nagle off."""

from __future__ import annotations

import gc
import socket

from geo import _server


def plain_bind(address: str, port: int, backlog: int) -> socket.socket:
    """Bind a listening socket the way Streamlit does (protocol number 0)."""
    sock = socket.socket(family=socket.AF_INET)
    sock.bind((address, port))
    sock.listen(backlog)
    return sock


def nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def accepted_has_nodelay(listener: socket.socket) -> bool:
    """Connect to ``listener``; return whether the connection it accepts has TCP_NODELAY."""
    with socket.create_connection(listener.getsockname()):
        accepted, _ = listener.accept()
        with accepted:
            return nodelay(accepted)


def test_a_socket_bound_like_streamlit_hands_its_connections_nagle() -> None:
    # The premise of the fix: without it, an accepted connection keeps Nagle on.
    with plain_bind("127.0.0.1", 0, 8) as listener:
        assert not accepted_has_nodelay(listener)


def test_connections_accepted_on_the_wrapped_bind_have_tcp_nodelay() -> None:
    bind = _server.without_delay(plain_bind)
    with bind("127.0.0.1", 0, 8) as listener:
        assert nodelay(listener)
        assert accepted_has_nodelay(listener)


def test_wrapping_twice_wraps_once() -> None:
    once = _server.without_delay(plain_bind)
    assert _server.without_delay(once) is once


def test_the_pinned_streamlit_binds_through_the_function_serve_wraps(monkeypatch) -> None:
    # If a Streamlit upgrade binds its socket some other way, this fails: re-measure the
    # first visit (bench/bench_claims_page.py) and find the new place to set TCP_NODELAY.
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    assert _server.send_responses_without_delay()
    with starlette_server._bind_socket("127.0.0.1", 0, 8) as listener:
        assert accepted_has_nodelay(listener)


def test_freezing_hides_the_objects_alive_now_from_collections_and_still_frees_them() -> None:
    import weakref

    class Held:
        pass

    held = [Held()]
    alive = weakref.ref(held[0])
    try:
        frozen = _server.freeze_startup_objects()
        assert frozen == gc.get_freeze_count() > 0
        assert not any(obj is held for obj in gc.get_objects())  # no collection walks it
        del held  # no cycle: refcounting frees it, frozen or not
        assert alive() is None
    finally:
        gc.unfreeze()
