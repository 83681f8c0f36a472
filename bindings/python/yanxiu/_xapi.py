"""xAPI statements: yanxiu.read_xapi, and the `xapi=` of yanxiu.evaluate.

Statements come as a file (a JSON array, JSON Lines or pretty-printed
objects one after another, read in C++ as `yanxiu evaluate --xapi` reads
it) or as a list of dicts, which is written as JSON Lines, one statement a
line, and handed to the same C++ reader under the name `<xapi>`, so that a
rejection's line is the statement's 1-based position in the list.  The
mapping (actor, verb, object, result, voiding) is the library's one
(io/xapi.hpp), whichever way the statements come.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Union

from . import _core
from ._core import Program, Rejection

if TYPE_CHECKING:  # pandas is optional: needed only for XapiRead.frame()
    import pandas as pd

__all__ = ["XAPI_EVENT_COLUMNS", "XapiRead", "read_xapi"]

#: Statements: a file path, or an iterable of statement dicts (e.g. the
#: `statements` of an LRS's response, as json.load gives them).
XapiSource = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]", Iterable[Mapping[str, Any]]]

#: The columns of XapiRead.frame(): the statement's line, then the fields of
#: the event record it maps to (start/end for study, at/score/completed for a quiz).
XAPI_EVENT_COLUMNS = ("line", "kind", "participant", "lesson", "id", "start", "end", "at", "score", "completed")

# What a statement that is not a dict, or cannot be written as JSON, becomes:
# a line the reader rejects `malformed` at that statement's row.
_NOT_A_STATEMENT = "null"


def _json_default(value: Any) -> Any:
    """Values json.dumps cannot write that a statement built in Python may hold."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _statement_lines(statements: object, what: str) -> bytes:
    """Statements from memory as JSON Lines, one a line, as UTF-8 (a lone
    surrogate passed on, for the reader to reject as bad_utf8)."""
    pd = sys.modules.get("pandas")
    if isinstance(statements, Mapping) or (pd is not None and isinstance(statements, pd.DataFrame)) \
            or not isinstance(statements, Iterable):
        kind = "a single dict" if isinstance(statements, Mapping) else type(statements).__name__
        raise TypeError(f"{what}: expected a statements file path or a list of statement dicts, not {kind}")
    lines = []
    for statement in statements:
        line = _NOT_A_STATEMENT
        if isinstance(statement, Mapping):
            try:
                line = json.dumps(dict(statement), ensure_ascii=False, default=_json_default)
            except (TypeError, ValueError, RecursionError):
                pass
        lines.append(line)
    return "".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass")


def _read_into(data: _core._Dataset, source: object, lesson: str) -> dict[str, Any]:
    """Statements into an evaluation's records, after its events; the summary."""
    if isinstance(source, (str, bytes, os.PathLike)):
        return data.read_xapi(source, None, lesson)
    return data.read_xapi(None, _statement_lines(source, "xapi"), lesson)


class XapiRead:
    """Statements mapped to event records, as `yanxiu.read_xapi` returns them.

    `events` are the records (dicts) the statements map to, in statement
    order — the same records `yanxiu.evaluate(..., xapi=...)` adds, so they
    may be given to `evaluate` as `events`; `rejected` the statements that
    could not be mapped; `summary` the counts (read = mapped + ignored +
    rejected + duplicates; nothing is checked against participants here, so
    no duplicates and no unknown participants: that is evaluate's).
    """

    __slots__ = ("_events", "_lines", "_rejected", "_summary", "_zone")

    def __init__(self, events: list[tuple[int, dict[str, Any]]], rejected: list[Rejection],
                 summary: dict[str, Any], zone: str) -> None:
        self._lines = [line for line, _ in events]
        self._events = [record for _, record in events]
        self._rejected = rejected
        self._summary = summary
        self._zone = zone

    @property
    def events(self) -> list[dict[str, Any]]:
        """The event records, in statement order: `kind` ("study" or "quiz"),
        `id` (the statement id), `participant`, `lesson`, and `start`/`end`
        (study) or `at`, `score`, `completed` (quiz), instants as UTC text."""
        return [dict(record) for record in self._events]

    @property
    def lines(self) -> list[int]:
        """Where each event's statement starts (its 1-based position for a list)."""
        return list(self._lines)

    @property
    def rejected(self) -> list[Rejection]:
        """The statements that could not be mapped, in order."""
        return list(self._rejected)

    @property
    def summary(self) -> dict[str, Any]:
        """{read, mapped, ignored, rejected, duplicates, voided, pages, sessions, ignored_by_verb}."""
        return {**self._summary, "ignored_by_verb": dict(self._summary["ignored_by_verb"])}

    def __len__(self) -> int:
        return len(self._events)

    def frame(self) -> pd.DataFrame:
        """One row per event (XAPI_EVENT_COLUMNS): `line` int64, the text
        fields object (str), `start`, `end`, `at` datetime64 in the
        programme's zone (NaT where the kind has none), `score` float64 (NaN
        where none), `completed` object (True, False or None)."""
        import numpy as np
        import pandas as pd

        def column(name: str) -> list[Any]:
            return [record.get(name) for record in self._events]

        data: dict[str, Any] = {"line": np.array(self._lines, dtype=np.int64)}
        for name in ("kind", "participant", "lesson", "id"):
            data[name] = np.array(column(name), dtype=object)
        for name in ("start", "end", "at"):
            data[name] = pd.to_datetime(pd.Series(column(name), dtype=object), utc=True).dt.tz_convert(self._zone)
        data["score"] = np.array([np.nan if v is None else float(v) for v in column("score")], dtype=np.float64)
        data["completed"] = np.array(column("completed"), dtype=object)
        return pd.DataFrame(data, columns=list(XAPI_EVENT_COLUMNS))

    def __repr__(self) -> str:
        s = self._summary
        return (f"yanxiu.XapiRead(read={s['read']}, mapped={s['mapped']}, ignored={s['ignored']}, "
                f"rejected={s['rejected']}, voided={s['voided']})")


def read_xapi(program: Program, source: XapiSource, lesson: str = "last_segment") -> XapiRead:
    """Maps xAPI statements to event records under `program`, without evaluating.

    `source` is a statements file (a JSON array, JSON Lines or pretty-printed
    objects; read as UTF-8, as JSON is) or a list of statement dicts (a
    rejection's `file` is then `<xapi>`, its `line` the 1-based position).
    `lesson` says how an object id names a lesson: `last_segment` (the IRI's
    last path segment), `whole_iri`, or `query:PARAM` (a query parameter's
    value), as the command line's --xapi-lesson.  The GIL is released while
    statements are mapped.
    """
    if not isinstance(program, Program):
        raise TypeError(f"program must be a yanxiu.Program (yanxiu.Program.load(...)), "
                        f"not {type(program).__name__}")
    if not isinstance(lesson, str):
        raise TypeError(f"lesson must be a str, not {type(lesson).__name__}")
    if isinstance(source, (str, bytes, os.PathLike)):
        # Read by the library, as evaluate(xapi=path) and --xapi read it (UTF-16, GB18030 recognised).
        events, rejected, summary = _core._xapi_events_file(program, source, lesson)
    else:
        events, rejected, summary = _core._xapi_events(program, _statement_lines(source, "source"), "<xapi>", lesson)
    return XapiRead(events, rejected, summary, program.time_zone)
