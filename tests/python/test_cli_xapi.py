"""`yanxiu report --xapi` takes xAPI statements as `yanxiu evaluate --xapi`
does (issue 15, item 6): the same options, checked the same way, the same
records read (so the same rejections, byte for byte), the same lines on
stderr saying what each input held."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from xapi_statements import example_statements, write_jsonl, xapi_line

REPO = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))
DATA = REPO / "examples" / "data"
PROGRAM = "hunan-2023-mh-winter"

pytestmark = pytest.mark.skipif(not CLI.exists(), reason=f"yanxiu CLI not found at {CLI}")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("xapi") / "statements.jsonl", example_statements(DATA))


def _inputs(command: str, *extra: str) -> list[str]:
    return [command, "--program", PROGRAM, "--participants", str(DATA / "participants.jsonl"), *extra]


def _read_lines(stderr: str) -> list[str]:
    """The lines saying what each input held."""
    return [line for line in stderr.splitlines() if line.split(":")[0] in ("participants", "events", "xapi", "census")
            and ": read " in line]


@pytest.mark.parametrize("with_events", [False, True], ids=["xapi-only", "events+xapi"])
def test_report_reads_what_evaluate_reads(statements, tmp_path, with_events):
    records = ["--xapi", str(statements), "--xapi-lesson", "query:lesson", "--as-of", "2023-01-25"]
    if with_events:
        records += ["--events", str(DATA / "events.jsonl")]
    ev = run(*_inputs("evaluate", *records, "--out", str(tmp_path / "o.jsonl"), "--rejects", str(tmp_path / "e.jsonl")))
    rp = run(*_inputs("report", *records, "--json", str(tmp_path / "r.json"), "--rejects", str(tmp_path / "r.jsonl")))
    assert ev.returncode == 0 and rp.returncode == 0, ev.stderr + rp.stderr
    assert (tmp_path / "r.jsonl").read_bytes() == (tmp_path / "e.jsonl").read_bytes()
    assert (tmp_path / "r.jsonl").stat().st_size > 0  # the statements have rejections to compare
    assert _read_lines(rp.stderr) == _read_lines(ev.stderr)
    names = [line.split(":")[0] for line in _read_lines(rp.stderr)]
    assert names == (["participants", "events", "xapi"] if with_events else ["participants", "xapi"])
    x = xapi_line(rp.stderr)
    assert x["read"] == x["mapped"] + x["ignored"] + x["rejected"] + x["duplicates"]
    # The report's figures are of the outcomes evaluate wrote.
    outcomes = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    registered = sum(u["target"]["registered"] + u["recorded"]["registered"] for u in report["units"])
    assert registered == len(outcomes)
    target = report["totals"]["target"]
    assert target["completed"] == sum(1 for o in outcomes if o["status"] == "completed" and o["certificate"])
    # Its inputs count the statements (all but those mapped to nothing) as events.
    events = report["inputs"]["events"]
    assert events["read"] == events["accepted"] + events["rejected"] + events["duplicates"]
    assert events["read"] >= x["read"] - x["ignored"]


def test_report_with_xapi_and_census_says_each_input(statements, tmp_path):
    rp = run(*_inputs("report", "--xapi", str(statements), "--census", str(DATA / "census.csv")))
    assert rp.returncode == 0, rp.stderr
    names = [line.split(":")[0] for line in _read_lines(rp.stderr)]
    assert names == ["participants", "xapi", "census"]
    assert "records rejected; write them with --rejects FILE" in rp.stderr


def test_report_strict_counts_statement_rejections(statements):
    assert run(*_inputs("report", "--xapi", str(statements), "--strict")).returncode == 3
    clean = [s for s in example_statements(DATA) if isinstance(s, dict)][:20]
    path = write_jsonl(statements.parent / "clean.jsonl", clean)
    assert run(*_inputs("report", "--xapi", str(path), "--strict")).returncode == 0


@pytest.mark.parametrize("command", ["evaluate", "report"])
@pytest.mark.parametrize("extra, message", [
    ([], "--events is required"),
    (["--xapi="], "--xapi needs a file"),
    (["--events", str(DATA / "events.jsonl"), "--xapi-lesson", "whole_iri"], "--xapi-lesson needs --xapi"),
    (["--xapi", "s.json", "--xapi-lesson", "segments"], "--xapi-lesson must be last_segment, whole_iri or query:PARAM"),
    (["--xapi", "s.json", "--xapi-lesson", "query:"], "--xapi-lesson must be"),
], ids=["no-events", "empty-xapi", "lesson-without-xapi", "bad-lesson", "empty-query"])
def test_the_xapi_options_are_checked_alike(command, extra, message, tmp_path):
    done = run(*_inputs(command, *extra, *(["--json", str(tmp_path / "r.json")] if command == "report" else [])))
    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "r.json").exists()


def test_a_missing_statements_file_fails_in_one_line_and_keeps_the_outputs(tmp_path):
    out = tmp_path / "report.json"
    out.write_text("yesterday", encoding="utf-8")
    done = run(*_inputs("report", "--xapi", str(tmp_path / "none.json"), "--json", str(out)))
    assert done.returncode == 1
    assert "none.json" in done.stderr and done.stderr.count("\n") == 1
    assert out.read_text(encoding="utf-8") == "yesterday"


def test_help_shows_xapi_for_report():
    done = run("report", "--help")
    assert done.returncode == 0
    usage = done.stdout
    assert usage.startswith("usage: yanxiu report")
    assert "--xapi FILE" in usage and "--xapi-lesson" in usage
