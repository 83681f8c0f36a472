"""yanxiu.report: what a province circulates (SPEC §6), from an Evaluation."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

from . import _core
from ._evaluation import Evaluation

if TYPE_CHECKING:  # pragma: no cover
    import pandas

CensusInput = Union[str, "os.PathLike[str]", Iterable[dict[str, Any]], "pandas.DataFrame", None]

#: Columns of Report.to_frame(), one row per unit, in ranking order.
UNIT_COLUMNS = ["rank", "unit", "expected", "registered", "started", "completed", "unverified",
                "coverage", "coverage_denominator", "mean_hours", "other_registered", "other_mean_hours"]


def _census_text(census: CensusInput) -> tuple[Optional[bytes], str]:
    # Bytes, so that a file's invalid UTF-8 reaches the C++ reader (and its
    # bad_utf8 rejection) instead of failing in Python.
    if census is None:
        return None, ""
    if isinstance(census, (str, os.PathLike)):
        path = os.fspath(census)
        with open(path, "rb") as f:
            return f.read(), path
    try:
        import pandas
        if isinstance(census, pandas.DataFrame):
            census = census.to_dict(orient="records")
    except ImportError:  # pragma: no cover
        pass
    lines = []
    for row in census:
        clean = {k: (None if v != v else v) for k, v in dict(row).items()}  # NaN -> missing
        lines.append(json.dumps(clean, ensure_ascii=False, default=str))
    return ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass"), "<census>"


class Report:
    """A unit report: per unit and in total, by category, with a daily series.

    Built by the same C++ as ``yanxiu report``; ``to_dict()`` equals its
    ``--json`` output, ``to_html()`` its ``--html`` page.
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
    """The unit report of ``evaluation`` (SPEC §6).

    ``census`` is a file (CSV or JSON Lines of ``unit,category,expected``), a
    list of dicts or a DataFrame, or None (coverage then uses registered
    participants).  ``program`` must be the programme the evaluation used.
    """
    data = evaluation._data
    if program is not None and program.id != data.program.id:
        raise ValueError(f"the evaluation was made under {data.program.id!r}, not {program.id!r}")
    text, name = _census_text(census)
    if generated_at is None:
        generated_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Report(_core._report(data, text, name, generated_at))


def simulate(out_dir: Union[str, "os.PathLike[str]"], participants: int = 20000, seed: int = 1,
             malformed_share: float = 0.002) -> dict[str, Any]:
    """Writes a simulated Hunan cohort into ``out_dir``, as ``yanxiu simulate``:
    participants and events (JSON Lines and CSV) and a census.  Same seed,
    same bytes.  Returns the file paths (``participants_jsonl``,
    ``participants_csv``, ``events_jsonl``, ``events_csv``, ``census_csv``)
    and the counts (``participants``, ``events``, ``malformed``,
    ``duplicates``, ``behaviours``)."""
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 0:
        raise ValueError(f"participants must be a whole number >= 0, not {participants!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be a whole number from 0 to 2**64 - 1, not {seed!r}")
    return dict(_core._simulate(os.fspath(out_dir), participants, seed, float(malformed_share)))
