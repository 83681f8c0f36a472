"""kill -9 at random points: nothing acknowledged is lost, nothing is half-applied.

A simulated cohort (participants and events shuffled together, so events
often arrive before their participant) is posted in small batches by a
client thread while the main thread kills the service with SIGKILL at a
random instant: during recovery, between requests, in the middle of a group
commit.  After each restart the client first re-sends the batch it had in
flight (its answer never came, so it may or may not be stored: a retry must
be safe), and then the service must hold exactly the batches sent so far:
every participant's outcome equal, field by field, to `yanxiu evaluate` on
those records.  At least 20 kills; loopback only; every wait is bounded.

YANXIU_SERVICE, YANXIU_CLI name the programs (set by ctest);
YANXIU_CRASH_ROUNDS and YANXIU_CRASH_SEED change the run (scripts/soak).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import threading
import time
from pathlib import Path

import pytest

SERVICE = os.environ.get("YANXIU_SERVICE", "")
CLI = os.environ.get("YANXIU_CLI", "")
PROGRAM = "hunan-2023-mh-winter"
ROUNDS = int(os.environ.get("YANXIU_CRASH_ROUNDS", "24"))
SEED = int(os.environ.get("YANXIU_CRASH_SEED", "20261201"))
BATCH_LINES = 40

pytestmark = pytest.mark.skipif(
    not (SERVICE and Path(SERVICE).exists() and CLI and Path(CLI).exists()),
    reason="YANXIU_SERVICE and YANXIU_CLI must name built programs",
)


class Process:
    """A service process; `base` is set once it listens."""

    def __init__(self, state: Path, fsync: str) -> None:
        self.proc = subprocess.Popen(
            [SERVICE, "--port", "0", "--state", str(state), "--program", PROGRAM, "--fsync", fsync,
             "--shards", "4"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.port: int | None = None

    def wait_listening(self) -> None:
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("listening on 127.0.0.1:"):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=30)
            raise AssertionError(f"service did not start: {line!r} {err!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL
        self.proc.communicate(timeout=30)


def post(port: int, path: str, body: bytes, timeout: float = 30) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/x-ndjson"})
        res = conn.getresponse()
        data = res.read()
        if res.status != 200:
            raise RuntimeError(f"{path}: HTTP {res.status} {data[:200]!r}")
        return json.loads(data)
    finally:
        conn.close()


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, dict]:
    conn.request("GET", path)
    res = conn.getresponse()
    return res.status, json.loads(res.read())


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    d = tmp_path_factory.mktemp("crash-cohort")
    subprocess.run([CLI, "simulate", "--participants", "600", "--seed", "5", "--out", str(d)],
                   check=True, capture_output=True, timeout=120)
    people = [("/participants", line) for line in (d / "participants.jsonl").read_bytes().splitlines(keepends=True)]
    events = [("/events", line) for line in (d / "events.jsonl").read_bytes().splitlines(keepends=True)]
    lines = people + events
    random.Random(SEED).shuffle(lines)
    out: list[tuple[str, bytes]] = []
    # Consecutive lines of one kind form a batch (at most BATCH_LINES): the order stays shuffled.
    current: list[bytes] = []
    kind = None
    for path, line in lines:
        if path != kind or len(current) >= BATCH_LINES:
            if current:
                out.append((kind, b"".join(current)))  # type: ignore[arg-type]
            current, kind = [], path
        current.append(line)
    if current:
        out.append((kind, b"".join(current)))  # type: ignore[arg-type]
    return out


def expected_outcomes(tmp: Path, sent: list[tuple[str, bytes]]) -> dict[str, dict]:
    """`yanxiu evaluate` on the records of the batches sent so far."""
    people, events = tmp / "p.jsonl", tmp / "e.jsonl"
    people.write_bytes(b"".join(body for path, body in sent if path == "/participants"))
    events.write_bytes(b"".join(body for path, body in sent if path == "/events"))
    out = tmp / "o.jsonl"
    subprocess.run([CLI, "evaluate", "--program", PROGRAM, "--participants", str(people), "--events", str(events),
                    "--out", str(out)], check=True, capture_output=True, timeout=120)
    return {o["participant"]: o for o in map(json.loads, out.read_text(encoding="utf-8").splitlines())}


def check_state(port: int, expected: dict[str, dict]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        status, health = get(conn, "/healthz")
        assert status == 200 and health["status"] == "ok", health
        assert health["participants"] == len(expected), (health["participants"], len(expected))
        for pid, want in expected.items():
            status, got = get(conn, "/participants/" + pid.replace("/", "%2F"))
            assert status == 200, (pid, got)
            got.pop("explanations", None)
            assert got == want, pid
    finally:
        conn.close()


def test_kill_9_at_random_points_loses_nothing_acknowledged(batches: list[tuple[str, bytes]], tmp_path: Path) -> None:
    rng = random.Random(SEED)
    state = tmp_path / "state"
    acked = 0           # batches[:acked] were answered 200
    in_flight = None    # the batch being sent when the service died
    kills = 0
    deadline = time.monotonic() + 600
    for round_ in range(ROUNDS):
        assert time.monotonic() < deadline, "the crash test ran out of time"
        service = Process(state, "always" if round_ % 2 == 0 else "interval")
        if round_ % 6 == 5:
            # Killed while it replays the log (or just after): a restart of a restart.
            time.sleep(rng.uniform(0, 0.03))
            service.kill()
            kills += 1
            continue
        service.wait_listening()
        port = service.port
        assert port is not None
        # The batch whose answer never came is sent again: safe whether or not it was stored.
        if in_flight is not None:
            post(port, *batches[in_flight])
            acked = in_flight + 1
            in_flight = None
        check_state(port, expected_outcomes(tmp_path, batches[:acked]))

        stop = threading.Event()
        progress = {"acked": acked, "in_flight": None}

        def client() -> None:
            i = progress["acked"]
            while i < len(batches) and not stop.is_set():
                progress["in_flight"] = i
                try:
                    post(port, *batches[i], timeout=10)
                except (OSError, http.client.HTTPException):
                    return  # the service died under this request: no answer, not acknowledged
                progress["acked"] = i + 1
                progress["in_flight"] = None
                i += 1

        thread = threading.Thread(target=client)
        thread.start()
        time.sleep(rng.uniform(0.0, 0.06))
        service.kill()
        kills += 1
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive()
        acked = progress["acked"]
        in_flight = progress["in_flight"]
        print(f"round {round_}: {acked}/{len(batches)} batches acknowledged, in flight {in_flight}")
    assert kills >= 20

    # A last start: the rest goes in, and everything equals batch evaluation of everything.
    service = Process(state, "always")
    service.wait_listening()
    try:
        assert service.port is not None
        start = in_flight if in_flight is not None else acked
        for i in range(start, len(batches)):
            post(service.port, *batches[i])
        check_state(service.port, expected_outcomes(tmp_path, batches))
    finally:
        service.kill()
