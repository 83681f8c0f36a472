"""yanxiu.certify / yanxiu.verify / yanxiu.keygen give what the command
line gives on the same records (issue 16, item 5)."""

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


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "office"
    assert len(yanxiu.keygen(path)) == 16
    with pytest.raises(ValueError, match="exists"):
        yanxiu.keygen(path)
    return path


@pytest.mark.skipif(not CLI.exists(), reason=f"yanxiu CLI not found at {CLI}")
def test_python_certificates_equal_the_command_line(key, tmp_path):
    program = yanxiu.Program.load(PROGRAM)
    certs = yanxiu.certify(program, key, DATA / "participants.jsonl", DATA / "events.jsonl")
    out = tmp_path / "certs.jsonl"
    done = subprocess.run([str(CLI), "certify", "--program", PROGRAM, "--participants", str(DATA / "participants.jsonl"),
                           "--events", str(DATA / "events.jsonl"), "--key", str(key), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert certs.text() == out.read_text(encoding="utf-8")
    evaluation = yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl")
    assert {c.participant for c in certs} == {o.participant for o in evaluation if o.certificate}
    frame = certs.frame()
    assert list(frame.columns) == list(yanxiu.CERTIFICATE_COLUMNS) and len(frame) == len(certs)
    result = yanxiu.verify(Path(str(key) + ".pub"), out)
    assert result.ok and result.valid == len(certs)


def test_verify_reports_a_changed_line(key, tmp_path):
    program = yanxiu.Program.load(PROGRAM)
    certs = yanxiu.certify(program, key, DATA / "participants.jsonl", DATA / "events.jsonl")
    assert len(certs) > 0
    path = tmp_path / "certs.jsonl"
    certs.write(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace('"lessons":', '"lessons":1')
    path.write_text("".join(lines), encoding="utf-8")
    result = yanxiu.verify(Path(str(key) + ".pub"), path)
    assert not result.ok and result.issues[0][1] == 1
    again = yanxiu.certify(program, key, DATA / "participants.jsonl", DATA / "events.jsonl", previous=certs)
    assert again.text() == certs.text()  # nothing changed: nothing reissued


def test_bytes_that_are_not_utf8_are_that_lines_failure_and_a_tampered_previous_is_refused(key, tmp_path):
    program = yanxiu.Program.load(PROGRAM)
    certs = yanxiu.certify(program, key, DATA / "participants.jsonl", DATA / "events.jsonl")
    assert len(certs) >= 2 and all(c.prev for c in certs[1:]) and not certs[0].prev
    path = tmp_path / "certs.jsonl"
    data = certs.text().encode("utf-8").split(b"\n")
    data[1] = data[1].replace(b'"unit":"', b'"unit":"\xff', 1)
    path.write_bytes(b"\n".join(data))
    result = yanxiu.verify(Path(str(key) + ".pub"), path)
    assert not result.ok and [line for _, line, _, _ in result.issues] == [2]  # only that line, no exception
    assert result.issues[0][3] in ("not JSON", "not UTF-8")
    with pytest.raises(ValueError, match="certs.jsonl:2"):
        yanxiu.certify(program, key, DATA / "participants.jsonl", DATA / "events.jsonl", previous=path)
