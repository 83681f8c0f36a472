"""Bad inputs through the Python API (issue 5, items 5 and 9).

The manifest of tests/data/bad/ (the same one tests/cpp/test_bad_inputs.cpp
walks through the library and the command line) is walked here through
`yanxiu.evaluate` and `yanxiu.Program.load`: every record file gives exactly
the rejections the manifest lists and its reconciliation holds, every bad
programme raises `ProgramError` with the manifest's words.  Then the Python
edge itself: bytes that are not UTF-8, and strings Python holds that UTF-8
cannot encode (lone surrogates), end as rejections or typed exceptions with
printable messages, never as UnicodeDecodeError/UnicodeEncodeError.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import yanxiu

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
MANIFEST = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
SUPPORT_PARTICIPANTS = BAD / "support" / "participants.jsonl"
SUPPORT_EMPTY = BAD / "support" / "empty.jsonl"

RECORD_ENTRIES = [e for e in MANIFEST["files"] if e["kind"] in ("participants", "events")]
PROGRAM_ENTRIES = [e for e in MANIFEST["files"] if e["kind"] == "program"]


@pytest.fixture(scope="module")
def program() -> yanxiu.Program:
    return yanxiu.Program.load("moe-2023-mh-winter")


def _printable(text: str) -> None:
    """A message a terminal, a log or json.dumps can take as it is."""
    assert isinstance(text, str) and text
    text.encode("utf-8")  # raises on lone surrogates
    assert "\n" not in text


def test_the_manifest_covers_records_and_programmes():
    assert len(RECORD_ENTRIES) >= 40 and len(PROGRAM_ENTRIES) >= 10


@pytest.mark.parametrize("entry", RECORD_ENTRIES, ids=lambda e: e["file"])
def test_bad_record_file_gives_the_manifest_rejections(program, entry):
    path = BAD / entry["file"]
    if entry["kind"] == "participants":
        evaluation = yanxiu.evaluate(program, str(path), str(SUPPORT_EMPTY))
        summary = evaluation.summary["participants"]
    else:
        evaluation = yanxiu.evaluate(program, str(SUPPORT_PARTICIPANTS), str(path))
        summary = evaluation.summary["events"]
    # Python gives field None where the manifest (and C++) say "": the whole record.
    got = [{"line": r.line, "field": r.field or "", "code": r.code} for r in evaluation.rejected]
    assert got == entry["rejections"]
    assert summary["read"] == summary["accepted"] + summary["rejected"] + summary["duplicates"]
    assert summary["rejected"] == len(entry["rejections"])
    for r in evaluation.rejected:
        assert r.file == str(path)
        _printable(r.message)
    # The rejections survive the trip to pandas and JSON.
    json.dumps([repr(r) for r in evaluation.rejected])
    evaluation.to_frame()


@pytest.mark.parametrize("entry", PROGRAM_ENTRIES, ids=lambda e: e["file"])
def test_bad_programme_raises_program_error_with_the_manifest_words(entry):
    with pytest.raises(yanxiu.ProgramError) as caught:
        yanxiu.Program.load(str(BAD / entry["file"]))
    assert isinstance(caught.value, ValueError)
    _printable(str(caught.value))
    assert entry["error"] in str(caught.value)


# ---------------------------------------------------------------------------
# The Python edge


def test_invalid_utf8_in_a_file_is_a_bad_utf8_rejection_with_an_escaped_message(program, tmp_path):
    participants = tmp_path / "participants.jsonl"
    participants.write_bytes(
        b'{"id":"T1","name":"\xe5\xbc\xa0","unit":"U","category":"homeroom","sector":"primary","verified":true}\n'
        b'{"id":"T\xff\xfe2","name":"x","unit":"U","category":"homeroom","sector":"primary","verified":true}\n'
        b'{"id":"T3","name":"\xed\xa0\x80","unit":"U","category":"homeroom","sector":"primary","verified":true}\n')
    events = tmp_path / "events.csv"
    events.write_bytes(b"kind,participant,lesson,start,end\n"
                       b"study,T1,L01,2023-01-16T09:00:00+08:00,2023-01-16T09:45:00+08:00\n"
                       b"study,T\xc3\x281,L01,2023-01-16T10:00:00+08:00,2023-01-16T10:45:00+08:00\n")
    evaluation = yanxiu.evaluate(program, str(participants), str(events))
    codes = [(r.line, r.code) for r in evaluation.rejected]
    assert codes == [(2, "bad_utf8"), (3, "bad_utf8"), (3, "bad_utf8")]
    for r in evaluation.rejected:
        _printable(r.message)
        _printable(repr(r))
    assert [o.participant for o in evaluation.outcomes] == ["T1"]


def test_bytes_paths_that_are_not_utf8_work_and_are_named_printably(program, tmp_path):
    raw = bytes(tmp_path) + "/参与者-".encode("utf-8") + b"\xff.jsonl"  # not UTF-8: a bytes path
    Path(raw.decode("utf-8", "surrogateescape")).write_bytes(
        b'{"id":"T1","unit":"U","category":"homeroom","sector":"primary","verified":true}\n{"id":\n')
    evaluation = yanxiu.evaluate(program, raw, str(SUPPORT_EMPTY))
    assert [o.participant for o in evaluation.outcomes] == ["T1"]
    (r,) = evaluation.rejected
    assert r.line == 2 and r.code == "malformed"
    # The file is named as Python names such paths (os.fsdecode: the bytes
    # kept as surrogate escapes), so it leads back to the same file.
    assert r.file == os.fsdecode(raw) and os.path.exists(r.file)
    _printable(r.message)
    _printable(repr(r).encode("utf-8", "backslashreplace").decode("utf-8"))


def test_a_missing_file_with_undecodable_name_raises_os_error_not_unicode_error(program, tmp_path):
    with pytest.raises(OSError) as caught:
        yanxiu.evaluate(program, bytes(tmp_path) + b"/no-such-\xff.jsonl", [])
    _printable(str(caught.value))


def test_lone_surrogates_in_python_records_are_rejected_not_raised(program):
    participants = [
        {"id": "T1", "unit": "U", "category": "homeroom", "sector": "primary", "verified": True},
        {"id": "T\udcff2", "unit": "U", "category": "homeroom", "sector": "primary", "verified": True},
        {"id": "T3", "unit": "单位\ud800", "category": "homeroom", "sector": "primary", "verified": True},
    ]
    events = [
        {"kind": "study", "participant": "T1", "lesson": "L\udc80",
         "start": "2023-01-16T09:00:00+08:00", "end": "2023-01-16T09:45:00+08:00"},
        {"kind": "study", "participant": "T1", "lesson": "L01",
         "start": "2023-01-16T09:00:00+08:00", "end": "2023-01-16T09:45:00+08:00"},
    ]
    evaluation = yanxiu.evaluate(program, participants, events)
    got = [(r.file, r.line, r.field, r.code) for r in evaluation.rejected]
    assert got == [("<participants>", 2, "id", "bad_utf8"), ("<participants>", 3, "unit", "bad_utf8"),
                   ("<events>", 1, "lesson", "bad_utf8")]
    for r in evaluation.rejected:
        _printable(r.message)
    assert evaluation.summary["participants"]["read"] == 3
    assert evaluation.summary["events"]["read"] == 2
    (outcome,) = evaluation.outcomes
    assert outcome.participant == "T1" and outcome.seconds_studied == 45 * 60


def test_lone_surrogates_in_a_dataframe_are_rejected_not_raised(program):
    pd = pytest.importorskip("pandas")
    participants = pd.DataFrame({"id": ["T1", "T\udcff"], "unit": ["U", "U"], "category": ["homeroom"] * 2,
                                 "sector": ["primary"] * 2, "verified": [True, True]})
    events = pd.DataFrame({"kind": ["study"], "participant": ["T1"], "lesson": ["L01"],
                           "start": ["2023-01-16T09:00:00+08:00"], "end": ["2023-01-16T09:45:00+08:00"]})
    evaluation = yanxiu.evaluate(program, participants, events)
    assert [(r.line, r.field, r.code) for r in evaluation.rejected] == [(2, "id", "bad_utf8")]
    assert [o.participant for o in evaluation.outcomes] == ["T1"]


def test_programme_text_that_python_cannot_encode_is_a_program_error():
    with pytest.raises(yanxiu.ProgramError) as caught:
        yanxiu.Program.from_json('{"id": "x\udcff", "extends": "moe-2023-mh-winter"}')
    _printable(str(caught.value))
    with pytest.raises(yanxiu.ProgramError) as caught:
        yanxiu.Program.from_json(b'{"id": "x\xff", "extends": "moe-2023-mh-winter"}'.decode("latin-1")
                                 .encode("latin-1").decode("utf-8", "surrogateescape"))
    _printable(str(caught.value))


def test_a_programme_file_of_invalid_utf8_is_a_program_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"id": "bad-\xff", "extends": "moe-2023-mh-winter"}')
    with pytest.raises(yanxiu.ProgramError) as caught:
        yanxiu.Program.load(str(path))
    _printable(str(caught.value))
    assert "UTF-8" in str(caught.value)


def test_an_unknown_programme_id_with_odd_characters_is_program_not_found():
    with pytest.raises(yanxiu.ProgramNotFound) as caught:
        yanxiu.Program.load("no-such-\udcff-programme")
    assert isinstance(caught.value, LookupError)
    _printable(str(caught.value))


def test_messages_of_rejected_values_escape_control_and_invalid_bytes(program, tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_bytes(b'{"kind":"st\\u0000udy","participant":"T1","lesson":"L01",'
                       b'"start":"2023-01-16T09:00:00+08:00","end":"2023-01-16T09:45:00+08:00"}\n'
                       b'{"kind":"study","participant":"T1","lesson":"L01",'
                       b'"start":"2023-01-16T09:00:00+08:00\\u001b[31m","end":"2023-01-16T09:45:00+08:00"}\n')
    participants = [{"id": "T1", "unit": "U", "category": "homeroom", "sector": "primary", "verified": True}]
    evaluation = yanxiu.evaluate(program, participants, str(events))
    assert [(r.line, r.code) for r in evaluation.rejected] == [(1, "unknown_kind"), (2, "bad_timestamp")]
    for r in evaluation.rejected:
        _printable(r.message)
        assert "\x00" not in r.message and "\x1b" not in r.message
