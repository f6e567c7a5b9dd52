"""Where the files controlmap reads at run time are: its data and its app.

The repository keeps them at the top level (``data/``, ``app.py``, ``pages/``, ``static/``,
``.streamlit/``); the package reaches them as ``geo/_data`` and ``geo/_app/...``, which are
symbolic links in a checkout (so an editable install reads the repository's files) and real
folders in a wheel (``pip install .`` copies them in as package data, see
``[tool.setuptools.package-data]`` in ``pyproject.toml``). Every module asks here, through
:mod:`importlib.resources`, instead of building paths from ``__file__``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _package_path(*parts: str) -> Path:
    """Return the file-system path of ``parts`` inside the ``geo`` package."""
    # pip unpacks wheels, so the package is always on disk: a Traversable is a Path here.
    return Path(str(resources.files("geo").joinpath(*parts)))


def data_path(*parts: str) -> Path:
    """Return the path of a shipped data file or folder (``data/<parts>`` in the repository).

    Examples
    --------
    >>> data_path("gazetteer", "gazetteer.json").is_file()
    True
    >>> data_path().name
    '_data'
    """
    return _package_path("_data", *parts)


def app_path(*parts: str) -> Path:
    """Return the path of the Streamlit app's files: ``app_path("app.py")`` is the main
    script, next to ``pages/``, ``static/`` and ``.streamlit/config.toml``.

    Examples
    --------
    >>> app_path("app.py").is_file() and app_path("pages").is_dir()
    True
    """
    return _package_path("_app", *parts)
