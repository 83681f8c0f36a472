"""yanxiu.diff: what a programme change does to whom.

The same records are evaluated under two programmes; the result lists the
rule differences of the resolved programmes, key by key, then the outcomes
that change (status, certificate, hours, completed_at), counted by unit and
category and listed by participant -- the command line's ``yanxiu diff``.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union

from . import _core
from ._core import Program
from ._evaluation import AsOf, Records, evaluate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["diff", "ProgramDiff", "CHANGE_COLUMNS", "COUNT_COLUMNS"]

#: The columns of ProgramDiff.to_frame(): one row per participant whose outcome changes.
CHANGE_COLUMNS = ("participant", "unit", "category", "changed",
                  "old_status", "new_status", "old_certificate", "new_certificate",
                  "old_hours_credited", "new_hours_credited", "old_completed_at", "new_completed_at")
#: The columns of ProgramDiff.by_unit().
COUNT_COLUMNS = ("unit", "category", "participants", "changed", "completed_gained", "completed_lost",
                 "status_changed", "hours_changed", "completed_at_changed")

ProgramArg = Union[Program, str, "os.PathLike[str]"]


def _program(p: ProgramArg) -> Program:
    return p if isinstance(p, Program) else Program.load(p)


def _reusable(records: Records) -> Records:
    """Records that can be read twice: paths and DataFrames are; an iterator becomes a list."""
    if isinstance(records, (str, bytes, os.PathLike)) or isinstance(records, Mapping):
        return records
    if type(records).__name__ == "DataFrame":
        return records
    if isinstance(records, Iterable) and not isinstance(records, (list, tuple)):
        return list(records)
    return records


def diff(old: ProgramArg, new: ProgramArg, participants: Records, events: Records, as_of: AsOf = None,
         threads: int = 0) -> ProgramDiff:
    """Evaluates the same records under `old` and `new` (Programs, built-in ids
    or paths) and compares: ``yanxiu.diff("hunan-2023-mh-winter", "homeroom-8.json",
    "participants.jsonl", "events.jsonl")``.  Inputs are as for `yanxiu.evaluate`;
    `as_of` applies to both."""
    before, after = _program(old), _program(new)
    participants, events = _reusable(participants), _reusable(events)
    old_evaluation = evaluate(before, participants, events, as_of=as_of, threads=threads)
    new_evaluation = evaluate(after, participants, events, as_of=as_of, threads=threads)
    return ProgramDiff(_core._diff(old_evaluation._data, new_evaluation._data), old_evaluation, new_evaluation)


class ProgramDiff:
    """The result of `yanxiu.diff`: `rules` (each difference of the resolved
    programmes: {path, old, new}), `total` (counts over everyone), `by_unit()`
    and `to_frame()` (pandas), `to_dict()` (what ``yanxiu diff --json`` writes),
    and the two evaluations (`old`, `new`)."""

    __slots__ = ("_doc", "old", "new")

    def __init__(self, doc: dict[str, Any], old: Any, new: Any) -> None:
        self._doc = doc
        self.old = old
        self.new = new

    @property
    def rules(self) -> list[dict[str, Any]]:
        """Each rule difference: {"path", "old", "new"} (values as JSON; None where absent,
        with "added"/"removed" set)."""
        return [dict(r) for r in self._doc["rules"]]

    @property
    def total(self) -> dict[str, int]:
        """participants, changed, completed_gained, completed_lost, status_changed,
        hours_changed, completed_at_changed over everyone."""
        return dict(self._doc["total"])

    @property
    def changes(self) -> list[dict[str, Any]]:
        """Each participant whose outcome changes: {participant, unit, category, changed
        (the fields that differ), old, new} (old/new None where not evaluated)."""
        return [dict(c) for c in self._doc["participants"]]

    def to_dict(self) -> dict[str, Any]:
        """The whole comparison, as ``yanxiu diff --json`` writes it."""
        import copy
        return copy.deepcopy(self._doc)

    def by_unit(self) -> pd.DataFrame:
        """Changes counted by unit and category (COUNT_COLUMNS), every pair with participants."""
        import pandas as pd
        return pd.DataFrame([{k: row[k] for k in COUNT_COLUMNS} for row in self._doc["by_unit"]],
                            columns=list(COUNT_COLUMNS))

    def to_frame(self) -> pd.DataFrame:
        """One row per participant whose outcome changes (CHANGE_COLUMNS); completed_at as
        tz-aware datetimes in the new programme's zone (NaT where none)."""
        import pandas as pd
        rows = []
        for c in self._doc["participants"]:
            row: dict[str, Any] = {"participant": c["participant"], "unit": c["unit"], "category": c["category"],
                                   "changed": list(c["changed"])}
            for side in ("old", "new"):
                s = c[side] or {}
                row[f"{side}_status"] = s.get("status")
                row[f"{side}_certificate"] = s.get("certificate")
                row[f"{side}_hours_credited"] = s.get("hours_credited")
                row[f"{side}_completed_at"] = s.get("completed_at")
            rows.append(row)
        frame = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
        zone = self.new.program.time_zone
        for name in ("old_completed_at", "new_completed_at"):
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.tz_convert(zone)
        return frame

    def __len__(self) -> int:
        return len(self._doc["participants"])

    def __repr__(self) -> str:
        t = self._doc["total"]
        return (f"yanxiu.ProgramDiff(old={self._doc['old']['id']!r}, new={self._doc['new']['id']!r}, "
                f"rules={len(self._doc['rules'])}, participants={t['participants']}, changed={t['changed']}, "
                f"completed_gained={t['completed_gained']}, completed_lost={t['completed_lost']})")

    def _repr_html_(self) -> str:
        e = html.escape
        t = self._doc["total"]
        out = [f"<p><b>yanxiu.ProgramDiff</b> · {e(self._doc['old']['id'])} → {e(self._doc['new']['id'])} · "
               f"{t['changed']} of {t['participants']} participants change "
               f"(+{t['completed_gained']} completed, −{t['completed_lost']})</p>",
               "<table><thead><tr><th>path</th><th>old</th><th>new</th></tr></thead><tbody>"]
        for r in self._doc["rules"]:
            out.append(f"<tr><td>{e(r['path'])}</td><td>{e(repr(r['old']))}</td><td>{e(repr(r['new']))}</td></tr>")
        out.append("</tbody></table>")
        return "".join(out)
