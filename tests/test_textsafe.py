"""Showing outside text: Markdown escaped, database passwords masked (geo.textsafe)."""

from __future__ import annotations

import logging
import re

from hypothesis import given
from hypothesis import strategies as st

from geo.textsafe import MaskingFilter, escape_markdown, mask_secrets, mask_url

SECRET = "postgresql+psycopg://u:secret@127.0.0.1:1/x"


def test_a_url_password_is_masked_and_the_rest_kept() -> None:
    assert mask_url(SECRET) == "postgresql+psycopg://u:***@127.0.0.1:1/x"
    assert mask_url("postgresql://u:p@ss@h/db") == "postgresql://u:***@h/db"


def test_urls_without_a_password_and_paths_are_unchanged() -> None:
    for text in ("controlmap.db", "/srv/a:b@c.db", "sqlite:////tmp/x.db",
                 "postgresql://u@h:5432/db", "postgresql://h/db"):
        assert mask_url(text) == text


def test_every_password_in_a_message_is_masked() -> None:
    message = f"cannot open {SECRET} (also tried mysql://root:hunter2@db/x)"
    masked = mask_secrets(message)
    assert "secret" not in masked
    assert "hunter2" not in masked
    assert masked.count(":***@") == 2


# What a password may hold in a URL (no '/', '@' or whitespace: those end it).
_PASSWORD = st.text(alphabet=st.sampled_from("abcXYZ019!$%&*+-.:;=?^_~#,'()[]"), min_size=1,
                    max_size=20)


@given(_PASSWORD)
def test_any_password_is_masked(password: str) -> None:
    masked = mask_secrets(f"x postgresql://someone:{password}@host/db y")
    assert masked == "x postgresql://someone:***@host/db y"


def test_a_logged_traceback_has_its_password_masked(caplog) -> None:
    log = logging.getLogger("controlmap.test_textsafe")
    log.addFilter(MaskingFilter())
    try:
        raise RuntimeError(f"connection to {SECRET} refused")
    except RuntimeError:
        with caplog.at_level(logging.ERROR, logger=log.name):
            log.exception("opening %s failed", SECRET)
    [record] = caplog.records
    assert "secret" not in record.getMessage()
    assert "secret" not in (record.exc_text or "")
    assert "u:***@127.0.0.1" in record.getMessage()
    assert "secret" not in caplog.text


@given(st.text(max_size=80))
def test_escaped_markdown_has_no_unescaped_markup_sign(text: str) -> None:
    out = escape_markdown(text)
    assert not re.search(r"(?<!\\)[\[\]()<>!`*_]", out.replace("\\\\", ""))
