"""First paint and slider steps of the map page, databases (or checkouts) side by side.

For each round and each target in turn: a fresh ``controlmap serve`` on a free loopback
port, then ``--visits`` visits by ``../shared/tools/map_probe.py`` (each a new headless
Chromium): the first is the cold first paint (a fresh server), the others a warm server
with a cold browser. One markdown row per visit, with the load average before it.

A target is ``DB`` or ``DB@YYYY-MM-DD`` (the day the probe opens, default 2021-08-05: the
probe counts a step when a fill changes, so open each database where every step changes a
province), optionally ``ROOT:`` first to serve another checkout (``PYTHONPATH``), e.g. an
older commit from ``git worktree add /tmp/old fe46e88``.

    .venv/bin/python bench/bench_map_paint.py /tmp/probe.db /tmp/big.db@2021-07-04 --rounds 3
    .venv/bin/python bench/bench_map_paint.py /tmp/old:/tmp/probe.db /tmp/probe.db --visits 2
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = Path(os.environ.get("CONTROLMAP_SHARED", ROOT.parent / "shared")) / "tools" / "map_probe.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(root: Path, db: str, port: int) -> subprocess.Popen:
    """Start ``controlmap serve`` from ``root`` and wait until it answers."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from geo.cli import main; main()", "serve", "--port",
         str(port), "--db", db], cwd=root, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            time.sleep(2)  # let the server warm its model as `make run` would
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"controlmap serve from {root} did not answer on port {port}")


def probe(url: str) -> dict:
    out = subprocess.run([sys.executable, str(PROBE), url, "--steps", "10", "--timeout", "60"],
                         capture_output=True, text=True, check=False)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="[ROOT:]DB[@YYYY-MM-DD]")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--visits", type=int, default=3)
    args = parser.parse_args()
    if not PROBE.exists():
        raise SystemExit(f"no map probe at {PROBE} (set CONTROLMAP_SHARED)")
    print("| round | target | visit | load | first paint s | step p50 s | step p95 s | "
          "polygons | failed requests | dialogs | console errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in range(1, args.rounds + 1):
        for target in args.targets:
            root, _, rest = target.rpartition(":")
            db, _, day = rest.partition("@")
            port = free_port()
            process = serve(Path(root) if root else ROOT, db, port)
            try:
                for v in range(args.visits):
                    load = os.getloadavg()[0]
                    d = probe(f"http://127.0.0.1:{port}/?date={day or '2021-08-05'}")
                    print(f"| {r} | {target} | {'cold' if v == 0 else 'warm'} | {load:.2f} | "
                          f"{d['first_paint_s']} | {d.get('step_p50_s')} | "
                          f"{d.get('step_p95_s')} | {d['polygons']} | "
                          f"{len(d['failed_requests'])} | {len(d['dialogs'])} | "
                          f"{len(d['console_errors'])} |", flush=True)
            finally:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
