"""The HTTP service example (examples/service) against `yanxiu evaluate`.

Starts the service on a loopback port, posts a simulated cohort, checks every
participant's live outcome against the command line's batch evaluation of the
same files field by field, stops it with SIGTERM, restarts it from its state
directory and checks again; then what an operator meets: events before their
participants, a second service on the same state or port, unusable state
paths, a client that never finishes its request at shutdown.  Paths come from the environment (set by ctest):
YANXIU_SERVICE, YANXIU_CLI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

SERVICE = os.environ.get("YANXIU_SERVICE", "")
CLI = os.environ.get("YANXIU_CLI", "")
PROGRAM = "hunan-2023-mh-winter"
PARTICIPANTS = 400
SEED = 7

pytestmark = pytest.mark.skipif(
    not (SERVICE and Path(SERVICE).exists() and CLI and Path(CLI).exists()),
    reason="YANXIU_SERVICE and YANXIU_CLI must name built programs",
)


class Service:
    """One running service process on 127.0.0.1."""

    def __init__(self, state: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [SERVICE, "--port", "0", "--state", str(state), "--program", PROGRAM, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("listening on 127.0.0.1:"):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"service did not start: {line!r} {err!r}")
        self.base = "http://" + line.split()[-1]

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/x-ndjson") -> tuple[int, dict]:
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return res.status, json.loads(res.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def outcome(self, pid: str, **params: str) -> tuple[int, dict]:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        return self.request("GET", "/participants/" + urllib.parse.quote(pid, safe="") + query)

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A simulated cohort and the command line's outcomes and rejections for it."""
    d = tmp_path_factory.mktemp("cohort")
    subprocess.run([CLI, "simulate", "--participants", str(PARTICIPANTS), "--seed", str(SEED), "--out", str(d)],
                   check=True, capture_output=True, timeout=120)
    out, rejects = d / "outcomes.jsonl", d / "rejects.jsonl"
    subprocess.run([CLI, "evaluate", "--program", PROGRAM, "--participants", str(d / "participants.jsonl"),
                    "--events", str(d / "events.jsonl"), "--out", str(out), "--rejects", str(rejects)],
                   check=True, capture_output=True, timeout=120)
    outcomes = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    rejected = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(outcomes) > PARTICIPANTS // 2
    return {"dir": d, "outcomes": outcomes, "rejects": rejected}


def _rejections_by_file(rejects: list[dict], name: str) -> list[tuple]:
    return sorted((r["line"], r.get("field"), r["code"]) for r in rejects if Path(r["file"]).name == name)


def _check_outcomes(service: Service, expected: list[dict]) -> None:
    for want in expected:
        status, got = service.outcome(want["participant"])
        assert status == 200, got
        got.pop("explanations", None)
        assert got == want, want["participant"]  # every field, same order-insensitive JSON


def test_service_equals_batch_and_survives_restart(cohort: dict, tmp_path: Path) -> None:
    d = cohort["dir"]
    state = tmp_path / "state"
    participants = (d / "participants.jsonl").read_bytes()
    events = (d / "events.jsonl").read_bytes()

    service = Service(state)
    try:
        status, health = service.request("GET", "/healthz")
        assert status == 200 and health["status"] == "ok" and health["participants"] == 0

        status, summary = service.request("POST", "/participants", participants)
        assert status == 200
        assert summary["read"] == summary["accepted"] + summary["rejected"] + summary["duplicates"]
        assert summary["accepted"] == len(cohort["outcomes"])
        got = sorted((r["line"], r.get("field"), r["code"]) for r in summary["rejections"])
        assert got == _rejections_by_file(cohort["rejects"], "participants.jsonl")

        status, summary = service.request("POST", "/events", events)
        assert status == 200
        assert summary["read"] == summary["accepted"] + summary["rejected"] + summary["duplicates"]
        got = sorted((r["line"], r.get("field"), r["code"]) for r in summary["rejections"])
        # What batch rejects unknown_participant, the service keeps waiting for its participant.
        batch = _rejections_by_file(cohort["rejects"], "events.jsonl")
        assert got == [r for r in batch if r[2] != "unknown_participant"]
        assert summary["parked"] == sum(1 for r in batch if r[2] == "unknown_participant") > 0
        completed = sum(1 for o in cohort["outcomes"] if o["status"] == "completed")
        assert completed > 0
        assert summary["completed"] == completed

        _check_outcomes(service, cohort["outcomes"])

        # Posting the same events again changes nothing (docs/rules.md "Duplicates and order";
        # docs/service.md "What is promised").
        status, again = service.request("POST", "/events", events)
        assert status == 200 and again["accepted"] == 0 and again["completed"] == 0

        # as_of answers as batch evaluation with --as-of does.
        as_of_out = tmp_path / "as_of.jsonl"
        subprocess.run([CLI, "evaluate", "--program", PROGRAM, "--participants", str(d / "participants.jsonl"),
                        "--events", str(d / "events.jsonl"), "--as-of", "2023-01-25", "--out", str(as_of_out)],
                       check=True, capture_output=True, timeout=120)
        for line in as_of_out.read_text(encoding="utf-8").splitlines()[:40]:
            want = json.loads(line)
            status, got = service.outcome(want["participant"], as_of="2023-01-25")
            got.pop("explanations", None)
            assert status == 200 and got == want

        # Explanations, when the messages are built in.
        with_reasons = next(o for o in cohort["outcomes"] if o["reasons"])
        _, zh = service.outcome(with_reasons["participant"])
        _, en = service.outcome(with_reasons["participant"], lang="en")
        if "explanations" in zh:
            assert len(zh["explanations"]) == len(with_reasons["reasons"])
            assert len(en["explanations"]) == len(with_reasons["reasons"])
            assert zh["explanations"] != en["explanations"]
        status, body = service.outcome(with_reasons["participant"], lang="fr")
        assert status == 400 and "error" in body

        status, health = service.request("GET", "/healthz")
        counts = (health["participants"], health["events"])
    finally:
        code, err = service.stop() if service.proc.poll() is None else (service.proc.returncode, "")
    assert code == 0, err
    assert sorted(p.name for p in state.iterdir()) == ["LOCK", "log-00000000.yxl"]

    restarted = Service(state)
    try:
        status, health = restarted.request("GET", "/healthz")
        assert (health["participants"], health["events"]) == counts
        _check_outcomes(restarted, cohort["outcomes"])
    finally:
        code, err = restarted.stop()
    assert code == 0, err


def test_bad_input_is_answered_never_crashes(tmp_path: Path) -> None:
    service = Service(tmp_path / "state")
    try:
        status, body = service.request("GET", "/participants/nobody")
        assert status == 404 and body == {"error": "unknown participant"}

        garbage = bytes(range(256)) * 64 + b"\n{\"id\":\n\xff\xfe\n[1,2]\n{\"id\":\"a\",\"id\":\"b\"}\n" + b"[" * 5000
        for path in ("/participants", "/events"):
            status, body = service.request("POST", path, garbage)
            assert status == 200
            assert body["accepted"] == 0 and body["rejected"] == body["read"] > 0
            codes = {r["code"] for r in body["rejections"]}
            assert {"bad_utf8", "malformed"} <= codes

        status, body = service.request("POST", "/events", b'{"kind":"study"}', content_type="application/xapi+json")
        assert status == 200 and body["read"] == 1 and body["rejected"] == 1
        assert body["rejections"][0]["code"] == "unknown_key"  # `kind` is not a property of a statement
        status, body = service.request("POST", "/events?format=xapi", garbage)
        assert status == 200 and body["accepted"] == 0
        assert body["read"] == body["rejected"] + body["ignored"] > 0

        status, body = service.request("POST", "/events", b"x" * (64 * 1024 * 1024 + 1))
        assert status == 413 and "error" in body

        status, body = service.request("GET", "/report")
        assert status == 200 and body["units"] == [] and body["totals"]["target"]["registered"] == 0

        status, body = service.request("GET", "/participants/x?as_of=not-a-time")
        assert status == 400 and "error" in body

        status, body = service.request("GET", "/no/such/path")
        assert status == 404 and "error" in body

        status, health = service.request("GET", "/healthz")
        assert status == 200 and health["participants"] == 0
    finally:
        code, err = service.stop()
    assert code == 0, err


def _uuid(name: str) -> str:
    """A statement id (xAPI needs a UUID) named by a short test name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://platform.example/statements/{name}"))


def _statements(events_jsonl: Path) -> list[dict]:
    """The cohort's well-formed events as xAPI statements (as an LRS would hold them)."""
    import datetime as dt
    out = []
    for n, line in enumerate(events_jsonl.read_text(encoding="utf-8", errors="replace").splitlines()):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if not isinstance(e, dict) or not isinstance(e.get("participant"), str) or not isinstance(e.get("lesson"), str):
            continue
        actor = {"account": {"homePage": "https://platform.example", "name": e["participant"]}}
        obj = {"id": f"https://platform.example/course/{e['lesson']}"}
        try:
            if e.get("kind") == "study" and isinstance(e.get("start"), str) and isinstance(e.get("end"), str):
                start = dt.datetime.fromisoformat(e["start"])
                end = dt.datetime.fromisoformat(e["end"])
                seconds = int((end - start).total_seconds())
                if not 0 <= seconds <= 86400:
                    continue
                out.append({"id": _uuid(f"s-{n}"), "actor": actor, "verb": {"id": "http://adlnet.gov/expapi/verbs/terminated"},
                            "object": obj, "result": {"duration": f"PT{seconds}S"}, "timestamp": e["end"]})
            elif e.get("kind") == "quiz" and isinstance(e.get("at"), str) and isinstance(e.get("score"), (int, float)):
                dt.datetime.fromisoformat(e["at"])
                if not 0 <= e["score"] <= 100:
                    continue
                obj = {**obj, "definition": {"type": "http://adlnet.gov/expapi/activities/assessment"}}
                out.append({"id": _uuid(f"q-{n}"), "actor": actor,
                            "verb": {"id": "http://adlnet.gov/expapi/verbs/" + ("passed" if e["score"] >= 60 else "failed")},
                            "object": obj, "result": {"score": {"scaled": e["score"] / 100}}, "timestamp": e["at"]})
        except ValueError:
            continue
    return out


def test_xapi_statements_equal_batch_xapi(cohort: dict, tmp_path: Path) -> None:
    d = cohort["dir"]
    statements = _statements(d / "events.jsonl")
    assert len(statements) > 1000
    # A voided statement, and one that maps to nothing: both accounted for.
    statements.append({"id": _uuid("v-1"), "actor": statements[0]["actor"],
                       "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                       "object": {"objectType": "StatementRef", "id": statements[0]["id"]},
                       "timestamp": "2023-02-01T10:00:00+08:00"})
    statements.append({"id": _uuid("x-1"), "actor": statements[0]["actor"],
                       "verb": {"id": "http://adlnet.gov/expapi/verbs/initialized"},
                       "object": {"id": "https://platform.example/course/L01"},
                       "timestamp": "2023-02-01T10:00:00+08:00"})
    path = tmp_path / "statements.json"
    path.write_text(json.dumps(statements, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "outcomes.jsonl"
    subprocess.run([CLI, "evaluate", "--program", PROGRAM, "--participants", str(d / "participants.jsonl"),
                    "--xapi", str(path), "--out", str(out)], check=True, capture_output=True, timeout=120)
    expected = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]

    service = Service(tmp_path / "state")
    try:
        status, _ = service.request("POST", "/participants", (d / "participants.jsonl").read_bytes())
        assert status == 200
        status, summary = service.request("POST", "/events", path.read_bytes(), content_type="application/xapi+json")
        assert status == 200, summary
        assert summary["read"] == len(statements)
        assert summary["read"] == summary["accepted"] + summary["rejected"] + summary["duplicates"] + summary["ignored"]
        assert summary["voided"] == 1 and summary["ignored"] >= 3  # the voided target, the voiding, initialized
        _check_outcomes(service, expected)
        status, report = service.request("GET", "/report")
        assert status == 200
        assert report["totals"]["target"]["registered"] == sum(
            1 for o in expected if o["category"] != "other")
    finally:
        code, err = service.stop()
    assert code == 0, err


def _refused(*args: str) -> str:
    """Starts the service expecting it to refuse: exit 1 and the error as one line on stderr, which is
    returned (after what it recovered, when it got that far)."""
    proc = subprocess.run([SERVICE, "--port", "0", "--program", PROGRAM, *args],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if " participants, " not in line]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_state_of_another_programme_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = Service(state)
    code, err = first.stop()
    assert code == 0 and state.is_dir(), err
    proc = subprocess.run([SERVICE, "--port", "0", "--state", str(state), "--program", "moe-2023-mh-winter"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and "the state was kept for programme" in proc.stderr


def test_unusable_state_is_found_at_start(tmp_path: Path) -> None:
    assert "cannot create the state directory" in _refused("--state", str(tmp_path / "missing" / "state"))
    plain = tmp_path / "state.json"
    plain.write_text("{}", encoding="utf-8")
    assert "not a directory" in _refused("--state", str(plain))
    # A damaged log is refused, naming the file and line.
    state = tmp_path / "state"
    first = Service(state)
    first.request("POST", "/participants", b'{"id":"T1","category":"homeroom"}\n{"id":"T2","category":"homeroom"}\n'
                  b'{"id":"T3","category":"homeroom"}\n')
    first.stop()
    log = state / "log-00000000.yxl"
    text = bytearray(log.read_bytes())
    second_line = text.index(b"\n") + 1
    text[second_line + 20] ^= 1
    log.write_bytes(bytes(text))
    line = _refused("--state", str(state))
    assert "log-00000000.yxl:2" in line and "checksum mismatch" in line


def test_one_service_per_state_and_per_port(tmp_path: Path) -> None:
    service = Service(tmp_path / "state")
    try:
        assert "in use by another process" in _refused("--state", str(tmp_path / "state"))
        port = service.base.rsplit(":", 1)[1]
        assert "cannot bind" in _refused("--port", port, "--state", str(tmp_path / "other"))
    finally:
        code, err = service.stop()
    assert code == 0, err


def test_events_before_participants_wait_for_them(cohort: dict, tmp_path: Path) -> None:
    d = cohort["dir"]
    service = Service(tmp_path / "state")
    try:
        status, summary = service.request("POST", "/events", (d / "events.jsonl").read_bytes())
        assert status == 200 and summary["parked"] > 0 and summary["parked"] == summary["accepted"]
        status, health = service.request("GET", "/healthz")
        assert health["parked"] == summary["parked"] and health["events"] == 0
        assert health["rejected"] and sum(health["rejected"].values()) == summary["rejected"]
        status, _ = service.request("POST", "/participants", (d / "participants.jsonl").read_bytes())
        assert status == 200
        status, health = service.request("GET", "/healthz")
        unknown = sum(1 for r in cohort["rejects"] if r["code"] == "unknown_participant")
        assert health["parked"] == unknown  # events of teachers who never register keep waiting
        _check_outcomes(service, cohort["outcomes"])
        durability = health["durability"]
        assert durability["durable"] and durability["fsync"] == "always" and durability["log_bytes"] > 0
        assert durability["records_durable"] == durability["records_logged"] > 0
        assert durability["last_fsync"] and durability["fsyncs"] > 0
        status, report = service.request("GET", "/report")
        assert status == 200 and not report["as_of"].startswith("9999") and not report["as_of"].startswith("10000")
        events_in = report["inputs"]["events"]
        assert events_in["read"] == events_in["accepted"] + events_in["rejected"] + events_in["duplicates"] > 0
    finally:
        code, err = service.stop()
    assert code == 0, err
    restarted = Service(tmp_path / "state")
    try:
        _check_outcomes(restarted, cohort["outcomes"])
    finally:
        restarted.stop()


def test_shutdown_does_not_wait_for_a_client_that_never_finishes(tmp_path: Path) -> None:
    import socket
    import time
    service = Service(tmp_path / "state", "--shutdown-seconds", "2")
    host, port = service.base.removeprefix("http://").split(":")
    status, _ = service.request("POST", "/participants", b'{"id":"T1","category":"homeroom"}\n')
    assert status == 200
    slow = socket.create_connection((host, int(port)), timeout=10)
    slow.sendall(b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n{")
    time.sleep(0.3)
    started = time.monotonic()
    code, err = service.stop()
    slow.close()
    assert time.monotonic() - started < 15
    assert code == 0, err
    restarted = Service(tmp_path / "state")
    try:
        status, health = restarted.request("GET", "/healthz")
        assert health["participants"] == 1
    finally:
        restarted.stop()


def test_certificates_are_answered_by_id_and_by_code(cohort: dict, tmp_path: Path) -> None:
    d = cohort["dir"]
    run = lambda *args: subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)  # noqa: E731
    assert run("keygen", "--out", str(tmp_path / "office")).returncode == 0
    certs = tmp_path / "certs.jsonl"
    early = run("certify", "--program", PROGRAM, "--participants", str(d / "participants.jsonl"), "--events",
                str(d / "events.jsonl"), "--key", str(tmp_path / "office"), "--out", str(certs), "--as-of", "2023-01-25")
    assert early.returncode == 0, early.stderr
    first = [json.loads(line) for line in certs.read_text(encoding="utf-8").splitlines()]
    later = tmp_path / "later.jsonl"
    assert run("certify", "--program", PROGRAM, "--participants", str(d / "participants.jsonl"), "--events",
               str(d / "events.jsonl"), "--key", str(tmp_path / "office"), "--out", str(later),
               "--previous", str(certs)).returncode == 0
    records = [json.loads(line) for line in later.read_text(encoding="utf-8").splitlines()]
    replaced = {r["supersedes"]: r["id"] for r in records if r.get("supersedes")}
    revoked = tmp_path / "revoked.jsonl"
    kept = next(r for r in first if r["id"] not in replaced)
    assert run("revoke", "--key", str(tmp_path / "office"), "--id", kept["id"], "--reason", "duplicate account",
               "--out", str(revoked)).returncode == 0
    service = Service(tmp_path / "state", "--certificates", str(later), "--pub", str(tmp_path / "office.pub"),
                      "--revoked", str(revoked))
    try:
        status, body = service.request("GET", "/certificates/" + kept["id"])
        assert status == 200 and body["status"] == "revoked" and body["revoked"]["reason"] == "duplicate account"
        assert body["issued_at"] == kept["issued_at"] and "name" not in body
        if replaced:
            old, new = next(iter(replaced.items()))
            status, body = service.request("GET", "/certificates/" + old)
            assert status == 200 and body["status"] == "superseded" and body["superseded_by"] == new
            status, body = service.request("GET", "/certificates/" + next(r["code"] for r in records if r["id"] == new))
            assert status == 200 and body["status"] == "valid" and body["id"] == new
        status, _ = service.request("GET", "/certificates/YX0000000000000000")
        assert status == 404
    finally:
        service.stop()
