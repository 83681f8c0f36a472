"""yanxiu.report: what a province circulates (progress by unit), from an Evaluation."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

from . import _core
from ._evaluation import Evaluation

if TYPE_CHECKING:  # pragma: no cover
    import pandas

CensusInput = Union[str, "os.PathLike[str]", Iterable[dict[str, Any]], "pandas.DataFrame", None]

#: Columns of Report.to_frame(), one row per unit, in ranking order.
UNIT_COLUMNS = ["rank", "unit", "expected", "registered", "started", "completed", "unverified",
                "coverage", "coverage_denominator", "mean_hours", "other_registered", "other_mean_hours"]


def _census_source(census: CensusInput) -> Any:
    """A census as the C++ side takes it: a path (read there, streaming), a
    list of row mappings (through the same record converter as
    ``yanxiu.evaluate``'s dicts), or None."""
    if census is None or isinstance(census, (str, bytes, os.PathLike)):
        return census
    try:
        import pandas
        if isinstance(census, pandas.DataFrame):
            return census.to_dict(orient="records")
    except ImportError:  # pragma: no cover
        pass
    return list(census)


class Report:
    """A unit report: per unit and in total, by category, with a daily series.

    Built by the same C++ as ``yanxiu report``; ``to_dict()`` equals its
    ``--json`` output, ``to_html()`` its ``--html`` page.  When every input
    was a file, ``provenance`` (and the JSON and page) names each one's
    SHA-256 and counts, as the command line's does.
    """

    def __init__(self, data: Any) -> None:
        self._data = data
        self._dict: Optional[dict[str, Any]] = None

    def to_dict(self) -> dict[str, Any]:
        """The report as the JSON object ``yanxiu report --json`` writes."""
        if self._dict is None:
            loaded: dict[str, Any] = json.loads(self._data.to_json())
            self._dict = loaded
            return loaded
        return self._dict

    def to_json(self) -> str:
        return str(self._data.to_json())

    def to_html(self, lang: str = "zh") -> str:
        """The self-contained HTML page (Chinese by default, ``lang="en"`` for English)."""
        return str(self._data.to_html(lang))

    def to_csv(self, bom: bool = False) -> bytes:
        """The CSV table (UTF-8; ``bom=True`` for Excel)."""
        return bytes(self._data.to_csv(bom))

    @property
    def provenance(self) -> Optional[dict[str, Any]]:
        """Library, programme SHA-256, every input file's SHA-256 and counts, tz
        database, as_of and generation time; None when an input was not a file."""
        p = self.to_dict().get("provenance")
        return dict(p) if p is not None else None

    @property
    def census_rejected(self) -> list[Any]:
        """Census rows that could not be used (yanxiu.Rejection)."""
        return list(self._data.census_rejections())

    @property
    def units(self) -> list[dict[str, Any]]:
        return list(self.to_dict()["units"])

    @property
    def totals(self) -> dict[str, Any]:
        return dict(self.to_dict()["totals"])

    @property
    def daily(self) -> list[dict[str, Any]]:
        return list(self.to_dict()["daily"])

    def to_frame(self) -> "pandas.DataFrame":
        """One row per unit in ranking order (certificate categories; ``other`` as recorded hours)."""
        import pandas
        rows = []
        for u in self.units:
            t, r = u["target"], u["recorded"]
            rows.append({"rank": u["rank"], "unit": u["unit"], "expected": t["expected"],
                         "registered": t["registered"], "started": t["started"], "completed": t["completed"],
                         "unverified": t["unverified"], "coverage": t["coverage"],
                         "coverage_denominator": t["coverage_denominator"], "mean_hours": t["mean_hours"],
                         "other_registered": r["registered"], "other_mean_hours": r["mean_hours"]})
        frame = pandas.DataFrame(rows, columns=UNIT_COLUMNS)
        for column in ("expected", "coverage", "mean_hours", "other_mean_hours"):
            frame[column] = pandas.to_numeric(frame[column], errors="coerce")
        return frame

    def daily_frame(self) -> "pandas.DataFrame":
        """The daily series: cumulative completions and started learners as of each day's end."""
        import pandas
        return pandas.DataFrame(self.daily)

    def plot(self, ax: Any = None) -> Any:
        """A coverage-by-unit bar chart with matplotlib; returns the Axes."""
        import matplotlib.pyplot as plt  # type: ignore[import]
        frame = self.to_frame().sort_values("rank", ascending=False)
        if ax is None:
            _, ax = plt.subplots(figsize=(8, max(3.0, 0.28 * len(frame))))
        ax.barh(frame["unit"], frame["coverage"].fillna(0) * 100, color="#2f5fa7")
        total = self.totals.get("target", {}).get("coverage")
        if total is not None:
            ax.axvline(total * 100, color="#c0392b", linestyle="--", linewidth=1, label=f"total {total:.1%}")
            ax.legend(loc="lower right")
        ax.set_xlabel("coverage (%)")
        ax.set_xlim(0, 100)
        return ax

    def _repr_html_(self) -> str:
        t = self.totals.get("target", {})
        coverage = t.get("coverage")
        head = (f"<p><b>yanxiu.Report</b> — {len(self.units)} units; registered {t.get('registered')}, "
                f"completed {t.get('completed')}, coverage "
                f"{'—' if coverage is None else f'{coverage:.1%}'}</p>")
        table: str = self.to_frame().head(40).to_html(index=False)
        return head + table

    def __repr__(self) -> str:
        t = self.totals.get("target", {})
        return (f"yanxiu.Report(units={len(self.units)}, registered={t.get('registered')}, "
                f"completed={t.get('completed')}, coverage={t.get('coverage')})")


def report(program: Any, evaluation: Evaluation, census: CensusInput = None,
           generated_at: Optional[str] = None) -> Report:
    """The unit report of ``evaluation``.

    ``census`` is a file (CSV or JSON Lines of ``unit,category,expected``), a
    list of dicts or a DataFrame, or None (coverage then uses registered
    participants).  ``program`` must be the programme the evaluation used.
    """
    data = evaluation._data
    if program is not None and program.id != data.program.id:
        raise ValueError(f"the evaluation was made under {data.program.id!r}, not {program.id!r}")
    # The provenance (as `yanxiu report` writes it) when every input was a file.
    files = getattr(evaluation, "_files", None)
    if files is not None:
        from ._evaluation import _stamp
        # A file changed since it was evaluated would be hashed as it is now: no provenance then.
        if [_stamp(path) for _, path, _ in files] != list(getattr(evaluation, "_stamps", [])):
            files = None
    if files is not None and census is not None:
        files = files + [("census", os.fsdecode(os.fspath(census)), None)] \
            if isinstance(census, (str, bytes, os.PathLike)) else None
    # generated_at None: the library's "generated at" line (SOURCE_DATE_EPOCH, else now), as the CLI's.
    return Report(_core._report(data, _census_source(census), generated_at, files))


def simulate(out_dir: Union[str, "os.PathLike[str]"], participants: int = 20000, seed: int = 1,
             malformed_share: float = 0.002, program: Optional[_core.Program] = None) -> dict[str, Any]:
    """Writes a simulated Hunan cohort into ``out_dir``, as ``yanxiu simulate``:
    participants and events (JSON Lines and CSV) and a census, under
    ``program`` (default: the built-in hunan-2023-mh-winter), which gives the
    window, the lessons and each category's minimum.  Same programme and
    seed, same bytes.  Returns the file paths (``participants_jsonl``,
    ``participants_csv``, ``events_jsonl``, ``events_csv``, ``census_csv``)
    and the counts (``participants``, ``events``, ``malformed``,
    ``duplicates``, ``behaviours``)."""
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 0:
        raise ValueError(f"participants must be a whole number >= 0, not {participants!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be a whole number from 0 to 2**64 - 1, not {seed!r}")
    if program is None:
        program = _core.Program.load("hunan-2023-mh-winter")
    return dict(_core._simulate(program, os.fspath(out_dir), participants, seed, float(malformed_share)))
