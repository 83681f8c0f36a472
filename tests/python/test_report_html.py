"""The demo report as a browser renders it (README.md "The command line": the HTML page of
`report`; docs/python.md "Words, reports and simulated cohorts"): headless Chromium opens
report.html from `yanxiu demo`, dumps the DOM and takes an A4-sized
screenshot.  The ranking table and both charts must be in the rendered DOM
with report.json's numbers, and the page must fetch nothing.

The CLI is found through YANXIU_CLI, default <repo>/build/yanxiu; Chromium at
/usr/bin/chromium (Debian package `chromium`, installed by scripts/setup).
Each is skipped with the reason when missing.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CLI = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))
CHROMIUM = Path("/usr/bin/chromium")

# Requests Chromium makes for itself whatever page it shows (component
# updates, account and clock checks).  Anything else in the network log was
# asked for by the page.
BROWSER_OWN_REQUESTS = (
    "://update.googleapis.com/service/update2/",
    "://accounts.google.com/ListAccounts",
    "://clients2.google.com/time/",
    "://clients2.google.com/service/update2/",
    "://redirector.gvt1.com/",
    "://edgedl.me.gvt1.com/",
    "://optimizationguide-pa.googleapis.com/",
    "://safebrowsingohttpgateway.googleapis.com/",
    "://content-autofill.googleapis.com/",
    "://www.google.com/complete/search",
)


def _cli_status() -> str | None:
    if not CLI.exists():
        return f"yanxiu CLI not found at {CLI} (build it, or set YANXIU_CLI)"
    try:
        r = subprocess.run([str(CLI), "demo", "--help"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"yanxiu CLI at {CLI} cannot be run: {e}"
    if r.returncode != 0 or b"yanxiu demo" not in r.stdout:
        return f"`{CLI} demo --help` does not describe the demo command (an older build?)"
    return None


_SKIP_CLI = _cli_status()
pytestmark = [
    pytest.mark.skipif(_SKIP_CLI is not None, reason=_SKIP_CLI or ""),
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="/usr/bin/chromium is absent (apt-get install chromium; scripts/setup does)"),
]


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs headless Chromium with a fresh profile and no background services."""
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-default-apps", "--no-pings", "--disable-domain-reliability",
        # Nothing can leave the machine, whatever is asked for; the log still shows the asking.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=180)


class PageParser(HTMLParser):
    """Collects the ranking rows, the bars and the line-chart points."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.ranking_rows: list[list[str]] = []
        self.bars: list[dict[str, str]] = []
        self.points: dict[str, list[tuple[str, int]]] = {}
        self.svgs: list[str] = []
        self.axis_labels: list[str] = []
        self.title = ""
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._text: list[str] | None = None

    def _inside(self, tag: str, cls: str | None = None) -> dict[str, str] | None:
        for t, a in reversed(self.stack):
            if t == tag and (cls is None or cls in a.get("class", "").split()):
                return a
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.stack.append((tag, a))
        if tag == "svg":
            self.svgs.append(a.get("class", ""))
        if tag == "tr" and "data-unit" in a and self._inside("table", "ranking"):
            self._row = []
        if tag == "td" and self._row is not None:
            self._cell = []
        if tag == "g" and "bar" in a.get("class", "").split():
            self.bars.append(a)
        if tag == "circle":
            series = self._inside("g")
            if series and "data-series" in series:
                self.points.setdefault(series["data-series"], []).append((a["data-date"], int(a["data-value"])))
        if tag == "text" and "axis-label" in a.get("class", "").split():
            self._text = []
        if tag == "title" and not self._inside("svg"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.ranking_rows.append(self._row)
            self._row = None
        if tag == "text" and self._text is not None:
            self.axis_labels.append("".join(self._text))
            self._text = None
        if tag == "title" and self._text is not None:
            self.title = "".join(self._text)
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)


def png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo") / "yanxiu-demo"
    r = subprocess.run([str(CLI), "demo", "--out", str(out), "--participants", "2000",
                        "--generated-at", "2023-02-11 09:00"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout
    html_path = out / "report.html"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    profile = Path(tempfile.mkdtemp(prefix="yanxiu-chromium-"))
    dom = chromium(profile, "--enable-logging=stderr", "--v=1", "--dump-dom", html_path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = out / "report.png"
    screenshot = chromium(Path(tempfile.mkdtemp(prefix="yanxiu-chromium-")), f"--screenshot={shot}",
                          "--window-size=1240,1754", html_path.as_uri())
    assert screenshot.returncode == 0, screenshot.stderr[-2000:]
    parser = PageParser()
    parser.feed(dom.stdout)
    return {"html": html_path.read_text(encoding="utf-8"), "report": report, "dom": dom.stdout,
            "log": dom.stderr, "page": parser, "screenshot": shot}


def test_screenshot_is_an_a4_page_with_content(demo: dict) -> None:
    shot: Path = demo["screenshot"]
    assert shot.exists()
    assert png_size(shot) == (1240, 1754)
    assert shot.stat().st_size > 40_000  # a blank or error page compresses to a few kB
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50
    white = max((n for n, c in colours if c == (255, 255, 255)), default=0)
    assert white < 0.97 * 1240 * 1754


def test_ranking_table_in_the_dom_matches_report_json(demo: dict) -> None:
    page: PageParser = demo["page"]
    units = demo["report"]["units"]
    assert page.title == "湖南省心理健康教育教师培训 研修进度通报"
    assert len(page.ranking_rows) == len(units)
    for row, unit in zip(page.ranking_rows, units):
        t = unit["target"]
        assert row[0] == str(unit["rank"])
        assert row[1] == (unit["unit"] or "（未填单位）")
        assert row[2] == ("—" if t["expected"] is None else str(t["expected"]))
        assert row[3:6] == [str(t["registered"]), str(t["started"]), str(t["completed"])]
        if t["coverage_base"] > 0:
            assert row[6] == "%.1f%%" % (t["completed"] / t["coverage_base"] * 100)
            assert row[7] == str(t["coverage_base"])  # the base is on the page, so the rate can be checked
        else:
            assert row[6] == "—" and row[7] == "—"
        if t["mean_hours"] is None:
            assert row[9] == "—"
        else:
            assert abs(float(row[9]) - t["mean_hours"]) <= 0.011
    ranks = [u["rank"] for u in units]
    assert ranks == list(range(1, len(units) + 1))


def test_both_charts_in_the_dom_match_report_json(demo: dict) -> None:
    page: PageParser = demo["page"]
    report = demo["report"]
    assert "chart bar-chart" in page.svgs
    assert "chart line-chart" in page.svgs
    assert "完成率（%）" in page.axis_labels
    assert "日期（每日 24 时）" in page.axis_labels
    assert "人数" in page.axis_labels
    # One bar per unit with a coverage, in rank order.
    with_coverage = [u for u in report["units"] if u["target"]["coverage"] is not None]
    assert [b["data-unit"] for b in page.bars] == [u["unit"] for u in with_coverage]
    for bar, unit in zip(page.bars, with_coverage):
        assert bar["data-rank"] == str(unit["rank"])
        assert abs(float(bar["data-coverage"]) - unit["target"]["coverage"]) < 2e-6
    # The daily series, point by point.
    daily = report["daily"]
    assert len(daily) == 33
    assert page.points["completed"] == [(d["date"], d["completed"]) for d in daily]
    assert page.points["started"] == [(d["date"], d["started"]) for d in daily]
    assert daily[-1]["completed"] == report["totals"]["target"]["completed"]


def test_the_page_fetches_nothing(demo: dict) -> None:
    html = demo["html"]
    assert "http://" not in html and "https://" not in html
    for pattern in (r"<script", r"<link", r"<img", r"<iframe", r"@import", r"url\(", r"\ssrc=", r"\shref="):
        assert not re.search(pattern, html), pattern
    # Chromium's network log: every request it made was one of its own.
    requested = re.findall(r"NotifyBeforeURLRequest: (\S+)", demo["log"])
    from_page = [u for u in requested if not any(own in u for own in BROWSER_OWN_REQUESTS)]
    assert from_page == []


def test_rules_milestones_support_and_counts_are_on_the_page(demo: dict) -> None:
    dom = demo["dom"]
    for text in ("研修进度通报", "2023年1月9日至2023年2月10日", "不少于 15 节课程", "不少于 10 节课程",
                 "须完成答题", "每 45 分钟计 1 学时", "工作联系人变更报送截止", "QQ 群 211108206",
                 "QQ 群 305492871", "QQ 群 303026068", "生成时间：2023-02-11 09:00", "@media print"):
        assert text in dom, text
    counts = demo["report"]["inputs"]["events"]
    assert (f"读取 {counts['read']} 条，其中有效 {counts['accepted']} 条、拒收 {counts['rejected']} 条、"
            f"重复 {counts['duplicates']} 条") in dom


def test_printed_to_a4_no_page_is_nearly_empty(demo: dict, tmp_path: Path) -> None:
    """Printed by Chromium to A4 (as an office prints the page): every page
    carries real content, never only a total row or only a heading, and the
    pages are numbered."""
    import shutil
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is absent")
    pdf = tmp_path / "report.pdf"
    html_path = Path(demo["screenshot"]).with_name("report.html")
    done = chromium(Path(tempfile.mkdtemp(prefix="yanxiu-chromium-")), f"--print-to-pdf={pdf}",
                    "--no-pdf-header-footer", html_path.as_uri())
    assert done.returncode == 0 and pdf.exists(), done.stderr[-2000:]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 2
    for n in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, timeout=60).stdout
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        content = [line for line in lines if not re.fullmatch(r"\d+ / \d+", line)]  # the page number
        assert len(content) >= 4, f"page {n} of {pages} is nearly empty: {content}"
        assert not (len(content) <= 2 and any(line.startswith("合计") for line in content)), f"page {n}: only a total"
