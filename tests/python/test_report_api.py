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
