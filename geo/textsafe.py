"""How text from outside is shown: Markdown escaped, database URLs with their password masked.

Strings from documents (names, URLs, dates), file names and form fields are hostile
wherever they are shown. Streamlit renders Markdown in ``st.error``/``st.info``/
``st.markdown``/captions and in widget, expander and tab labels, where a link would be
clickable and an image would load from anywhere: :func:`escape_markdown` makes any string
literal there. A database URL may carry a password: :func:`mask_url` (one URL) and
:func:`mask_secrets` (any message) hide it, in the app, the CLI and the logs alike.
"""

from __future__ import annotations

import logging
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@])")
# scheme://user:password@ (the password runs up to the last @ before the host).
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<pw>[^\s/]*)@")
MASK = "***"


def escape_markdown(text: object) -> str:
    """Return ``text`` that Streamlit's Markdown shows literally (no links, HTML or emphasis).

    Every ASCII punctuation character that Markdown, HTML or Streamlit's own syntax
    (``:emoji:``, ``$math$``, ``:red[...]``) could read is backslash-escaped, and line
    breaks become spaces.

    Examples
    --------
    >>> escape_markdown("<b>[x](http://a)</b>")
    '\\\\<b\\\\>\\\\[x\\\\]\\\\(http\\\\://a\\\\)\\\\</b\\\\>'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def mask_url(url: str) -> str:
    """Return a database URL or path as it may be shown: its password replaced by ``***``.

    Examples
    --------
    >>> mask_url("postgresql+psycopg://u:secret@127.0.0.1:5432/x")
    'postgresql+psycopg://u:***@127.0.0.1:5432/x'
    >>> mask_url("controlmap.db")
    'controlmap.db'
    """
    return mask_secrets(url)


def mask_secrets(text: str) -> str:
    """Return ``text`` (a message, a log line) with the password of every URL in it masked.

    Examples
    --------
    >>> mask_secrets("cannot open postgresql://u:p%40ss@h/db: refused")
    'cannot open postgresql://u:***@h/db: refused'
    """
    return _URL_PASSWORD.sub(lambda m: m["head"] + MASK + "@", str(text))


class MaskingFilter(logging.Filter):
    """A logging filter that masks URL passwords in a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record with its passwords masked; return True (keep it)."""
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> None:
    """Mask passwords in everything ``logger`` (default: the root's handlers) writes."""
    target = logger or logging.getLogger()
    for handler in [*target.handlers, *logging.getLogger().handlers]:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    if not any(isinstance(f, MaskingFilter) for f in target.filters):
        target.addFilter(MaskingFilter())
