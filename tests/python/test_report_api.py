"""yanxiu.report in Python equals `yanxiu report` on the same files."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

import yanxiu

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = os.environ.get("YANXIU_CLI", str(ROOT / "build" / "yanxiu"))
DATA = ROOT / "examples" / "data"


@pytest.fixture(scope="module")
def evaluation():
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    return program, yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl", as_of="2023-01-25")


def test_report_equals_the_command_line(evaluation, tmp_path):
    program, ev = evaluation
    report = yanxiu.report(program, ev, census=DATA / "census.csv", generated_at="2023-01-26T08:00:00+08:00")
    if not pathlib.Path(CLI).exists():
        pytest.skip(f"no CLI at {CLI}")
    out = tmp_path / "r.json"
    subprocess.run([CLI, "report", "--program", "hunan-2023-mh-winter", "--participants",
                    str(DATA / "participants.jsonl"), "--events", str(DATA / "events.jsonl"), "--census",
                    str(DATA / "census.csv"), "--as-of", "2023-01-25", "--json", str(out),
                    "--generated-at", "2023-01-26T08:00:00+08:00"], check=True, capture_output=True)
    cli = json.loads(out.read_text(encoding="utf-8"))
    mine = report.to_dict()
    # The inputs block names files differently (paths vs the same paths); compare the figures.
    for key in ("totals", "units", "daily", "census_without_participants", "participants_without_census"):
        if key in cli:
            assert mine[key] == cli[key], key
    # The same files, hashed and counted alike: the same provenance.
    assert report.provenance == cli["provenance"] == mine["provenance"]
    assert [f["role"] for f in report.provenance["inputs"]] == ["participants", "events", "census"]
    page = tmp_path / "r.html"
    page.write_text(report.to_html(), encoding="utf-8")
    check = yanxiu.check_provenance(page)
    assert check.ok and check.embedded and check.files == 3
    assert yanxiu.check_provenance(out).ok


def test_report_provenance_only_when_every_input_is_a_file(evaluation):
    import pandas as pd
    program, ev = evaluation
    assert yanxiu.report(program, ev, generated_at="x").provenance is not None
    rows = [{"unit": "长沙市", "category": "homeroom", "expected": 3}]
    assert yanxiu.report(program, ev, census=rows, generated_at="x").provenance is None
    frame = pd.read_json(DATA / "participants.jsonl", lines=True, dtype=False)
    in_memory = yanxiu.evaluate(program, frame, DATA / "events.jsonl", as_of="2023-01-25")
    assert yanxiu.report(program, in_memory, generated_at="x").provenance is None
    with pytest.raises(ValueError, match="no provenance"):
        yanxiu.check_provenance(DATA / "participants.jsonl")


def test_report_frame_html_and_census_forms(evaluation):
    program, ev = evaluation
    census_rows = [{"unit": "长沙市", "category": "homeroom", "expected": 3},
                   {"unit": "长沙市", "category": "mh_fulltime", "expected": 2},
                   {"unit": "长沙市", "category": "principal", "expected": 1}]
    report = yanxiu.report(program, ev, census=census_rows, generated_at="x")
    assert len(report.census_rejected) == 1
    assert report.census_rejected[0].code == "unknown_category"
    frame = report.to_frame()
    assert list(frame.columns) == yanxiu.UNIT_COLUMNS
    assert list(frame["rank"]) == sorted(frame["rank"])
    changsha = frame[frame["unit"] == "长沙市"].iloc[0]
    assert changsha["expected"] == 5
    html = report.to_html()
    assert html.startswith("<!DOCTYPE html>") and "长沙市" in html and "<svg" in html
    assert "http://" not in html and "https://" not in html
    assert "yanxiu.Report(" in repr(report)
    assert "<table" in report._repr_html_()
    assert report.to_csv(bom=True).startswith(b"\xef\xbb\xbf")
    without = yanxiu.report(program, ev)
    assert without.totals["target"]["coverage_denominator"] == "registered"


def test_report_plot(evaluation):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    program, ev = evaluation
    ax = yanxiu.report(program, ev, census=DATA / "census.csv").plot()
    assert len(ax.patches) == len(yanxiu.report(program, ev, census=DATA / "census.csv").units)


def _glyph(text: str, properties) -> bytes:
    """The pixels of `text` drawn alone with `properties` (matplotlib's Agg)."""
    import warnings
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(0.6, 0.6), dpi=50)
    figure.text(0.1, 0.1, text, fontproperties=properties, fontsize=24)
    canvas = FigureCanvasAgg(figure)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Glyph … missing": drawn as the box on purpose
        canvas.draw()
    return bytes(canvas.buffer_rgba())


def test_report_plot_draws_chinese_unit_names_with_a_cjk_font(evaluation):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import font_manager
    program, ev = evaluation
    font = yanxiu.use_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (fonts-noto-cjk)")
    ax = yanxiu.report(program, ev).plot()
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    assert labels and any("市" in t.get_text() for t in labels)
    properties = labels[0].get_fontproperties()
    assert "CJK" in font_manager.findfont(properties, fallback_to_default=False)
    # A real glyph, not a box: two different characters draw differently, and
    # neither like a private-use character no font has (drawn as the box).
    zhong, guo, box = (_glyph(c, properties) for c in ("中", "国", "\ue000"))
    assert zhong != guo and zhong != box and guo != box
    # The check can fail: in a Latin-only font both characters are the same box.
    latin = font_manager.FontProperties(family="DejaVu Sans")
    assert _glyph("中", latin) == _glyph("国", latin)


def test_report_daily_frame_has_dates_and_files_write(evaluation, tmp_path):
    pd = pytest.importorskip("pandas")
    program, ev = evaluation
    report = yanxiu.report(program, ev, census=DATA / "census.csv", generated_at="x")
    daily = report.daily_frame()
    assert pd.api.types.is_datetime64_any_dtype(daily["date"])
    assert str(daily["as_of"].dt.tz) == "Asia/Shanghai"
    assert daily["date"].iloc[0] == pd.Timestamp("2023-01-09")
    assert list(daily["completed"]) == [d["completed"] for d in report.daily]
    # to_csv(path): written, with a BOM for Excel unless told otherwise.
    path = tmp_path / "report.csv"
    data = report.to_csv(path)
    assert path.read_bytes() == data and data.startswith(b"\xef\xbb\xbf")
    assert report.to_csv(tmp_path / "plain.csv", bom=False) == (tmp_path / "plain.csv").read_bytes()
    assert not (tmp_path / "plain.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not report.to_csv().startswith(b"\xef\xbb\xbf")
    assert report.to_csv(lang="en").startswith(b"Rank,Unit")


def test_report_to_excel_reads_back(evaluation, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    program, ev = evaluation
    report = yanxiu.report(program, ev, census=DATA / "census.csv", generated_at="x")
    path = tmp_path / "report.xlsx"
    report.to_excel(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["通报", "按类别", "每日进度", "说明"]  # no names: no follow-up list
    rows = list(book["通报"].iter_rows(values_only=True))
    units = report.units
    assert [r[1] for r in rows[1:-1]] == [u["unit"] for u in units]
    assert [r[3] for r in rows[1:-1]] == [u["target"]["registered"] for u in units]
    assert rows[-1][1] == "合计" and rows[-1][3] == report.totals["target"]["registered"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    report.to_excel(tmp_path / "en.xlsx", lang="en")
    assert openpyxl.load_workbook(tmp_path / "en.xlsx").sheetnames[0] == "By unit"


def test_report_ranking_issuer_and_previous_as_the_command_line(evaluation, tmp_path):
    import json
    import subprocess
    program, ev = evaluation  # as of 2023-01-25
    earlier = yanxiu.report(program, yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl",
                                                     as_of="2023-01-15"), census=DATA / "census.csv")
    ours = yanxiu.report(program, ev, census=DATA / "census.csv", generated_at="x", ranking=False,
                         issuer="湖南省教育厅", previous=earlier)
    d = ours.to_dict()
    assert d["ranked"] is False and d["issuer"] == "湖南省教育厅"
    assert all(u["rank"] is None for u in d["units"])
    assert d["previous"]["cut_off"] == earlier.to_dict()["cut_off"]
    # The same as `yanxiu report --no-ranking --issuer --previous`, figure for figure.
    cli = ROOT / "build" / "yanxiu"
    if not cli.exists():
        return
    (tmp_path / "earlier.json").write_text(earlier.to_json(), encoding="utf-8")
    out = tmp_path / "report.json"
    done = subprocess.run([str(cli), "report", "--program", "hunan-2023-mh-winter", "--participants",
                           str(DATA / "participants.jsonl"), "--events", str(DATA / "events.jsonl"),
                           "--census", str(DATA / "census.csv"), "--as-of", "2023-01-25", "--json", str(out),
                           "--generated-at", "x", "--no-ranking", "--issuer", "湖南省教育厅",
                           "--previous", str(tmp_path / "earlier.json")], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    theirs = json.loads(out.read_text(encoding="utf-8"))
    for key in ("units", "totals", "ranked", "issuer", "previous", "cut_off", "days_remaining"):
        assert d[key] == theirs[key], key
    with pytest.raises(ValueError):
        yanxiu.report(program, ev, previous={"units": 3})
