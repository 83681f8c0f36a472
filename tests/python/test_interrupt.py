"""Ctrl-C stops a long yanxiu.evaluate within a second (KeyboardInterrupt),
whether it is reading a file or evaluating; the interpreter is usable after.

The evaluation runs in a child interpreter that signals itself; the cohort
is large enough (60,000 teachers, ~145 MB of events) that reading and
evaluating take about a second on this machine, so the signals at 0.1 and
0.3 s land while it reads and while it evaluates.  When the evaluation
finishes first the signal is not sent (the test skips), so it never lands in
the small evaluation that follows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))

CHILD = r"""
import json, os, signal, sys, threading, time
import yanxiu
program = yanxiu.Program.load("hunan-2023-mh-winter")
d, delay = sys.argv[1], float(sys.argv[2])
fired = {}
done = threading.Event()
def fire():
    time.sleep(delay)
    if done.is_set():
        return  # the evaluation finished first: no signal, so none lands in what follows
    fired["at"] = time.monotonic()
    os.kill(os.getpid(), signal.SIGINT)
signaller = threading.Thread(target=fire, daemon=True)
signaller.start()
started = time.monotonic()
try:
    yanxiu.evaluate(program, d + "/participants.jsonl", d + "/events.jsonl")
    result = {"interrupted": False, "took": time.monotonic() - started}
    done.set()
    signaller.join()
except KeyboardInterrupt:
    # (also when the signal was sent just as the evaluation returned)
    result = {"interrupted": True, "after_signal": time.monotonic() - fired["at"]}
# Still usable: a small evaluation works.
ev = yanxiu.evaluate(program, [{"id": "T1", "category": "homeroom"}], [])
result["usable"] = len(ev.outcomes) == 1
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CLI.exists():
        pytest.skip(f"yanxiu CLI not found at {CLI}")
    d = tmp_path_factory.mktemp("interrupt")
    subprocess.run([str(CLI), "simulate", "--participants", "60000", "--seed", "2", "--out", str(d)],
                   check=True, capture_output=True, timeout=300)
    return d


@pytest.mark.parametrize("delay", [0.1, 0.3])
def test_ctrl_c_interrupts_an_evaluation_within_a_second(cohort: Path, delay: float) -> None:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(cohort), str(delay)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["usable"]
    if not result["interrupted"]:
        pytest.skip(f"the evaluation finished in {result['took']:.2f} s, before the signal")
    assert result["after_signal"] < 1.0
