"""One settings registry, every setting documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.settings import ALL_SETTINGS, Setting

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("setting", ALL_SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_documented_in_the_readme(setting: Setting):
    rows = [line for line in README.read_text(encoding="utf-8").splitlines()
            if line.startswith(f"| `{setting.env}` |")]
    assert rows, f"{setting.env} has no row in the README's settings table"
    assert setting.help


def test_a_setting_reads_the_environment_before_its_default(monkeypatch):
    monkeypatch.setenv("CONTROLMAP_ENGINE", "rules")
    assert {s.env: s for s in ALL_SETTINGS}["CONTROLMAP_ENGINE"].value() == "rules"
