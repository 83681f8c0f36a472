"""xAPI statements through Python (issue 15, item 6): `yanxiu.evaluate(...,
xapi=...)` and `yanxiu.read_xapi` give what `yanxiu evaluate --xapi` and
`yanxiu report --xapi` give on the same statements: the same outcomes, the
same rejections, the same counts.  No test here pins how many statements a
file maps to (the mapping's rules are the reader's, tested in C++): each
compares Python with the command line, or one way in with another, and
checks that every statement is accounted for.

The statements are the example cohort's events written as an LRS would
hold them, with a voided one, one that maps to nothing, one sent twice, one
from an unknown actor, one with an impossible date and one that is not an
object; and, where ../shared/data/xapi is checked out (as the C++ tests
use it), the real datasim and Moodle statements.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import yanxiu
from xapi_statements import statement_id, example_statements, write_jsonl, xapi_line

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("YANXIU_CLI", str(ROOT / "build" / "yanxiu")))
DATA = ROOT / "examples" / "data"
SHARED_XAPI = ROOT.parent / "shared" / "data" / "xapi"
PROGRAM = "hunan-2023-mh-winter"
GENERATED_AT = "2023-01-26T08:00:00+08:00"

needs_cli = pytest.mark.skipif(not CLI.exists(), reason=f"yanxiu CLI not found at {CLI}")


@pytest.fixture(scope="module")
def program() -> yanxiu.Program:
    return yanxiu.Program.load(PROGRAM)


@pytest.fixture(scope="module")
def statements() -> list[Any]:
    return example_statements(DATA)


@pytest.fixture(scope="module")
def files(statements: list[Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The statements as JSON Lines (one a line: line = position) and as a pretty JSON array."""
    d = tmp_path_factory.mktemp("xapi")
    jsonl = write_jsonl(d / "statements.jsonl", statements)
    array = d / "statements.json"
    array.write_text(json.dumps(statements, ensure_ascii=False, indent=2), encoding="utf-8")
    return {"jsonl": jsonl, "array": array}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=300)


def _jsonl(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _counts(summary: dict[str, Any]) -> dict[str, int]:
    return {k: summary[k] for k in ("read", "mapped", "ignored", "rejected", "duplicates")}


def _reconciles(s: dict[str, Any]) -> bool:
    return bool(s["read"] == s["mapped"] + s["ignored"] + s["rejected"] + s["duplicates"])


# ---------------------------------------------------------------------------
# evaluate(..., xapi=...) against `yanxiu evaluate --xapi`


@needs_cli
@pytest.mark.parametrize("form", ["jsonl", "array"])
@pytest.mark.parametrize("with_events", [False, True], ids=["xapi-only", "events+xapi"])
@pytest.mark.parametrize("lesson", ["last_segment", "query:lesson", "whole_iri"])
def test_evaluate_xapi_equals_the_command_line(program, files, tmp_path, form, with_events, lesson):
    path = files[form]
    out, rejects = tmp_path / "outcomes.jsonl", tmp_path / "rejects.jsonl"
    args = ["evaluate", "--program", PROGRAM, "--participants", str(DATA / "participants.jsonl"),
            "--xapi", str(path), "--xapi-lesson", lesson, "--as-of", "2023-01-25",
            "--out", str(out), "--rejects", str(rejects)]
    if with_events:
        args += ["--events", str(DATA / "events.jsonl")]
    done = _cli(*args)
    assert done.returncode == 0, done.stderr

    ev = yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl" if with_events else None,
                         as_of="2023-01-25", xapi=path, xapi_lesson=lesson)
    assert [o.to_dict() for o in ev] == _jsonl(out)
    assert [r.to_dict() for r in ev.rejected] == _jsonl(rejects)
    assert ev.xapi is not None
    assert _counts(ev.xapi) == xapi_line(done.stderr)
    assert _reconciles(ev.xapi)
    assert ev.xapi["voided"] <= ev.xapi["ignored"]
    assert sum(ev.xapi["ignored_by_verb"].values()) == ev.xapi["ignored"] - ev.xapi["voided"]
    # Statements the events file does not also hold are counted as events (all but the ignored ones).
    events = ev.summary["events"]
    assert events["read"] == events["accepted"] + events["rejected"] + events["duplicates"]
    assert ("events: read" in done.stderr) == with_events


def test_the_statements_exercise_every_way_a_statement_can_go(program, files):
    """The fixture is worth comparing: something of every kind in it."""
    ev = yanxiu.evaluate(program, DATA / "participants.jsonl", xapi=files["jsonl"], as_of="2023-01-25")
    x = ev.xapi
    assert x is not None
    assert x["mapped"] > 150 and x["voided"] == 1 and x["duplicates"] == 1
    assert x["ignored_by_verb"].get("initialized") == 1
    codes = {r.code for r in ev.rejected}
    assert {"unknown_participant", "bad_timestamp", "malformed"} <= codes
    assert {o.status for o in ev} >= {"completed", "in_progress"}
    assert all(r.file == str(files["jsonl"]) for r in ev.rejected)


def test_statements_in_memory_equal_the_file(program, statements, files):
    from_file = yanxiu.evaluate(program, DATA / "participants.jsonl", xapi=files["jsonl"])
    in_memory = yanxiu.evaluate(program, DATA / "participants.jsonl", xapi=statements)
    assert [o.to_dict() for o in in_memory] == [o.to_dict() for o in from_file]
    assert in_memory.xapi == from_file.xapi
    assert in_memory.summary == from_file.summary
    # Named <xapi>, at the statement's 1-based position (the file has one a line).
    assert {r.file for r in in_memory.rejected} == {"<xapi>"}
    strip = [(r.line, r.field, r.code, r.message) for r in from_file.rejected]
    assert [(r.line, r.field, r.code, r.message) for r in in_memory.rejected] == strip
    assert in_memory.rejected[-1].line == len(statements)  # the 42


def test_xapi_and_events_add_up_as_one_evaluation(program, statements):
    """Statements are read after the events, into the same records: the first
    40 statements (the first 40 events again) are counted as events too."""
    alone = yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl")
    both = yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl", xapi=statements[:40])
    assert both.xapi is not None and _reconciles(both.xapi)
    assert both.summary["events"]["read"] == alone.summary["events"]["read"] + 40 - both.xapi["ignored"]
    assert alone.xapi is None


def test_in_memory_statements_that_are_not_json_objects_are_rejected_not_raised(program, statements):
    aware = dict(statements[1], id="0b7c4f7e-3c1d-4a53-9a3e-2f1b6c7d8e90",
                 timestamp=datetime.fromisoformat(statements[1]["timestamp"]).astimezone(timezone.utc))
    as_text = dict(statements[1], id="0b7c4f7e-3c1d-4a53-9a3e-2f1b6c7d8e90")
    items = [aware, "a string", {"id": "set-1", "result": {1, 2}}, {"id": "nan-1", "score": float("nan")}, None]
    ev = yanxiu.evaluate(program, DATA / "participants.jsonl", xapi=items)
    assert ev.xapi is not None and ev.xapi["read"] == 5 and _reconciles(ev.xapi)
    assert [(r.line, r.code) for r in ev.rejected] == [(2, "malformed"), (3, "malformed"), (4, "malformed"),
                                                       (5, "malformed")]
    # A datetime is written as its ISO text: the same event as the statement with the text.
    same = yanxiu.evaluate(program, DATA / "participants.jsonl", xapi=[as_text])
    assert [o.to_dict() for o in ev] == [o.to_dict() for o in same]
    assert yanxiu.read_xapi(program, [aware]).events == yanxiu.read_xapi(program, [as_text]).events


def test_evaluate_argument_errors(program, files, tmp_path):
    participants = DATA / "participants.jsonl"
    with pytest.raises(TypeError, match="needs events, xapi"):
        yanxiu.evaluate(program, participants)
    with pytest.raises(TypeError, match="single dict"):
        yanxiu.evaluate(program, participants, xapi={"id": "x"})
    with pytest.raises(TypeError, match="int"):
        yanxiu.evaluate(program, participants, xapi=5)
    with pytest.raises(ValueError, match="query:PARAM"):
        yanxiu.evaluate(program, participants, xapi=files["jsonl"], xapi_lesson="segments")
    with pytest.raises(ValueError, match="needs xapi"):
        yanxiu.evaluate(program, participants, DATA / "events.jsonl", xapi_lesson="whole_iri")
    missing = tmp_path / "no-such-statements.json"
    with pytest.raises(FileNotFoundError) as caught:
        yanxiu.evaluate(program, participants, xapi=missing)
    assert caught.value.filename == str(missing)
    with pytest.raises(IsADirectoryError):
        yanxiu.evaluate(program, participants, xapi=tmp_path)


def test_evaluate_xapi_takes_a_data_frame_never(program):
    pd = pytest.importorskip("pandas")
    with pytest.raises(TypeError, match="DataFrame"):
        yanxiu.evaluate(program, DATA / "participants.jsonl", xapi=pd.DataFrame({"id": ["a"]}))


# ---------------------------------------------------------------------------
# read_xapi


def test_read_xapi_events_are_the_records_evaluate_adds(program, files):
    via_xapi = yanxiu.evaluate(program, DATA / "participants.jsonl", xapi=files["array"], as_of="2023-01-25")
    mapped = yanxiu.read_xapi(program, files["array"])
    via_records = yanxiu.evaluate(program, DATA / "participants.jsonl", mapped.events, as_of="2023-01-25")
    assert [o.to_dict() for o in via_records] == [o.to_dict() for o in via_xapi]
    x, m = via_xapi.xapi, mapped.summary
    assert x is not None and _reconciles(m) and m["duplicates"] == 0
    for key in ("read", "ignored", "voided", "ignored_by_verb"):
        assert m[key] == x[key], key
    # What evaluate adds to the mapping: the Dataset's own checks (participants, duplicates).
    assert m["mapped"] + m["rejected"] == x["mapped"] + x["rejected"] + x["duplicates"]
    assert m["mapped"] == len(mapped) == len(mapped.events) == len(mapped.lines)
    assert [r.to_dict() for r in mapped.rejected] == [r.to_dict() for r in via_xapi.rejected
                                                      if r.code not in ("unknown_participant", "duplicate_id")]
    assert sorted(mapped.lines) == mapped.lines


def test_read_xapi_records_and_frame(program, statements):
    mapped = yanxiu.read_xapi(program, statements, lesson="query:lesson")
    assert mapped.lines[:2] == [2, 3]  # statement 1 is voided by v-1
    assert mapped.events[0]["kind"] == "quiz" and mapped.events[0]["lesson"] == "L01"
    first = mapped.events[1]
    assert set(first) == {"id", "kind", "participant", "lesson", "start", "end"}
    assert first["kind"] == "study" and first["participant"] == "T001" and first["lesson"] == "L02"
    assert first["id"] == statement_id("s-2")
    assert {e["kind"] for e in mapped.events} == {"study", "quiz"}
    quiz = next(e for e in mapped.events if e["kind"] == "quiz")
    assert set(quiz) <= {"id", "kind", "participant", "lesson", "at", "score", "completed"}
    assert isinstance(quiz["score"], float)
    assert all(r.file == "<xapi>" for r in mapped.rejected)
    mapped.events[0]["kind"] = "changed"  # a copy: the result does not change
    assert mapped.events[0]["kind"] == "quiz"
    assert "yanxiu.XapiRead(read=" in repr(mapped)

    pd = pytest.importorskip("pandas")
    frame = mapped.frame()
    assert list(frame.columns) == list(yanxiu.XAPI_EVENT_COLUMNS)
    assert len(frame) == len(mapped)
    assert list(frame["line"]) == mapped.lines
    assert str(frame["start"].dt.tz) == program.time_zone
    row = frame.iloc[1]
    assert row["start"] == pd.Timestamp(first["start"]) and row["end"] == pd.Timestamp(first["end"])
    assert pd.isna(row["at"]) and pd.isna(row["score"])
    quizzes = frame[frame["kind"] == "quiz"]
    assert quizzes["start"].isna().all() and quizzes["at"].notna().all()
    assert list(quizzes["score"]) == [e["score"] for e in mapped.events if e["kind"] == "quiz"]


def test_read_xapi_argument_errors(program, tmp_path):
    with pytest.raises(TypeError, match="yanxiu.Program"):
        yanxiu.read_xapi("hunan-2023-mh-winter", [])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="query:PARAM"):
        yanxiu.read_xapi(program, [], lesson="query:")
    with pytest.raises(FileNotFoundError):
        yanxiu.read_xapi(program, tmp_path / "none.json")
    empty = yanxiu.read_xapi(program, [])
    assert empty.events == [] and empty.summary["read"] == 0


# ---------------------------------------------------------------------------
# report --xapi against yanxiu.report


@needs_cli
@pytest.mark.parametrize("census", [False, True], ids=["no-census", "census"])
def test_report_xapi_equals_the_command_line(program, files, tmp_path, census):
    out, rejects = tmp_path / "report.json", tmp_path / "rejects.jsonl"
    args = ["report", "--program", PROGRAM, "--participants", str(DATA / "participants.jsonl"),
            "--xapi", str(files["jsonl"]), "--as-of", "2023-01-25", "--json", str(out),
            "--rejects", str(rejects), "--generated-at", GENERATED_AT]
    if census:
        args += ["--census", str(DATA / "census.csv")]
    done = _cli(*args)
    assert done.returncode == 0, done.stderr
    ev = yanxiu.evaluate(program, DATA / "participants.jsonl", xapi=files["jsonl"], as_of="2023-01-25")
    report = yanxiu.report(program, ev, census=DATA / "census.csv" if census else None, generated_at=GENERATED_AT)
    assert report.to_dict() == json.loads(out.read_text(encoding="utf-8"))
    assert ev.xapi is not None and _counts(ev.xapi) == xapi_line(done.stderr)
    assert [r.to_dict() for r in ev.rejected] == _jsonl(rejects)[:len(ev.rejected)]
    # The report counts the statements (but the ignored) as its events, as the Evaluation does.
    assert report.to_dict()["inputs"]["events"] == ev.summary["events"]


# ---------------------------------------------------------------------------
# tests/data/bad: the manifest's xAPI files, through Python


BAD = ROOT / "tests" / "data" / "bad"
XAPI_ENTRIES = [e for e in json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))["files"]
                if e["kind"] == "xapi"]


def test_the_manifest_has_xapi_files():
    assert len(XAPI_ENTRIES) >= 10


@pytest.mark.parametrize("entry", XAPI_ENTRIES, ids=lambda e: e["file"])
def test_bad_xapi_file_gives_the_manifest_rejections(entry):
    program = yanxiu.Program.load("moe-2023-mh-winter")
    path = BAD / entry["file"]
    ev = yanxiu.evaluate(program, BAD / "support" / "participants.jsonl", xapi=path)
    assert [{"line": r.line, "field": r.field or "", "code": r.code} for r in ev.rejected] == entry["rejections"]
    assert ev.xapi is not None and _reconciles(ev.xapi)
    assert ev.xapi["rejected"] == len(entry["rejections"])
    assert all(r.file == str(path) for r in ev.rejected)


# ---------------------------------------------------------------------------
# The real statements (../shared/data/xapi, where checked out)


def _actor_id(actor: Any) -> str | None:
    if not isinstance(actor, dict):
        return None
    account = actor.get("account")
    if isinstance(account, dict) and isinstance(account.get("name"), str):
        return str(account["name"])
    if isinstance(actor.get("mbox"), str):
        return str(actor["mbox"])[len("mailto:"):]
    if isinstance(actor.get("openid"), str):
        return str(actor["openid"])
    return None


def _real_files() -> list[Path]:
    """Real statements: the repository's own fixtures (Open edX, cmi5), and the
    shared datasim and Moodle files where they are checked out."""
    fixtures = ROOT / "tests" / "data" / "xapi"
    files = sorted(fixtures.glob("openedx/*.json"))[:12] + sorted(fixtures.glob("cmi5/17-abandoned_session/*.json"))
    if SHARED_XAPI.is_dir():
        files += sorted(SHARED_XAPI.glob("datasim/*.json"))
        files += sorted(SHARED_XAPI.glob("moodle-logstore_xapi/tests/mod_quiz/**/statements.json"))[:3]
    return files


@needs_cli
@pytest.mark.parametrize("path", _real_files(), ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_real_statements_evaluate_as_on_the_command_line(path, tmp_path):
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        pytest.skip("not one JSON document")
    ids = {_actor_id(s.get("actor")) for s in (doc if isinstance(doc, list) else [doc]) if isinstance(s, dict)}
    participants = [{"id": i, "category": "other"} for i in sorted(i for i in ids if i)]
    participants_file = tmp_path / "actors.jsonl"
    participants_file.write_text("".join(json.dumps(p) + "\n" for p in participants), encoding="utf-8")
    program = yanxiu.Program.load("moe-2023-mh-winter")  # an empty lesson catalogue
    out, rejects = tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    done = _cli("evaluate", "--program", "moe-2023-mh-winter", "--participants", str(participants_file),
                "--xapi", str(path), "--out", str(out), "--rejects", str(rejects))
    assert done.returncode == 0, done.stderr
    ev = yanxiu.evaluate(program, participants, xapi=path)
    assert [o.to_dict() for o in ev] == _jsonl(out)
    assert [r.to_dict() for r in ev.rejected] == _jsonl(rejects)
    assert ev.xapi is not None and _counts(ev.xapi) == xapi_line(done.stderr) and _reconciles(ev.xapi)
    mapped = yanxiu.read_xapi(program, path)
    assert mapped.summary["read"] == ev.xapi["read"] and mapped.summary["ignored_by_verb"] == ev.xapi["ignored_by_verb"]
    assert _reconciles(mapped.summary)
