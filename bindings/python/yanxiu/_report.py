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


#: Fonts with Chinese glyphs, most wanted first, as matplotlib names them
#: (Debian's fonts-noto-cjk collection reads as "Noto Sans CJK JP": one file
#: holds every regional face, and matplotlib takes its first).
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Serif CJK SC", "Noto Serif CJK JP",
             "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
             "PingFang SC"]


def use_cjk_font() -> Optional[str]:
    """Tells matplotlib to draw Chinese (unit names, labels) with an installed
    CJK font rather than as empty boxes: the first of ``CJK_FONTS`` found goes
    to the front of ``font.sans-serif``.  Returns its name, or None when no
    such font is installed (Debian: ``apt-get install fonts-noto-cjk``).
    ``Report.plot()`` calls it; call it yourself before other charts."""
    import matplotlib  # type: ignore[import]
    from matplotlib import font_manager
    for name in CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        families = [f for f in matplotlib.rcParams["font.sans-serif"] if f != name]
        matplotlib.rcParams["font.sans-serif"] = [name, *families]
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
        return name
    return None


def _write_atomically(path: Union[str, "os.PathLike[str]"], data: bytes) -> None:
    """Writes ``data`` beside ``path`` and renames it over ``path``, so that a
    failure never leaves a half-written file in its place."""
    target = os.fspath(path)
    temporary = os.path.join(os.path.dirname(target) or ".", f".{os.path.basename(target)}.yanxiu-{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as f:
            f.write(data)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


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

    def to_csv(self, path: Union[str, "os.PathLike[str]", None] = None, *, bom: Optional[bool] = None,
               lang: str = "zh") -> bytes:
        """The CSV table as ``yanxiu report --csv`` writes it (UTF-8).

        With ``path``, also written there (put in place only once complete),
        with a byte-order mark unless ``bom=False``, as Excel on Windows needs
        to read UTF-8; without it, no mark unless ``bom=True``."""
        data = bytes(self._data.to_csv(bool(bom) if bom is not None else path is not None, lang))
        if path is not None:
            _write_atomically(path, data)
        return data

    def to_excel(self, path: Union[str, "os.PathLike[str]"], lang: str = "zh") -> None:
        """Writes the report as an Excel workbook, as ``yanxiu report --xlsx``
        does (sheets by unit, by unit and category, by day, and what the
        figures mean; coverage as percentages).  The follow-up list, which
        names people, is only in the command line's workbook."""
        _write_atomically(path, bytes(self._data.to_xlsx(lang)))

    @property
    def provenance(self) -> Optional[dict[str, Any]]:
        """Library, programme SHA-256, every input file's SHA-256 and counts, tz
        database, as_of and generation time; None when an input was not a file."""
        p = self.to_dict().get("provenance")
        return dict(p) if p is not None else None

    @property
    def contacts(self) -> Optional[dict[str, Any]]:
        """The contacts check (联系人核对) when the report was made with
        ``contacts=``: ``due`` (the contact_update milestone), ``contacts``,
        ``without_contact``, ``updated_late``, ``not_in_report``; else None."""
        c = self.to_dict().get("contacts")
        return dict(c) if c is not None else None

    @property
    def contacts_rejected(self) -> list[Any]:
        """Contact rows that could not be used (yanxiu.Rejection)."""
        return list(self._data.contact_rejections())

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
        """The daily series: cumulative completions and started learners as of
        each day's end; ``date`` is a datetime64 column (the local day),
        ``as_of`` the instant counted up to, timezone-aware."""
        import pandas
        frame = pandas.DataFrame(self.daily, columns=["date", "as_of", "completed", "started"])
        frame["date"] = pandas.to_datetime(frame["date"], format="%Y-%m-%d")
        frame["as_of"] = pandas.to_datetime(frame["as_of"], utc=True).dt.tz_convert(self._zone())
        return frame

    def _zone(self) -> str:
        zone = self.to_dict().get("program", {}).get("time_zone")
        return str(zone) if zone else "UTC"

    def plot(self, ax: Any = None) -> Any:
        """A coverage-by-unit bar chart with matplotlib; returns the Axes."""
        import matplotlib.pyplot as plt  # type: ignore[import]
        use_cjk_font()
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
           generated_at: Optional[str] = None, *, ranking: bool = True, issuer: str = "",
           previous: Union["Report", dict[str, Any], str, "os.PathLike[str]", None] = None,
           contacts: CensusInput = None) -> Report:
    """The unit report of ``evaluation``.

    ``census`` is a file (CSV or JSON Lines of ``unit,category,expected``), a
    list of dicts or a DataFrame, or None (coverage then uses registered
    participants).  ``program`` must be the programme the evaluation used.
    As the command line's options: ``ranking=False`` lists units by name with
    no rank (``--no-ranking``, 不排名), ``issuer`` names the issuing office
    (``--issuer``), ``previous`` is an earlier report (a Report, its
    ``to_dict()``, or its JSON file) to show each unit's change since
    (``--previous``, 较上期), ``contacts`` each unit's contact person (a
    file, dicts or a DataFrame of ``unit,name,title,phone,mobile,wechat,
    updated_at``; ``--contacts``): each unit's row names its contact, and
    ``Report.contacts`` lists units without one and late changes.
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
    built = _core._report(data, _census_source(census), generated_at, files)
    previous_json: Optional[str] = None
    if isinstance(previous, Report):
        previous_json = previous.to_json()
    elif isinstance(previous, dict):
        previous_json = json.dumps(previous)
    elif previous is not None:
        with open(os.fspath(previous), encoding="utf-8") as f:
            previous_json = f.read()
    if not isinstance(issuer, str):
        raise TypeError(f"issuer must be a str, not {type(issuer).__name__}")
    built._configure(bool(ranking), issuer, previous_json)
    if contacts is not None:
        built._contacts(_census_source(contacts))
    return Report(built)


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
