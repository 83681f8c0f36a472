"""yanxiu.dask: evaluation and reports beyond one machine, with Dask.

    import dask.dataframe as dd
    from dask.distributed import Client
    import yanxiu, yanxiu.dask

    client = Client("tcp://scheduler:8786")          # or Client(LocalCluster(...))
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    participants = dd.read_csv("participants-*.csv", dtype=str)
    events = dd.read_parquet("events/")
    evaluation = yanxiu.dask.evaluate(program, participants, events, as_of="2023-01-25")
    evaluation.to_frame()                              # pandas, as yanxiu.evaluate(...).to_frame()
    yanxiu.dask.report(program, evaluation, census="census.csv").to_html()

How it works: every participant's records are routed to one partition (a
stable hash of the participant id), each partition's rows keep the order
they had in the input, and each partition is evaluated by the C++ engine
(`yanxiu.evaluate`, GIL released) where it lives.  Outcomes therefore equal
those of one `yanxiu.evaluate` over all the records.  Reports are combined
exactly: each partition sends back the additive counts of its participants
(per unit and category; per day of the series), the client sums them and
builds the report from the sums -- coverage and mean hours are computed
from summed counts, never averaged averages.

Dask is optional: `import yanxiu` works without it; this module needs
`dask[dataframe]` (Debian: python3-dask) and, for a cluster,
`distributed` (python3-distributed).
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from . import _core
from ._core import Program
from ._evaluation import OUTCOME_COLUMNS, evaluate as _evaluate
from ._report import CensusInput, Report, _census_source

__all__ = ["DaskEvaluation", "evaluate", "evaluate_files", "report"]

_KEY = "_yanxiu_partition"
_ROW = "_yanxiu_row"
_WHERE = re.compile(r"(<events>|<participants>):(\d+)")
_REJECTION_COLUMNS = ["file", "line", "field", "code", "message"]
_SUMMARY_KEYS = ("read", "accepted", "rejected", "duplicates")


def _as_dask(frame: Any, what: str) -> dd.DataFrame:
    if isinstance(frame, dd.DataFrame):
        return frame
    if isinstance(frame, pd.DataFrame):
        return dd.from_pandas(frame, npartitions=1, sort=False)
    raise TypeError(f"{what}: expected a dask or pandas DataFrame, not {type(frame).__name__}")


def _with_keys(frame: dd.DataFrame, id_column: str, npartitions: int, what: str) -> dd.DataFrame:
    """Adds the global row number (1-based, in input order) and the target partition."""
    lengths = frame.map_partitions(len).compute()
    offsets = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))[:-1]])

    def add(part: pd.DataFrame, offset: int) -> pd.DataFrame:
        part = part.copy()
        part[_ROW] = np.arange(offset + 1, offset + 1 + len(part), dtype=np.int64)
        if id_column in part.columns:
            # Ids as the reader takes them: integers and strings alike as text.
            ids = part[id_column].map(lambda v: "" if v is None or v != v else str(v))
        else:
            ids = pd.Series([""] * len(part), index=part.index)
        hashed = pd.util.hash_pandas_object(ids.astype(object), index=False).to_numpy()
        part[_KEY] = (hashed % np.uint64(npartitions)).astype(np.int64)
        return part

    meta = frame._meta.copy()
    meta[_ROW] = np.array([], dtype=np.int64)
    meta[_KEY] = np.array([], dtype=np.int64)
    parts = [dask.delayed(add)(p, int(o)) for p, o in zip(frame.to_delayed(), offsets)]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _route(frame: dd.DataFrame, npartitions: int) -> list[Any]:
    """One delayed pandas frame per partition, rows in input order.

    Both inputs are shuffled on the same int64 key with the same number of
    partitions, so Dask's hash partitioning sends a key to the same partition
    index in both: partition i of the participants and of the events hold the
    same participant ids.
    """
    shuffled = frame.shuffle(on=_KEY, npartitions=npartitions, ignore_index=True)
    return [dask.delayed(_in_input_order)(piece) for piece in shuffled.to_delayed()]


def _in_input_order(part: pd.DataFrame) -> pd.DataFrame:
    return part.sort_values(_ROW, kind="stable").reset_index(drop=True)


def _evaluate_partition(program: Program, participants: pd.DataFrame, events: pd.DataFrame,
                        as_of: Any) -> dict[str, Any]:
    """Evaluates one partition; rejection lines are mapped back to input rows."""
    p_rows = participants[_ROW].to_numpy() if _ROW in participants else np.empty(0, np.int64)
    e_rows = events[_ROW].to_numpy() if _ROW in events else np.empty(0, np.int64)
    evaluation = _evaluate(program, participants.drop(columns=[_ROW, _KEY], errors="ignore"),
                           events.drop(columns=[_ROW, _KEY], errors="ignore"), as_of=as_of, threads=1)
    def input_row(file: str, line: int) -> int:
        rows = e_rows if file == "<events>" else p_rows
        return int(rows[line - 1]) if 0 < line <= len(rows) else line

    def in_input_rows(message: str) -> str:
        # A duplicate_id message names where the other record was read.
        return _WHERE.sub(lambda m: f"{m.group(1)}:{input_row(m.group(1), int(m.group(2)))}", message)

    rejected = []
    for r in evaluation.rejected:
        rejected.append({"file": r.file, "line": input_row(r.file, r.line), "field": r.field, "code": r.code,
                         "message": in_input_rows(r.message) if r.code == "duplicate_id" else r.message})
    return {
        "outcomes": evaluation.to_frame(),
        "rejected": pd.DataFrame(rejected, columns=_REJECTION_COLUMNS),
        "summary": evaluation.summary,
        "partial": _core._report_partial(evaluation._data),
    }


class DaskEvaluation:
    """What `yanxiu.dask.evaluate` returns: per-partition results, computed.

    `to_frame()` equals `yanxiu.evaluate(...).to_frame()` on the same
    records; `rejected` lists rejected rows by their 1-based row in the input
    frames (as `yanxiu.evaluate` names rows of DataFrames); `summary` sums the
    read counts.  `report()` (or `yanxiu.dask.report`) combines the
    partitions' counts.
    """

    def __init__(self, program: Program, as_of: Any, as_of_seconds: Optional[int], parts: list[dict[str, Any]]):
        self.program = program
        self.as_of = as_of
        self._as_of_seconds = as_of_seconds
        self._parts = parts

    @property
    def npartitions(self) -> int:
        return len(self._parts)

    def to_frame(self) -> pd.DataFrame:
        """One row per participant, sorted by participant id (OUTCOME_COLUMNS)."""
        frames = [p["outcomes"] for p in self._parts if len(p["outcomes"])]
        if not frames:
            return self._parts[0]["outcomes"].iloc[0:0] if self._parts else pd.DataFrame(columns=OUTCOME_COLUMNS)
        frame = pd.concat(frames, ignore_index=True)
        order = np.argsort(np.array([s.encode("utf-8", "surrogatepass") for s in frame["participant"]],
                                    dtype=object), kind="stable")
        return frame.iloc[order].reset_index(drop=True)

    @property
    def rejected(self) -> pd.DataFrame:
        """Every rejected record: file (<participants>/<events>), 1-based input row, field, code, message."""
        frames = [p["rejected"] for p in self._parts if len(p["rejected"])]
        if not frames:
            return pd.DataFrame(columns=_REJECTION_COLUMNS)
        frame = pd.concat(frames, ignore_index=True)
        return frame.sort_values(["file", "line"], kind="stable").reset_index(drop=True)

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        """Read counts summed over partitions; read = accepted + rejected + duplicates."""
        out = {what: {k: 0 for k in _SUMMARY_KEYS} for what in ("participants", "events")}
        for p in self._parts:
            for what in out:
                for k in _SUMMARY_KEYS:
                    out[what][k] += int(p["summary"][what][k])
        return out

    def report(self, census: CensusInput = None, generated_at: Optional[str] = None) -> Report:
        return report(self.program, self, census, generated_at)

    def __len__(self) -> int:
        return sum(len(p["outcomes"]) for p in self._parts)

    def __repr__(self) -> str:
        return (f"yanxiu.dask.DaskEvaluation(program={self.program.id!r}, partitions={self.npartitions}, "
                f"outcomes={len(self)})")


def evaluate(program: Program, participants: Any, events: Any, as_of: Any = None,
             npartitions: Optional[int] = None) -> DaskEvaluation:
    """Evaluates Dask (or pandas) DataFrames of participants and events.

    Runs on the current Dask scheduler (a `distributed.Client` if one is
    active).  `npartitions` (default: the larger input's) is how many
    partitions the participants are spread over.  Columns are those of
    `yanxiu.evaluate` on DataFrames (docs/records.md).
    """
    if not isinstance(program, Program):
        raise TypeError(f"program must be a yanxiu.Program, not {type(program).__name__}")
    as_of_seconds = _core._parse_as_of(program, as_of)
    participants = _as_dask(participants, "participants")
    events = _as_dask(events, "events")
    n = int(npartitions or max(participants.npartitions, events.npartitions))
    if n < 1:
        raise ValueError("npartitions must be at least 1")
    p_parts = _route(_with_keys(participants, "id", n, "participants"), n)
    e_parts = _route(_with_keys(events, "participant", n, "events"), n)
    tasks = [dask.delayed(_evaluate_partition)(program, p, e, as_of) for p, e in zip(p_parts, e_parts)]
    parts = list(dask.compute(*tasks))
    return DaskEvaluation(program, as_of, as_of_seconds, parts)


def _evaluate_files_partition(program: Program, participants: str, events: str, as_of: Any,
                              threads: int) -> dict[str, Any]:
    """Evaluates one partition's files where it runs (the C++ readers: no pandas on the way in)."""
    evaluation = _evaluate(program, participants, events, as_of=as_of, threads=threads)
    rejected = pd.DataFrame([{"file": r.file, "line": r.line, "field": r.field, "code": r.code, "message": r.message}
                             for r in evaluation.rejected], columns=_REJECTION_COLUMNS)
    return {
        "outcomes": evaluation.to_frame(),
        "rejected": rejected,
        "summary": evaluation.summary,
        "partial": _core._report_partial(evaluation._data),
    }


def evaluate_files(program: Program, partitions: Any, as_of: Any = None, threads: int = 1) -> DaskEvaluation:
    """Evaluates a cohort already split into partitions of files, one task each.

    `partitions` is a list of (participants file, events file) pairs, each
    self-contained: every event's participant is in the same pair's
    participants file (a national cohort exported by province, or split by a
    hash of the participant id).  Each pair is read by the C++ readers on the
    worker that runs its task (so every worker needs the files at those
    paths: a shared file system, or object storage mounted alike), evaluated
    with `threads` threads (1: one task per worker core), and only the
    outcomes, rejections, counts and report counts come back.  No shuffle:
    this is the fast path when the data is partitioned already; use
    `evaluate` for DataFrames that are not.  Rejections name each file and
    its line.  A participant id found in two partitions is a ValueError
    (the outcomes would otherwise be counted twice); an event whose
    participant is in another partition is rejected `unknown_participant`
    in its own, as one file would reject it.
    """
    if not isinstance(program, Program):
        raise TypeError(f"program must be a yanxiu.Program, not {type(program).__name__}")
    pairs = [tuple(pair) for pair in partitions]
    if not pairs or any(len(pair) != 2 for pair in pairs):
        raise ValueError("partitions must be a non-empty list of (participants file, events file) pairs")
    pairs = [(os.fsdecode(os.fspath(p)), os.fsdecode(os.fspath(e))) for p, e in pairs]
    as_of_seconds = _core._parse_as_of(program, as_of)
    tasks = [dask.delayed(_evaluate_files_partition)(program, p, e, as_of, threads) for p, e in pairs]
    parts = list(dask.compute(*tasks))
    ids = pd.concat([pd.Series(p["outcomes"]["participant"].to_numpy(), dtype=object) for p in parts],
                    ignore_index=True)
    twice = ids.duplicated(keep=False)
    if twice.any():
        participant = ids[twice].iloc[0]
        where = [pairs[k][0] for k, p in enumerate(parts) if (p["outcomes"]["participant"] == participant).any()]
        raise ValueError(f"participant {participant!r} is in two partitions ({' and '.join(where)}); "
                         f"each pair of files must hold its participants alone")
    return DaskEvaluation(program, as_of, as_of_seconds, parts)


def report(program: Program, evaluation: DaskEvaluation, census: CensusInput = None,
           generated_at: Optional[str] = None) -> Report:
    """The unit report of a Dask evaluation, equal to `yanxiu.report` of the
    same records evaluated in one process: the partitions' counts are summed,
    then coverage, means, ranking and the daily series are computed once."""
    if program is not None and program.id != evaluation.program.id:
        raise ValueError(f"the evaluation was made under {evaluation.program.id!r}, not {program.id!r}")
    summary = evaluation.summary
    inputs = [(what, [summary[what][k] for k in _SUMMARY_KEYS]) for what in ("participants", "events")]
    partials = [p["partial"] for p in evaluation._parts]
    return Report(_core._report_from_partials(evaluation.program, partials, evaluation._as_of_seconds,
                                              _census_source(census), generated_at, inputs))
