"""Which database the app and the CLI open (geo.databases): configured, never typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import databases
from geo.errors import StoreError


def test_without_a_list_the_one_database_is_controlmap_db(monkeypatch) -> None:
    monkeypatch.delenv("CONTROLMAP_DATABASES", raising=False)
    monkeypatch.setenv("CONTROLMAP_DB", "/srv/x.db")
    assert databases.configured() == {"default": "/srv/x.db"}


def test_a_list_keeps_its_order_and_urls_with_equals_signs(monkeypatch) -> None:
    monkeypatch.setenv("CONTROLMAP_DATABASES",
                       "live=postgresql://u:p@h/db?sslmode=require ; old = /srv/old.db")
    assert databases.configured() == {"live": "postgresql://u:p@h/db?sslmode=require",
                                      "old": "/srv/old.db"}


@pytest.mark.parametrize("raw", ["live", "=x.db", "live=", "a b=x.db", "a=x.db;a=y.db", ";",
                                 "[x](http://e)=x.db"])
def test_a_list_that_cannot_be_read_is_an_error_naming_the_entry(raw: str) -> None:
    with pytest.raises(databases.DatabaseSettingError, match="CONTROLMAP_DATABASES"):
        databases.parse_databases(raw)


def test_an_error_about_the_list_masks_a_password() -> None:
    with pytest.raises(databases.DatabaseSettingError) as err:
        databases.parse_databases("bad name=postgresql://u:secret@h/db")
    assert "secret" not in str(err.value)


def test_an_unknown_name_is_an_error_naming_it_and_the_choices(monkeypatch) -> None:
    monkeypatch.setenv("CONTROLMAP_DATABASES", "live=a.db;old=b.db")
    with pytest.raises(databases.UnknownDatabaseError, match=r"/tmp/x\.db") as err:
        databases.resolve("/tmp/x.db")
    assert "'live', 'old'" in err.value.hint


def test_a_missing_sqlite_file_is_an_error_and_stays_missing(tmp_path: Path) -> None:
    for db in (str(tmp_path / "typo.db"), f"sqlite:///{tmp_path / 'typo.db'}"):
        with pytest.raises(StoreError, match="There is no database") as err:
            databases.require_existing(db)
        assert "controlmap demo --db PATH" in err.value.hint
    assert not (tmp_path / "typo.db").exists()


def test_an_existing_file_memory_and_a_server_pass(tmp_path: Path) -> None:
    (tmp_path / "x.db").write_bytes(b"")
    for db in (str(tmp_path / "x.db"), ":memory:", "postgresql://u@h/db"):
        assert databases.require_existing(db) == db
