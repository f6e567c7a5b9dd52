"""Small real records for tests: a Kunduz claim that each test changes as it needs."""

from __future__ import annotations

import dataclasses
import datetime as dt

from geo.records import Claim


def make_claim(**changes: object) -> Claim:
    """Return a claim that the Taliban captured Kunduz city on 8 Aug 2021, with ``changes``."""
    base = Claim(
        document="kunduz.txt",
        event_date=dt.date(2021, 8, 8),
        place="Kunduz",
        place_id="prov:AF-KDZ",
        place_kind="capital",
        province_iso="AF-KDZ",
        actor="taliban",
        kind="captured",
        claimant="local",
        geo_precision=1,
        confidence=0.75,
        quote="The Taliban captured Kunduz city on Sunday, residents said.",
        start=10,
        end=70,
        source="https://example.org/kunduz",
        lat=36.73,
        lon=68.86,
    )
    return dataclasses.replace(base, **changes)


class StatementLog:
    """The SQL statements an engine runs while this context is open (to bound query counts)."""

    def __init__(self, engine: object) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementLog:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._record)

    def queries(self) -> list[str]:
        """Return the statements that read (SELECT/WITH), leaving out pragmas and BEGINs."""
        return [s for s in self.statements
                if s.lstrip().upper().startswith(("SELECT", "WITH"))]
