"""compose.yaml: PostgreSQL 16 and the app, the app on the host's loopback only."""

from __future__ import annotations

from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (pip install '.[dev]')")

COMPOSE = Path(__file__).resolve().parent.parent / "compose.yaml"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def test_the_database_is_postgresql_16_and_not_published(services: dict) -> None:
    assert services["db"]["image"].startswith("postgres:16")
    assert "ports" not in services["db"]


def test_the_app_is_published_on_127_0_0_1_only(services: dict) -> None:
    ports = services["app"]["ports"]
    assert ports
    for port in ports:
        host, _, _ = str(port).partition(":")
        assert host == "127.0.0.1", port
    assert all("ports" not in s for name, s in services.items() if name != "app")


def test_the_app_serves_the_postgresql_service(services: dict) -> None:
    app = services["app"]
    assert app["command"][:2] == ["controlmap", "serve"]
    url = app["environment"]["CONTROLMAP_DB"]
    assert url.startswith("postgresql+psycopg://")
    assert "@db:5432/" in url  # the service above, by its name


def test_the_schema_is_upgraded_before_the_app_starts(services: dict) -> None:
    assert services["migrate"]["command"] == ["controlmap", "db", "upgrade"]
    assert services["app"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully")
    assert services["migrate"]["environment"] == services["app"]["environment"]
