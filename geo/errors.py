"""The package's errors: every message names the bad value and says how to fix it.

The CLI and the Streamlit pages catch :class:`ControlmapError` and show ``str(err)`` (and
``err.hint`` when there is one) instead of a traceback.
"""

from __future__ import annotations


class ControlmapError(Exception):
    """Base class of controlmap's errors; ``hint`` says what the user can do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} Hint: {self.hint}" if self.hint else message


class DocumentError(ControlmapError):
    """A document cannot be ingested: empty, binary, not UTF-8, too large or undated.

    ``document`` names the refused document (a file name, or ``file.jsonl#N``) when known.
    """

    document: str = ""


class DateError(ControlmapError):
    """A date is missing, malformed or out of range."""


class GazetteerError(ControlmapError):
    """The gazetteer or boundary data is missing or inconsistent."""


class StoreError(ControlmapError):
    """The database cannot be opened, is of an unknown schema version, or a record is missing."""


class DocumentStoreError(StoreError):
    """The database refused to store one document (the rest of a batch can go on).

    ``document`` names it; the message gives the database's reason without SQL or values.
    """

    document: str = ""


class ClaimError(ControlmapError):
    """A manual claim or an edit is invalid (unknown place, kind, actor or claim id)."""


class LexiconError(ControlmapError):
    """A lexicon, labels or model file of the extraction is missing or malformed."""
