"""Start the real app and a headless Chromium for the browser tests (no browser download).

``start_app(db_path)`` runs ``streamlit run app.py`` on a free port with
``CONTROLMAP_DB=db_path`` and returns ``(url, process)`` once the server answers;
``launch_browser(playwright)`` starts Debian's ``/usr/bin/chromium`` headless with no
background networking. The caller stops the process (``terminate`` then ``wait``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
START_TIMEOUT_S = 60.0
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def free_port() -> int:
    """Return a TCP port that is free on localhost right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(db_path: str, timeout: float = START_TIMEOUT_S) -> tuple[str, subprocess.Popen]:
    """Start the app on ``db_path``; return its URL (``http://localhost:PORT/``) and process.

    Raises
    ------
    RuntimeError
        If the server does not answer its health check within ``timeout`` seconds (the
        server's output is in the message).
    """
    port = free_port()
    env = {**os.environ, "CONTROLMAP_DB": str(db_path)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
           "--server.port", str(port), "--server.headless", "true",
           "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]  # fmt: skip
    log = open(Path(db_path).with_suffix(f".{port}.log"), "w+b")  # noqa: SIM115
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return url, process
        except OSError:
            time.sleep(0.2)
    process.kill()
    log.seek(0)
    raise RuntimeError(f"the app did not start on {url}: {log.read().decode()[-2000:]}")


def launch_browser(playwright):
    """Return a headless Chromium (Debian's /usr/bin/chromium) started by ``playwright``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@contextmanager
def serving(db_path: str) -> Iterator[str]:
    """Run the app on ``db_path`` for the duration of the block; yield its URL (no slash)."""
    url, process = start_app(db_path)
    try:
        yield url.rstrip("/")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class Guard:
    """Record dialogs (alert, confirm, ...) and abort requests that try to leave localhost."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.outside: list[str] = []

    def route(self, route) -> None:
        """Let local requests through; record and abort the rest."""
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about") or parsed.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def dialog(self, dialog) -> None:
        """Record a dialog's message and dismiss it."""
        self.dialogs.append(dialog.message)
        dialog.dismiss()
