"""The map's pure per-day data: no view libraries, the theatre's legend, one source for the
app and the HTML export."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from factories import make_claim

from geo import mapdata, mapview
from geo.model import model_from_claims
from geo.records import STATUSES
from geo.theatre import load_theatre

MOVED = [
    "BACKGROUND", "BOUNDS", "COLORS", "FILL_OPACITY", "LABELS", "OUTLINE", "TOTAL_PROVINCES",
    "UNCONFIRMED_DASH", "UNCONFIRMED_OPACITY", "evidence_rows", "highlight_style",
    "label_points", "legend_entries", "legend_html", "place_features", "place_states",
    "place_style", "preview_data", "province_features", "province_layer_data",
    "province_style", "script_json", "shapes_json", "since_label", "source_link",
    "status_label", "tooltip_html",
]  # fmt: skip


def test_mapdata_imports_no_view_library() -> None:
    code = ("import sys, geo.mapdata; "
            "print(sorted(m for m in ('folium', 'altair', 'streamlit', 'branca') "
            "if m in sys.modules))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip

    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("name", MOVED)
def test_mapview_still_offers_each_moved_name_as_the_same_object(name: str) -> None:
    assert getattr(mapview, name) is getattr(mapdata, name)


def test_the_legend_entries_are_the_theatres_statuses_then_unconfirmed() -> None:
    theatre = load_theatre()
    entries = mapdata.legend_entries()

    assert [e["id"] for e in entries] == [*STATUSES, "unconfirmed"]
    for entry in entries[:-1]:
        assert entry["colour"] == theatre.colours[entry["id"]]
        assert entry["label"] == theatre.labels[entry["id"]]
    assert entries[-1]["dashed"] is True
    assert entries[-1]["opacity"] < entries[0]["opacity"]
    assert all(entry["label"] in mapdata.legend_html() for entry in entries)


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_has_its_own_fill_and_unconfirmed_ones_are_paler(status: str) -> None:
    confirmed = mapdata.province_style(status, True)
    unconfirmed = mapdata.province_style(status, False)

    assert confirmed["fillColor"] == mapdata.COLORS[status]
    if status == "unknown":
        assert unconfirmed == confirmed  # nothing to confirm
    else:
        assert unconfirmed["fillOpacity"] < confirmed["fillOpacity"]
        assert unconfirmed["dashArray"]


def test_the_preview_data_follows_the_provinces_day_by_day_and_turns_stale() -> None:
    captured = make_claim().with_id()  # Kunduz to the Taliban on 8 August
    model = model_from_claims([captured])
    data = mapdata.preview_data(model)

    changes = data["changes"]["AF-KDZ"]
    # The state, then the day it turns stale: no report for more than 21 days.
    assert [c[0] for c in changes] == ["", "2021-08-08", "2021-08-30"]
    assert data["styles"][changes[1][1]] == mapdata.province_style("taliban", True)
    assert data["styles"][changes[2][1]] == mapdata.province_style("taliban", True, stale=True)
    for day, index in ((dt.date(2021, 8, 8), 1), (dt.date(2021, 8, 30), 2)):
        styles = mapdata.province_layer_data(model, day)["styles"]
        assert styles["AF-KDZ"] == data["styles"][changes[index][1]]


def test_tooltips_and_script_json_escape_document_text() -> None:
    hostile = make_claim(place="<img src=x onerror=alert(1)>", place_id="gn:1", place_kind="town",
                         lat=36.7, lon=68.9).with_id()
    model = model_from_claims([hostile])
    [feature] = mapdata.place_features(model, dt.date(2021, 8, 9))["features"]

    assert "<img" not in feature["properties"]["tooltip"]
    text = mapdata.script_json({"q": "</script><!--"})
    assert "<" not in text
    assert json.loads(text) == {"q": "</script><!--"}
