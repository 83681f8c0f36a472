"""yanxiu.evaluate and the Evaluation it returns.

Records reach the C++ library one of three ways: a file path (read and parsed
in C++ with the GIL released), a list of dicts (row by row: they are Python
objects already), or a pandas DataFrame (column by column through numpy
buffers).  All three end in the same acceptance code as the command line's
readers, so they give the same outcomes and the same rejections.
"""

from __future__ import annotations

import html
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Union

from . import _core, _xapi
from ._core import Outcome, Program, Rejection
from ._xapi import XapiSource

if TYPE_CHECKING:  # pandas is optional: needed only for DataFrames and to_frame()
    import numpy.typing as npt
    import pandas as pd

__all__ = ["evaluate", "Evaluation", "InputWarning", "OUTCOME_COLUMNS", "REQUIREMENT_COLUMNS", "STATUSES"]

#: Record sources: a file path (JSON Lines or CSV), an iterable of dicts, or a
#: pandas DataFrame with the record fields as columns (docs/records.md).
Records = Union[str, "os.PathLike[str]", Iterable[Mapping[str, Any]], "pd.DataFrame"]
#: An as_of: an ISO 8601 string (a date means the end of that local day), a
#: datetime (naive: the programme's zone), a date, or a pandas Timestamp.
AsOf = Union[None, str, datetime, date, "pd.Timestamp"]

#: The columns of Evaluation.to_frame(), in the order of an outcome's JSON
#: (where the programme declares groups, one `hours_by_group.<group>` column
#: per group follows).
OUTCOME_COLUMNS = ("participant", "unit", "category", "status", "lessons_credited", "lessons_required",
                   "seconds_studied", "seconds_credited", "hours_credited", "certificate", "completed_at",
                   "reasons", "requirements")
#: The columns of Evaluation.requirements_frame(): one row per node of each
#: participant's requirement tree.
REQUIREMENT_COLUMNS = ("participant", "unit", "category", "path", "kind", "holds", "have", "need")
#: The statuses, in the order the command line counts them.
STATUSES = ("completed", "in_progress", "recorded", "not_started", "unverified")

#: How `columns=` is given: {column of the input: record field}.
ColumnMap = Mapping[str, str]
# The fields a record may carry; other columns of a DataFrame are not converted.
_FIELDS = frozenset({"id", "unit", "sector", "category", "verified", "name", "kind", "participant", "lesson",
                     "start", "end", "duration", "at", "score", "completed", "exam", "seconds", "by", "reason",
                     "recorded_by", "expected"})
# What a record of each source cannot do without: a column missing from every
# record means no record is usable, which is worth a warning, not silence.
_REQUIRED = {False: ("id",), True: ("kind", "participant")}


class InputWarning(UserWarning):
    """Records given to yanxiu.evaluate that look wrong as a whole: a required
    column missing, or not one record accepted.  Each record's own problems
    are in Evaluation.rejected."""
_HTML_ROWS = 10


def evaluate(program: Program, participants: Records, events: Records | None = None, as_of: AsOf = None,
             threads: int = 0, *, xapi: XapiSource | None = None, xapi_lesson: str = "last_segment",
             columns: ColumnMap | None = None) -> Evaluation:
    """Evaluates every participant under `program`.

    `participants` and `events` are each a file path (JSON Lines or CSV, by
    extension, else by content), an iterable of dicts, or a pandas DataFrame.
    `xapi` adds xAPI statements, read after `events` as the command line's
    --xapi reads them (then `events` may be left out): a statements file
    (a JSON array, JSON Lines or pretty-printed objects) or a list of
    statement dicts; `xapi_lesson` says how an object id names a lesson
    (`last_segment`, `whole_iri` or `query:PARAM`, as --xapi-lesson).
    Records that cannot be used never raise: they land in
    `Evaluation.rejected`, named `<participants>`/`<events>`/`<xapi>` and by
    their 1-based row when given in memory.  `as_of` limits the evaluation
    to study before it and quizzes at or before it.  `threads` = 0 uses
    every core (as the command line's --threads, at most 1024), for reading
    an events file and for the evaluation.

    Values are read as the command line reads a CSV cell, whatever pandas
    made of them: text "true"/"是"/"1" or a float 1.0 is a boolean, numeric
    text is a number, an id pandas read as 1234.0 is "1234", datetime64
    columns and timestamp text are instants (naive: the programme's zone).
    Column names may be the field names, in any case, or the Chinese headers
    of platform exports (工号, 单位, 是否实名, 课程, ...: docs/records.md);
    `columns` maps other names to fields, `{"教师工号": "id"}`, for DataFrames
    and lists of dicts.  Categories and sectors may be given by their labels
    (中小学班主任, 小学).  A required column missing (participants: id; events:
    kind and participant), or no record accepted from a source, gives an
    `InputWarning`.
    The GIL is released while files and statements are read and while
    participants are evaluated.
    """
    if not isinstance(program, Program):
        raise TypeError(f"program must be a yanxiu.Program (yanxiu.Program.load(...)), "
                        f"not {type(program).__name__}")
    if events is None and xapi is None:
        raise TypeError("evaluate() needs events, xapi statements or both")
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= 1024:
        raise ValueError(f"threads must be a whole number from 0 (every core) to 1024, not {threads!r}")
    if not isinstance(xapi_lesson, str):
        raise TypeError(f"xapi_lesson must be a str, not {type(xapi_lesson).__name__}")
    if xapi is None and xapi_lesson != "last_segment":
        raise ValueError("xapi_lesson needs xapi statements")  # as --xapi-lesson needs --xapi
    if columns is not None:
        if not isinstance(columns, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in columns.items()):
            raise TypeError("columns must map column names to record field names, {'教师工号': 'id'}")
        unknown = sorted(v for v in set(columns.values()) if v not in _FIELDS)
        if unknown:
            raise ValueError(f"columns maps to {', '.join(map(repr, unknown))}, which no record field is; "
                             f"the fields are {', '.join(sorted(_FIELDS))}")
        if any(_is_path(source) for source in (participants, events)):
            raise ValueError("columns= renames the columns of DataFrames and lists of dicts; a file's header "
                             "may use the field names or the Chinese headers (docs/records.md)")
    as_of_seconds = _core._parse_as_of(program, as_of)
    data = _core._Dataset(program, threads)
    _add(data, False, participants, "participants", columns)  # participants first: events name them
    if events is not None:
        _add(data, True, events, "events", columns)
    statements = None if xapi is None else _xapi._read_into(data, xapi, xapi_lesson)
    evaluation = Evaluation(data.evaluate(as_of_seconds, threads), statements)
    pd = sys.modules.get("pandas")
    if pd is not None:
        for name, source in (("<participants>", participants), ("<events>", events)):
            if isinstance(source, pd.DataFrame):
                evaluation._labels[name] = source.index
    summary = evaluation.summary
    for what, records in (("participants", participants), ("events", events)):
        counts = summary.get(what)
        if records is not None and counts and counts["read"] > 0 and counts["accepted"] == 0:
            warnings.warn(f"yanxiu.evaluate: none of the {counts['read']} {what} records was accepted "
                          f"(see Evaluation.rejected for why)", InputWarning, stacklevel=2)
    # Every input a file: a report can name them (their SHA-256 and counts) as its provenance.
    sources = [("participants", participants), ("events", events), ("xapi", xapi)]
    given = [(role, source) for role, source in sources if source is not None]
    if all(_is_path(source) for _, source in given):
        evaluation._files = [(role, os.fsdecode(os.fspath(source)),  # type: ignore[arg-type]
                              _xapi_counts(statements) if role == "xapi" else None) for role, source in given]
        evaluation._stamps = [_stamp(path) for _, path, _ in evaluation._files]
    return evaluation


def _stamp(path: str) -> tuple[int, int] | None:
    """A file's size and modification time, to tell at report time whether it
    is still what was read (a report hashes its inputs then)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _is_path(source: object) -> bool:
    return isinstance(source, (str, bytes, os.PathLike))


def _xapi_counts(summary: dict[str, Any] | None) -> tuple[int, int, int, int] | None:
    """An xAPI file's counts as a provenance names them (statements mapped count as accepted)."""
    if summary is None:
        return None
    return (summary["read"], summary["mapped"], summary["rejected"], summary["duplicates"])


def _add(data: _core._Dataset, events: bool, source: object, what: str, rename: ColumnMap | None = None) -> None:
    if isinstance(source, (str, bytes, os.PathLike)):
        data.read_file(events, source)
        return
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(source, pd.DataFrame):
        rows, columns = _frame_columns(source, rename, what)
        _warn_missing(events, what, {name for name, *_ in columns}, rows)
        data.add_columns(events, rows, columns)
        return
    if isinstance(source, Mapping):
        raise TypeError(f"{what}: expected a file path, a list of dicts or a pandas DataFrame, "
                        f"not a single dict")
    if not isinstance(source, Iterable):
        raise TypeError(f"{what}: expected a file path, a list of dicts or a pandas DataFrame, "
                        f"not {type(source).__name__}")
    if rename:
        source = ({rename.get(k, k) if isinstance(k, str) else k: v for k, v in record.items()}
                  if isinstance(record, Mapping) else record for record in source)
    data.add_records(events, source)


def _field_of(name: object, rename: ColumnMap | None) -> str | None:
    """The record field a column names, after `columns=`."""
    if not isinstance(name, str):
        return None
    if rename and name in rename:
        return rename[name]
    return _core._field_from_header(name)


def _warn_missing(events: bool, what: str, fields: set[str], rows: int) -> None:
    missing = [field for field in _REQUIRED[events] if field not in fields]
    if missing and rows:
        warnings.warn(f"yanxiu.evaluate: the {what} have no {' or '.join(missing)} column, so no record "
                      f"can be used; name it so, map it with columns={{'your column': '{missing[0]}'}} "
                      f"or use a Chinese header (docs/records.md)", InputWarning, stacklevel=4)


def _frame_columns(frame: pd.DataFrame, rename: ColumnMap | None = None,
                   what: str = "records") -> tuple[int, list[tuple[str, str, Any, Any]]]:
    """The record columns of a DataFrame as (field, kind, numpy array, missing mask)."""
    columns = []
    named: dict[str, object] = {}
    for position, name in enumerate(frame.columns):
        field = _field_of(name, rename)
        if field is None or field not in _FIELDS:
            continue
        if field in named:
            if named[field] == name:
                raise ValueError(f"{what}: column {name!r} appears twice")
            raise ValueError(f"{what}: columns {named[field]!r} and {name!r} both name the field {field!r}")
        named[field] = name
        kind, values, missing = _series_column(frame.iloc[:, position])
        columns.append((field, kind, values, missing))
    return len(frame), columns


def _series_column(series: pd.Series) -> tuple[str, npt.NDArray[Any], npt.NDArray[Any] | None]:
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        # Aware: the instants, as nanoseconds since the epoch in UTC.
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return "instant_ns", utc.to_numpy(dtype="datetime64[ns]").view("i8"), None
    if isinstance(dtype, np.dtype):
        kind = dtype.kind
        values = series.to_numpy()
        if kind == "M":  # naive: wall-clock time in the programme's zone
            return "local_ns", values.astype("datetime64[ns]").view("i8"), None
        if kind == "m":
            return "timedelta_ns", values.astype("timedelta64[ns]").view("i8"), None
        if kind == "b":
            return "bool", values.astype(np.uint8), None
        if kind == "i" or (kind == "u" and dtype.itemsize < 8):
            return "int64", values.astype(np.int64), None
        if kind == "f":
            return "float64", values.astype(np.float64), None
        return "object", np.ascontiguousarray(series.to_numpy(dtype=object)), None
    if isinstance(dtype, pd.CategoricalDtype):
        # Codes (-1: missing) and the categories, each converted once.
        codes = np.asarray(series.cat.codes.to_numpy(), dtype=np.int32)
        categories = np.asarray(dtype.categories.to_numpy(dtype=object), dtype=object)
        return "category", (codes, categories), None  # type: ignore[return-value]
    # Other extension types (nullable Int64 and boolean, string, ...): cell
    # by cell, with pandas' missing values as None.
    return "object", np.ascontiguousarray(series.to_numpy(dtype=object, na_value=None)), None


class Evaluation:
    """The outcomes of `yanxiu.evaluate`, one per participant sorted by id,
    with every rejected record and the read counts.

    `evaluation["T001"]` is one participant's Outcome; `len()` and iteration
    go over the outcomes; `to_frame()` gives a pandas DataFrame.
    """

    __slots__ = ("_data", "_outcomes", "_xapi", "_files", "_stamps", "_labels")

    def __init__(self, data: _core._Evaluation, xapi: dict[str, Any] | None = None) -> None:
        self._data = data
        self._outcomes: list[Outcome] | None = None
        self._xapi = xapi
        # (role, path, counts or None) of each input when all were files, else None.
        self._files: list[tuple[str, str, tuple[int, int, int, int] | None]] | None = None
        self._stamps: list[tuple[int, int] | None] = []
        # The index of each DataFrame given, by the name its rejections carry ("<participants>").
        self._labels: dict[str, Any] = {}

    @property
    def program(self) -> Program:
        """The programme the participants were evaluated under."""
        return self._data.program

    @property
    def as_of(self) -> datetime | None:
        """The as_of instant (an aware datetime in the programme's zone), or None."""
        return self._data.as_of

    @property
    def outcomes(self) -> list[Outcome]:
        """One Outcome per accepted participant, sorted by participant id."""
        if self._outcomes is None:
            self._outcomes = self._data.outcomes()
        return list(self._outcomes)

    @property
    def rejected(self) -> list[Rejection]:
        """Every record that could not be used, in the order read."""
        return self._data.rejections()

    def rejected_frame(self) -> pd.DataFrame:
        """The rejections as a DataFrame: file, line, field, code, message, and
        `index`, the row's label in the DataFrame it came from (a rejection of
        records given as a DataFrame names its 1-based row in `line`; `index`
        is that row's label, e.g. the id an analyst set as the index; None for
        records from files and lists)."""
        import pandas as pd

        rows = []
        for r in self.rejected:
            labels = self._labels.get(r.file)
            label = labels[r.line - 1] if labels is not None and 1 <= r.line <= len(labels) else None
            rows.append({"file": r.file, "line": r.line, "index": label, "field": r.field, "code": r.code,
                         "message": r.message})
        return pd.DataFrame(rows, columns=["file", "line", "index", "field", "code", "message"])

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        """Read counts: {"participants": {read, accepted, rejected, duplicates}, "events": {...}};
        read = accepted + rejected + duplicates.  Events count the xAPI
        statements too, except those mapped to nothing (see `xapi`)."""
        return self._data.summary()

    @property
    def xapi(self) -> dict[str, Any] | None:
        """What the `xapi` statements held, as the command line's `xapi:` line:
        {read, mapped, ignored, rejected, duplicates, voided, pages, sessions, ignored_by_verb};
        read = mapped + ignored + rejected + duplicates.  None without `xapi`."""
        if self._xapi is None:
            return None
        return {**self._xapi, "ignored_by_verb": dict(self._xapi["ignored_by_verb"])}

    def status_counts(self) -> dict[str, int]:
        """How many outcomes have each status (every status present, in STATUSES order)."""
        return self._data.status_counts()

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Outcome]:
        if self._outcomes is None:
            self._outcomes = self._data.outcomes()
        return iter(self._outcomes)

    def __getitem__(self, participant: str) -> Outcome:
        found = self._data.find(participant) if isinstance(participant, str) else None
        if found is None:
            raise KeyError(participant)
        return found

    def __contains__(self, participant: object) -> bool:
        return isinstance(participant, str) and self._data.find(participant) is not None

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """One row per participant, the fields of an outcome in order (OUTCOME_COLUMNS).

        With `lang` ("zh" or "en"), a last column `reasons_text` gives the
        reasons as sentences, as `Outcome.explain(lang)` words them (without
        the status), joined by "；" / "; ".

        Counts are int64, `hours_credited` float64, `certificate` bool,
        `completed_at` a tz-aware datetime64 in the programme's zone (NaT when
        not completed), `reasons` and `requirements` a list of dicts per row
        (`requirements` is empty for a bare lesson count).  Where the
        programme declares groups, `hours_by_group.<group>` columns (float64)
        follow.  To filter on requirements, see `requirements_frame()`."""
        import numpy as np
        import pandas as pd

        columns = self._data.columns()
        n = len(self._data)
        completed_at = pd.DatetimeIndex(columns["completed_at"].view("datetime64[s]").astype("datetime64[ns]"))
        completed_at = completed_at.tz_localize("UTC").tz_convert(self.program.time_zone)
        reasons = np.empty(n, dtype=object)
        for i, row in enumerate(columns["reasons"]):
            reasons[i] = row
        data: dict[str, Any] = {}
        requirements = np.empty(n, dtype=object)
        for i, row in enumerate(columns["requirements"]):
            requirements[i] = row
        for name in OUTCOME_COLUMNS:
            if name == "completed_at":
                data[name] = completed_at.array
            elif name == "reasons":
                data[name] = reasons
            elif name == "requirements":
                data[name] = requirements
            elif name in ("participant", "unit", "category", "status"):
                data[name] = np.array(columns[name], dtype=object)
            else:
                data[name] = columns[name]
        names = list(OUTCOME_COLUMNS)
        for g, group in enumerate(columns["group_ids"]):
            name = f"hours_by_group.{group}"
            data[name] = columns["group_hours"][:, g]
            names.append(name)
        if lang is not None:
            if lang not in ("zh", "en"):
                raise ValueError("lang must be 'zh' or 'en'")
            separator = "；" if lang == "zh" else "; "
            data["reasons_text"] = np.array([separator.join(o.explain(lang)[1:]) for o in self.outcomes], dtype=object)
            names.append("reasons_text")
        return pd.DataFrame(data, index=pd.RangeIndex(n), columns=names)

    def requirements_frame(self) -> pd.DataFrame:
        """One row per node of each participant's requirement tree (REQUIREMENT_COLUMNS),
        in participant order and tree order: `path` ("requires", "requires.all[0]", ...),
        `kind`, `holds` (bool), `have` and `need` (float64; `have` NaN where no exam was
        sat).  Participants of a bare lesson-count category have no rows.  For
        example, who has the hours but not the exam:
        ``f[(f.path == "requires.all[4]") & ~f.holds]``."""
        import numpy as np
        import pandas as pd

        columns: dict[str, list[Any]] = {name: [] for name in REQUIREMENT_COLUMNS}
        for outcome in self:
            for node in outcome.requirements:
                columns["participant"].append(outcome.participant)
                columns["unit"].append(outcome.unit)
                columns["category"].append(outcome.category)
                for key in ("path", "kind", "holds", "have", "need"):
                    columns[key].append(node[key])
        data: dict[str, Any] = {
            "participant": np.array(columns["participant"], dtype=object),
            "unit": np.array(columns["unit"], dtype=object),
            "category": np.array(columns["category"], dtype=object),
            "path": np.array(columns["path"], dtype=object),
            "kind": np.array(columns["kind"], dtype=object),
            "holds": np.array(columns["holds"], dtype=bool),
            "have": np.array([np.nan if v is None else float(v) for v in columns["have"]], dtype=np.float64),
            "need": np.array(columns["need"], dtype=np.float64),
        }
        return pd.DataFrame(data, columns=list(REQUIREMENT_COLUMNS))

    def __repr__(self) -> str:
        counts = self.status_counts()
        as_of = "None" if self.as_of is None else repr(self.as_of.isoformat())
        parts = [f"program={self.program.id!r}", f"as_of={as_of}", f"outcomes={len(self)}"]
        parts += [f"{status}={counts[status]}" for status in STATUSES]
        parts.append(f"rejected={len(self._data.rejections())}")
        return f"yanxiu.Evaluation({', '.join(parts)})"

    def _repr_html_(self) -> str:
        """Jupyter: status counts first, then the first rows."""
        e = html.escape
        program = self.program
        counts = self.status_counts()
        summary = self.summary
        as_of = "" if self.as_of is None else f", as of {e(self.as_of.isoformat())}"
        out = ['<div class="yanxiu-evaluation">',
               f"<p><b>yanxiu.Evaluation</b> · {e(program.id)} ({e(program.version)}){as_of} · "
               f"{len(self)} participants · records rejected: "
               f"{summary['participants']['rejected']} participants, {summary['events']['rejected']} events</p>",
               "<table><thead><tr>"]
        out += [f"<th>{e(status)}</th>" for status in STATUSES]
        out.append("<th>total</th></tr></thead><tbody><tr>")
        out += [f"<td>{counts[status]}</td>" for status in STATUSES]
        out.append(f"<td>{len(self)}</td></tr></tbody></table>")

        headers = ("participant", "unit", "category", "status", "lessons", "hours_credited", "certificate",
                   "completed_at", "reasons")
        out.append("<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr></thead><tbody>")
        shown = self.outcomes[:_HTML_ROWS]
        for o in shown:
            completed = "" if o.completed_at is None else o.completed_at.isoformat()
            reasons = ", ".join(r.code + (f" {r.lesson}" if r.lesson else "") for r in o.reasons)
            cells = (o.participant, o.unit, o.category, o.status, f"{o.lessons_credited}/{o.lessons_required}",
                     f"{o.hours_credited:g}", "✓" if o.certificate else "", completed, reasons)
            out.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in cells) + "</tr>")
        out.append("</tbody></table>")
        if len(self) > len(shown):
            out.append(f"<p>… {len(self) - len(shown)} more rows; <code>.to_frame()</code> has them all.</p>")
        out.append("</div>")
        return "\n".join(out)
