"""The command line's outputs are all-or-nothing, and every write is checked.

A run that fails (a typo in an input path), or is interrupted (SIGINT,
SIGTERM), leaves the files of an earlier run exactly as they were and no
temporary beside them; output to a full device (/dev/full) is an error,
for every subcommand.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))
DATA = REPO / "examples" / "data"
PROGRAM = "hunan-2023-mh-winter"

pytestmark = pytest.mark.skipif(not CLI.exists(), reason=f"yanxiu CLI not found at {CLI}")


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=120, **kw)


def evaluate_args(out: Path, events: Path = DATA / "events.jsonl") -> list[str]:
    return ["evaluate", "--program", PROGRAM, "--participants", str(DATA / "participants.jsonl"),
            "--events", str(events), "--out", str(out), "--rejects", str(out.with_name("rejects.jsonl"))]


def test_a_failed_run_leaves_the_earlier_outputs(tmp_path: Path) -> None:
    out = tmp_path / "outcomes.jsonl"
    assert cli(*evaluate_args(out)).returncode == 0
    before = out.read_bytes(), (tmp_path / "rejects.jsonl").read_bytes()
    assert before[0]
    failed = cli(*evaluate_args(out, DATA / "no-such-events.jsonl"))
    assert failed.returncode == 1 and "no-such-events.jsonl" in failed.stderr
    assert (out.read_bytes(), (tmp_path / "rejects.jsonl").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no temporaries; each output with its provenance
        "outcomes.jsonl", "outcomes.jsonl.provenance.json", "rejects.jsonl", "rejects.jsonl.provenance.json"]

    html = tmp_path / "report.html"
    report = ["report", "--program", PROGRAM, "--participants", str(DATA / "participants.jsonl"),
              "--html", str(html), "--json", str(tmp_path / "report.json")]
    assert cli(*report, "--events", str(DATA / "events.jsonl")).returncode == 0
    page = html.read_bytes()
    assert cli(*report, "--events", str(DATA / "typo.jsonl")).returncode == 1
    assert html.read_bytes() == page


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_leaves_the_earlier_outputs(tmp_path: Path, sig: int, code: int) -> None:
    out = tmp_path / "outcomes.jsonl"
    assert cli(*evaluate_args(out)).returncode == 0
    before = out.read_bytes()
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    # The run blocks reading the events from a pipe nobody writes: its outputs are open, not in place.
    proc = subprocess.Popen([str(CLI), *evaluate_args(out, fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    assert proc.returncode == code
    assert out.read_bytes() == before
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


@pytest.mark.parametrize("args", [
    ["programs"],
    ["validate", PROGRAM],
    ["evaluate", "--program", PROGRAM, "--participants", str(DATA / "participants.jsonl"),
     "--events", str(DATA / "events.jsonl")],
    ["report", "--program", PROGRAM, "--participants", str(DATA / "participants.jsonl"),
     "--events", str(DATA / "events.jsonl")],
    ["diff", PROGRAM, str(REPO / "examples" / "programmes" / "hunan-homeroom-8.json"),
     "--participants", str(DATA / "participants.jsonl"), "--events", str(DATA / "events.jsonl")],
    ["--help"],
])
def test_every_subcommand_checks_its_writes_to_stdout(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([str(CLI), *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "write error" in proc.stderr


def test_simulate_checks_its_writes(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([str(CLI), "simulate", "--participants", "10", "--seed", "1", "--out", str(tmp_path)],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 1 and "write error" in proc.stderr


def test_an_output_path_that_cannot_be_written_fails_before_the_work(tmp_path: Path) -> None:
    proc = cli(*evaluate_args(tmp_path / "missing" / "outcomes.jsonl"))
    assert proc.returncode == 1 and "cannot open for writing" in proc.stderr
    proc = cli(*evaluate_args(tmp_path))  # a directory
    assert proc.returncode == 1 and "is a directory" in proc.stderr


def test_a_device_or_a_link_is_written_through_not_replaced(tmp_path: Path) -> None:
    import stat
    proc = cli(*evaluate_args(tmp_path / "o.jsonl")[:-4], "--out", "/dev/null", "--rejects", "/dev/null")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # still the device
    target = tmp_path / "real.jsonl"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert cli(*evaluate_args(link)).returncode == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith('{"participant"')


def test_an_interrupted_simulate_leaves_the_earlier_cohort(tmp_path: Path) -> None:
    assert cli("simulate", "--participants", "50", "--seed", "1", "--out", str(tmp_path)).returncode == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    proc = subprocess.Popen([str(CLI), "simulate", "--participants", "3000000", "--seed", "2", "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_progress_shows_percentages_on_a_terminal_and_nothing_otherwise(tmp_path: Path) -> None:
    """On a terminal, evaluate says how far reading and evaluating are (a
    percentage, and the time left once it can tell); in a log or a pipe,
    stderr holds the counts only."""
    import pty
    args = [str(CLI), *evaluate_args(tmp_path / "outcomes.jsonl")]
    pid, fd = pty.fork()
    if pid == 0:  # the child: stderr and stdout are the terminal
        os.execv(args[0], args)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    text = seen.decode("utf-8", "replace")
    assert "reading events" in text and "100%" in text and "\r" in text
    assert "evaluating 12 participants" in text
    plain = cli(*evaluate_args(tmp_path / "again.jsonl"))
    assert plain.returncode == 0 and "%" not in plain.stderr and "\r" not in plain.stderr
