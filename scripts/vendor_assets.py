"""Copy the map's browser assets into ``static/`` so the app works offline.

The map page loads only Leaflet (no jQuery, Bootstrap, Font Awesome or marker plugins);
folium would link it from a CDN, so ``geo.mapview.base_map`` points at the copies this
script makes, which Streamlit serves at ``/app/static/leaflet/...``
(``.streamlit/config.toml``: ``[server] enableStaticServing = true``).

Source: the PyPI package ``django-js-lib-leaflet`` (a dependency), which ships the
upstream Leaflet 1.9.4 build. Leaflet is BSD-2-Clause, (c) 2010-2024 Volodymyr Agafonkin,
(c) 2010-2011 CloudMade; the licence is copied next to the files.

Usage (from the repository root; commit the copied files)::

    .venv/bin/python scripts/vendor_assets.py
"""

from __future__ import annotations

import shutil
import sys
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "static" / "leaflet"
FILES = ("leaflet.js", "leaflet.css")
IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png",
          "marker-shadow.png")  # fmt: skip
DIST = "django-js-lib-leaflet"


def leaflet_dir() -> Path:
    """Return the folder of the installed package's Leaflet build."""
    return Path(str(resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet"))


def licence_text() -> str:
    """Return the package's licence (Leaflet's BSD-2-Clause text)."""
    dist = metadata.distribution(DIST)
    for file in dist.files or []:
        if file.name == "LICENSE":
            return Path(str(dist.locate_file(file))).read_text(encoding="utf-8")
    raise FileNotFoundError(f"{DIST} ships no LICENSE file")


def vendor(target: Path = TARGET) -> list[Path]:
    """Copy Leaflet's script, stylesheet, images and licence into ``target``; return them."""
    source = leaflet_dir()
    (target / "images").mkdir(parents=True, exist_ok=True)
    copied = [Path(shutil.copy2(source / name, target / name)) for name in FILES]
    copied += [Path(shutil.copy2(source / "images" / name, target / "images" / name))
               for name in IMAGES]  # fmt: skip
    version = metadata.version(DIST)
    notice = target / "LICENSE.txt"
    notice.write_text(
        f"Leaflet, copied from the PyPI package {DIST} {version} by scripts/vendor_assets.py.\n"
        "https://leafletjs.com - BSD-2-Clause licence:\n\n" + licence_text(),
        encoding="utf-8",
    )
    return [*copied, notice]


def main() -> int:
    """Copy the assets and list them."""
    for path in vendor():
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
