"""Files as offices save them: UTF-16 and GB18030 are recognised, read and
named; a file of zero bytes is refused, not "0 records"; the wrong file (or
a file whose every record fails one way) is said so in one line.  The
library reads the same way from Python."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import yanxiu

REPO = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))
DATA = REPO / "examples" / "data"
PROGRAM = "hunan-2023-mh-winter"

pytestmark = pytest.mark.skipif(not CLI.exists(), reason=f"yanxiu CLI not found at {CLI}")


def evaluate(participants: Path, events: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), "evaluate", "--program", PROGRAM, "--participants", str(participants),
                           "--events", str(events), "--out", str(out)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("encoding,name", [("utf-16", "UTF-16LE"), ("utf-16-le", "UTF-16LE"),
                                           ("utf-16-be", "UTF-16BE"), ("gb18030", "GB18030")])
def test_utf16_and_gb18030_files_read_as_their_utf8_selves(tmp_path: Path, encoding: str, name: str) -> None:
    text = (DATA / "participants.csv").read_text(encoding="utf-8-sig")
    assert any(ord(c) > 127 for c in text)  # Chinese unit names: the encoding matters
    converted = tmp_path / "participants.csv"
    converted.write_bytes(text.encode(encoding))
    want = evaluate(DATA / "participants.csv", DATA / "events.jsonl", tmp_path / "want.jsonl")
    got = evaluate(converted, DATA / "events.jsonl", tmp_path / "got.jsonl")
    assert want.returncode == got.returncode == 0, got.stderr
    assert (tmp_path / "got.jsonl").read_bytes() == (tmp_path / "want.jsonl").read_bytes()
    assert f"read as {name} (converted to UTF-8)" in got.stderr
    # The same from Python: the library's readers.
    program = yanxiu.Program.load(PROGRAM)
    py = yanxiu.evaluate(program, str(converted), str(DATA / "events.jsonl"))
    ref = yanxiu.evaluate(program, str(DATA / "participants.csv"), str(DATA / "events.jsonl"))
    assert [o.to_dict() for o in py.outcomes] == [o.to_dict() for o in ref.outcomes]


def test_a_file_of_zero_bytes_is_not_zero_records(tmp_path: Path) -> None:
    nul = tmp_path / "participants.jsonl"
    nul.write_bytes(b"\0" * 4096)
    proc = evaluate(nul, DATA / "events.jsonl", tmp_path / "o.jsonl")
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "mostly zero bytes" in proc.stderr and "not a text file" in proc.stderr


def test_the_wrong_file_is_said_so_in_one_line(tmp_path: Path) -> None:
    proc = evaluate(DATA / "participants.jsonl", DATA / "participants.jsonl", tmp_path / "o.jsonl")
    assert proc.returncode == 0
    notes = [line for line in proc.stderr.splitlines() if "were rejected" in line]
    assert len(notes) == 1 and "is it a participants file given as events?" in notes[0]
    proc = evaluate(DATA / "events.jsonl", DATA / "events.jsonl", tmp_path / "o.jsonl")
    assert "is it an events file given as participants?" in proc.stderr
    other = tmp_path / "other-participants.jsonl"
    other.write_text('{"id":"X1","category":"homeroom"}\n', encoding="utf-8")
    proc = evaluate(other, DATA / "events.jsonl", tmp_path / "o.jsonl")
    assert "are both files from the same export?" in proc.stderr
