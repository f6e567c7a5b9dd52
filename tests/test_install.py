"""The wheel outside the checkout: build it, install it into a fresh virtualenv in an empty
folder, and run the CLI and the app from there (no file of the repository is read).

Slow (a virtualenv with every dependency, ~1-3 minutes), so it runs when
``CONTROLMAP_WHEEL_CHECK=1`` is set: ``make wheel-check``, which CI runs after ``make test``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_cli import free_port, listening_addresses

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    not os.environ.get("CONTROLMAP_WHEEL_CHECK"),
    reason="the wheel check is slow: run it with CONTROLMAP_WHEEL_CHECK=1 (make wheel-check)")


def clean_env() -> dict[str, str]:
    """Return the environment without controlmap's settings or a path into the checkout."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("CONTROLMAP_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the bin folder of a fresh virtualenv with the built wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(root / "dist"), str(ROOT)], check=True, env=clean_env())
    [wheel] = (root / "dist").glob("controlmap-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    bin_dir = root / "venv" / "bin"
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
                   check=True, env=clean_env())
    return bin_dir


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    """Return an empty working folder outside the checkout."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def controlmap(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "controlmap"), *args], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=600)


def test_the_installed_package_reads_its_own_copies_of_the_data_and_the_app(
        venv: Path, empty: Path) -> None:
    code = ("import geo, json; from geo.resources import app_path, data_path; "
            "print(json.dumps([geo.__file__, str(data_path('gazetteer', 'gazetteer.json')), "
            "str(data_path('models', 'arbiter.json')), str(app_path('app.py')), "
            "str(app_path('pages', '1_Ingest.py')), str(app_path('static', 'leaflet', "
            "'leaflet.js')), str(app_path('.streamlit', 'config.toml'))]))")
    out = subprocess.run([str(venv / "python"), "-c", code], cwd=empty, env=clean_env(),
                         capture_output=True, text=True, check=True).stdout
    paths = [Path(p) for p in json.loads(out)]
    for path in paths:
        assert path.is_file(), path
        assert not path.is_symlink(), path
        assert ROOT not in path.resolve().parents, path
        assert venv.parent in path.parents, path


def test_demo_then_snapshot_work_in_an_empty_folder(venv: Path, empty: Path) -> None:
    demo = controlmap(venv, empty, "demo", "--db", "x.db")
    assert demo.returncode == 0, demo.stderr
    snapshot = controlmap(venv, empty, "snapshot", "--date", "2021-08-13", "--db", "x.db")
    assert snapshot.returncode == 0, snapshot.stderr
    features = json.loads(snapshot.stdout)["features"]
    assert len(features) == 34
    status = {f["properties"]["iso_3166_2"]: f["properties"]["status"] for f in features}
    assert status["AF-NIM"] == "taliban"  # Zaranj fell on 6 August
    assert {p.name for p in empty.iterdir()} <= {"x.db", "x.db-shm", "x.db-wal"}
    assert "x.db" in demo.stderr


def test_serve_answers_on_loopback_with_its_pages_and_assets(venv: Path, empty: Path) -> None:
    assert controlmap(venv, empty, "init", "--db", "x.db").returncode == 0
    port = free_port()
    process = subprocess.Popen([str(venv / "controlmap"), "serve", "--port", str(port),
                                "--db", "x.db"], cwd=empty, env=clean_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        health, deadline = None, time.monotonic() + 120
        while health is None and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as r:
                    health = r.status
            except OSError:
                time.sleep(0.3)
        if process.poll() is not None:
            pytest.fail("controlmap serve stopped: " + process.stderr.read().decode())
        assert health == 200, "controlmap serve did not answer"
        assert listening_addresses(port) == {"127.0.0.1"}
        with urllib.request.urlopen(base + "/", timeout=10) as r:
            assert r.status == 200
            assert b"<noscript>" in r.read()
        with urllib.request.urlopen(base + "/app/static/leaflet/leaflet.js", timeout=10) as r:
            assert b"Leaflet" in r.read(300)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
