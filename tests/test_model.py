"""The edge between the store and the model: loading, materialised reads, light imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import sys
from typer.testing import CliRunner
from geo.cli import app
for args in (["snapshot", "--date", "2021-08-13"], ["timeline"], ["timeline", "-f", "geojson"]):
    result = CliRunner().invoke(app, [*args, "--db", sys.argv[1], "-o", sys.argv[2]])
    assert result.exit_code == 0, result.output
print(sorted(m for m in ("geopandas", "shapely", "pandas") if m in sys.modules))
"""


def test_snapshot_and_timeline_exports_never_import_geopandas(tmp_path):
    # Reading commands need an existing database: make one in another process first.
    subprocess.run([str(Path(sys.executable).with_name("controlmap")), "demo", "--db",
                    str(tmp_path / "x.db")],
                   capture_output=True, cwd=ROOT, timeout=300, check=True)
    out = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path / "x.db"),
                          str(tmp_path / "out.json")], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stderr
