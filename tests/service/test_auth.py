"""Who may write what to the service: --auth, roles, the audit log, HTTPS, limits.

Tokens are made with `yanxiu token`, the service runs on a loopback port with
--auth, and every role is tried against every endpoint, allowed and refused.
Paths come from the environment (set by ctest): YANXIU_SERVICE, YANXIU_CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

SERVICE = os.environ.get("YANXIU_SERVICE", "")
CLI = os.environ.get("YANXIU_CLI", "")
PROGRAM = "hunan-2023-mh-winter"

pytestmark = pytest.mark.skipif(
    not (SERVICE and Path(SERVICE).exists() and CLI and Path(CLI).exists()),
    reason="YANXIU_SERVICE and YANXIU_CLI must name built programs",
)

WRITERS = {
    "platform": ("湖南省教师发展中心平台", "platform", []),
    "changsha": ("长沙市教育局", "unit", ["长沙市"]),
    "yueyang": ("岳阳市教育局", "unit", ["岳阳市"]),
    "reader": ("省厅看板", "reader", []),
}

PEOPLE = [
    {"id": "T1", "unit": "长沙市", "sector": "secondary", "category": "homeroom", "verified": True},
    {"id": "T2", "unit": "岳阳市", "sector": "secondary", "category": "homeroom", "verified": True},
]


def lines(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def study(who: str, lesson: str = "L01", day: int = 12) -> dict:
    return {"kind": "study", "participant": who, "lesson": lesson,
            "start": f"2023-01-{day:02d}T09:00:00+08:00", "end": f"2023-01-{day:02d}T09:30:00+08:00"}


def approval(who: str, by: str = "校长") -> dict:
    return {"kind": "approval", "participant": who, "by": by, "at": "2023-01-20T10:00:00+08:00"}


def credit(who: str, lesson: str = "L02", **extra: str) -> dict:
    return {"kind": "credit", "participant": who, "lesson": lesson, "at": "2023-01-20T11:00:00+08:00",
            "seconds": 1800, "by": "县教师发展中心", "reason": "线下集中学习", **extra}


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A token file made with `yanxiu token --auth`, and each writer's token."""
    d = tmp_path_factory.mktemp("tokens")
    path = d / "tokens.jsonl"
    out: dict = {"file": path}
    for key, (name, role, units) in WRITERS.items():
        args = [CLI, "token", "--name", name, "--role", role, "--auth", str(path)]
        for u in units:
            args += ["--unit", u]
        made = subprocess.run(args, check=True, capture_output=True, text=True, timeout=30)
        token = made.stdout.strip()
        assert token.startswith("yx_")
        assert token not in path.read_text(encoding="utf-8")  # kept as its SHA-256 only
        out[key] = token
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(path.read_text(encoding="utf-8").splitlines()) == 4
    return out


class Service:
    """A service with --auth on 127.0.0.1 (HTTPS when given a certificate)."""

    def __init__(self, *extra: str, state: Path | None = None, https: ssl.SSLContext | None = None) -> None:
        args = [SERVICE, "--port", "0", "--program", PROGRAM, *extra]
        if state is not None:
            args += ["--state", str(state)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("listening on 127.0.0.1:"):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            raise AssertionError(f"service did not start: {line!r} {err!r}")
        self.context = https
        self.base = ("https://" if https else "http://") + line.split()[2]

    def request(self, method: str, path: str, token: str | None = None, body: bytes | None = None,
                content_type: str = "application/x-ndjson") -> tuple[int, dict, dict]:
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", content_type)
        if token is not None:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=60, context=self.context) as res:
                return res.status, json.loads(res.read()), dict(res.headers)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read()), dict(e.headers)

    def stop(self) -> str:
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=60)
        return err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


@pytest.fixture()
def service(tokens: dict, tmp_path: Path):
    s = Service("--auth", str(tokens["file"]), state=tmp_path / "state")
    status, summary, _ = s.request("POST", "/participants", tokens["platform"], lines(PEOPLE))
    assert status == 200 and summary["accepted"] == 2, summary
    yield s
    s.kill()


def reasons(s: Service, token: str, who: str) -> list[dict]:
    status, outcome, _ = s.request("GET", "/participants/" + who, token)
    assert status == 200, outcome
    return outcome["reasons"]


def test_auth_no_token_or_an_unknown_one_is_401(service: Service, tokens: dict) -> None:
    writes = [("POST", "/participants", lines(PEOPLE)), ("POST", "/events", lines([study("T1")])),
              ("POST", "/events", lines([approval("T1")]))]
    reads = [("GET", "/participants/T1", None), ("GET", "/report", None), ("GET", "/audit?participant=T1", None)]
    for method, path, body in writes + reads:
        for token in (None, "yx_" + "A" * 43, tokens["platform"] + "x", ""):
            status, answer, headers = service.request(method, path, token, body)
            assert status == 401, (method, path, token, answer)
            assert answer["error"] == "unauthorized"
            assert headers.get("WWW-Authenticate", "").startswith("Bearer")
    # Nothing was written.
    status, health, _ = service.request("GET", "/healthz")
    assert status == 200 and health["events"] == 0 and health["participants"] == 2
    # Not a token in what the service said.
    err = service.stop()
    for token in (tokens[k] for k in WRITERS):
        assert token not in err


def test_auth_every_role_against_every_endpoint(service: Service, tokens: dict) -> None:
    expected = {
        # endpoint: {writer: status}
        ("GET", "/participants/T1", None): {"platform": 200, "changsha": 200, "yueyang": 200, "reader": 200},
        ("GET", "/report", None): {"platform": 200, "changsha": 200, "yueyang": 200, "reader": 200},
        ("GET", "/audit?participant=T1", None): {"platform": 200, "changsha": 200, "yueyang": 200, "reader": 200},
        ("POST", "/participants", lines(PEOPLE)): {"platform": 200, "changsha": 403, "yueyang": 403, "reader": 403},
        ("POST", "/events", lines([study("T1")])): {"platform": 200, "changsha": 403, "yueyang": 403, "reader": 403},
        ("POST", "/events", lines([approval("T1")])): {"platform": 403, "changsha": 200, "yueyang": 403,
                                                       "reader": 403},
        ("POST", "/events", lines([credit("T2")])): {"platform": 403, "changsha": 403, "yueyang": 200,
                                                     "reader": 403},
    }
    for (method, path, body), by_writer in expected.items():
        for writer, want in by_writer.items():
            status, answer, _ = service.request(method, path, tokens[writer], body)
            assert status == want, (method, path, writer, answer)
            if status == 403:
                assert answer["error"] == "forbidden"
                assert answer["writer"] == WRITERS[writer][0]
                assert answer["role"] == WRITERS[writer][1]
    # Public: the health check, and certificates (a QR code is checked by anyone).
    assert service.request("GET", "/healthz")[0] == 200
    assert service.request("GET", "/certificates/x")[0] == 404


def test_auth_unit_writing_for_another_units_teacher_is_refused_whole(service: Service, tokens: dict) -> None:
    body = lines([approval("T1"), credit("T1"), approval("T2"), credit("T9")])
    status, answer, _ = service.request("POST", "/events", tokens["changsha"], body)
    assert status == 403, answer
    assert answer["stored"] == 0
    assert answer["refused_lines"] == 2  # T2 is 岳阳市's; T9 is nobody's yet
    refused = answer["refused"]
    assert refused["line"] == 3 and refused["participant"] == "T2" and refused["kind"] == "approval"
    assert "岳阳市" in refused["why"]
    assert refused["right"] == "write approvals and manual credits"
    # Nothing of the request was kept, not even T1's lines before the refused one.
    assert not [r for r in reasons(service, tokens["reader"], "T1") if r["code"] in ("approved", "manual_credit")]
    assert service.request("GET", "/audit?participant=T1", tokens["reader"])[1]["entries"][1:] == []
    status, health, _ = service.request("GET", "/healthz")
    assert health["events"] == 0
    # A platform's body with one sign-off in it is refused whole too.
    status, answer, _ = service.request("POST", "/events", tokens["platform"],
                                        lines([study("T1"), study("T2"), approval("T1")]))
    assert status == 403 and answer["refused"]["line"] == 3 and answer["stored"] == 0
    assert service.request("GET", "/healthz")[1]["events"] == 0
    # The right one goes through.
    status, answer, _ = service.request("POST", "/events", tokens["changsha"], lines([approval("T1"), credit("T1")]))
    assert status == 200 and answer["accepted"] == 2, answer


def test_auth_recorded_by_is_the_authenticated_writer(service: Service, tokens: dict) -> None:
    forged = credit("T1", recorded_by="岳阳市教育局")
    status, answer, _ = service.request("POST", "/events", tokens["changsha"], lines([forged]))
    assert status == 200 and answer["accepted"] == 1, answer
    credits = [r for r in reasons(service, tokens["reader"], "T1") if r["code"] == "manual_credit"]
    assert len(credits) == 1
    assert credits[0]["by"] == "县教师发展中心"  # what the record says
    assert credits[0]["recorded_by"] == "长沙市教育局"  # who sent it, whatever the record claimed


def test_auth_audit_lists_who_wrote_what_when_and_survives_restart(tokens: dict, tmp_path: Path) -> None:
    state = tmp_path / "state"
    s = Service("--auth", str(tokens["file"]), state=state)
    try:
        assert s.request("POST", "/participants", tokens["platform"], lines(PEOPLE))[0] == 200
        assert s.request("POST", "/events", tokens["platform"], lines([study("T1"), study("T1")]))[0] == 200
        assert s.request("POST", "/events", tokens["changsha"], lines([approval("T1", "王校长")]))[0] == 200
        status, listing, _ = s.request("GET", "/audit?participant=T1", tokens["reader"])
        assert status == 200
        entries = listing["entries"]
        # The duplicate study line was not kept, so it is not listed.
        assert [(e["writer"], e["role"], e["kind"]) for e in entries] == [
            ("湖南省教师发展中心平台", "platform", "participant"),
            ("湖南省教师发展中心平台", "platform", "study"),
            ("长沙市教育局", "unit", "approval"),
        ]
        assert entries[1]["lesson"] == "L01" and entries[2]["by"] == "王校长"
        for e in entries:
            assert e["participant"] == "T1" and e["at"].endswith("Z")
        assert s.request("GET", "/audit?participant=T2", tokens["reader"])[1]["entries"][0]["kind"] == "participant"
        assert s.request("GET", "/audit?participant=nobody", tokens["reader"])[1]["entries"] == []
        assert s.request("GET", "/audit", tokens["reader"])[0] == 400
        health = s.request("GET", "/healthz")[1]
        assert health["auth"] == {"enabled": True, "writers": 4, "audit_entries": 4}
    finally:
        s.stop()
    s = Service("--auth", str(tokens["file"]), state=state)
    try:
        status, listing, _ = s.request("GET", "/audit?participant=T1", tokens["reader"])
        assert [e["kind"] for e in listing["entries"]] == ["participant", "study", "approval"]
        approved = [r for r in reasons(s, tokens["reader"], "T1") if r["code"] == "approved"]
        assert approved and approved[0]["recorded_by"] == "长沙市教育局"  # replayed from the log
    finally:
        s.kill()
    # Without --auth there is no audit to list.
    s = Service()
    try:
        assert s.request("GET", "/audit?participant=T1")[0] == 404
    finally:
        s.kill()


def test_auth_a_bad_token_file_is_refused_at_start_naming_the_line(tokens: dict, tmp_path: Path) -> None:
    bad = tmp_path / "tokens.jsonl"
    good = tokens["file"].read_text(encoding="utf-8").splitlines()
    bad.write_text(good[0] + "\n" + json.dumps({"name": "x", "sha256": "yx_clear", "role": "reader"}) + "\n",
                   encoding="utf-8")
    run = subprocess.run([SERVICE, "--port", "0", "--auth", str(bad)], capture_output=True, text=True, timeout=30)
    assert run.returncode != 0
    assert f"{bad}:2: sha256:" in run.stderr
    assert "listening" not in run.stdout
    # `yanxiu token --auth` will not add to a file it cannot use.
    made = subprocess.run([CLI, "token", "--name", "y", "--role", "reader", "--auth", str(bad)],
                          capture_output=True, text=True, timeout=30)
    assert made.returncode != 0 and f"{bad}:2" in made.stderr
    assert len(bad.read_text(encoding="utf-8").splitlines()) == 2
    # Two lines with one name: refused, naming the second.
    twice = tmp_path / "twice.jsonl"
    twice.write_text(good[0] + "\n" + good[0] + "\n", encoding="utf-8")
    run = subprocess.run([SERVICE, "--port", "0", "--auth", str(twice)], capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and f"{twice}:2: name:" in run.stderr


def test_auth_only_loopback_without_auth_and_tls(tokens: dict) -> None:
    for extra in (["--bind", "0.0.0.0"], ["--bind", "0.0.0.0", "--auth", str(tokens["file"])],
                  ["--cert", "x.pem"]):
        run = subprocess.run([SERVICE, "--port", "0", *extra], capture_output=True, text=True, timeout=30)
        assert run.returncode == 2, (extra, run.stderr)
    run = subprocess.run([SERVICE, "--port", "0", "--bind", "0.0.0.0"], capture_output=True, text=True, timeout=30)
    assert "only a loopback address without --auth" in run.stderr


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")
def test_auth_https_with_a_self_signed_certificate(tokens: dict, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=120)
    context = ssl.create_default_context(cafile=str(cert))
    s = Service("--auth", str(tokens["file"]), "--cert", str(cert), "--key", str(key), https=context)
    try:
        status, health, _ = s.request("GET", "/healthz")
        assert status == 200 and health["tls"] is True
        status, summary, _ = s.request("POST", "/participants", tokens["platform"], lines(PEOPLE))
        assert status == 200 and summary["accepted"] == 2
        assert s.request("GET", "/participants/T1")[0] == 401
        assert s.request("GET", "/participants/T1", tokens["reader"])[0] == 200
        # Plain HTTP to the HTTPS port gets no answer.
        with pytest.raises(Exception):
            urllib.request.urlopen(s.base.replace("https://", "http://") + "/healthz", timeout=10).read()
        # A client that does not trust the certificate refuses it.
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(s.base + "/healthz", timeout=10, context=ssl.create_default_context())
    finally:
        s.kill()
    # A key that does not match is found at start.
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(other), "2048"], check=True, capture_output=True, timeout=120)
    run = subprocess.run([SERVICE, "--port", "0", "--cert", str(cert), "--key", str(other)],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "not a usable certificate" in run.stderr


def test_auth_rate_limit_per_token_answers_429_with_retry_after(tokens: dict) -> None:
    s = Service("--auth", str(tokens["file"]), "--rate", "2")
    try:
        statuses = []
        deadline = time.monotonic() + 5
        while len(statuses) < 6 and time.monotonic() < deadline:
            status, answer, headers = s.request("GET", "/report", tokens["reader"])
            statuses.append(status)
            if status == 429:
                assert int(headers["Retry-After"]) >= 1
                assert answer["limit_per_second"] == 2
        assert statuses[:2] == [200, 200] and 429 in statuses, statuses
        # Another token has its own allowance.
        assert s.request("GET", "/report", tokens["platform"])[0] == 200
        health = s.request("GET", "/healthz")[1]
        assert health["limits"]["requests_per_second"] == 2
        time.sleep(1.1)
        assert s.request("GET", "/report", tokens["reader"])[0] == 200  # refilled
    finally:
        s.kill()


def test_auth_body_and_record_limits(tokens: dict) -> None:
    s = Service("--auth", str(tokens["file"]), "--max-records", "2", "--max-body-bytes", "4096")
    try:
        health = s.request("GET", "/healthz")[1]
        assert health["limits"]["max_records"] == 2 and health["limits"]["max_body_bytes"] == 4096
        status, answer, _ = s.request("POST", "/participants", tokens["platform"], lines(PEOPLE + [
            {"id": "T3", "unit": "长沙市", "sector": "secondary", "category": "homeroom", "verified": True}]))
        assert status == 413 and answer["max_records"] == 2 and answer["stored"] == 0
        assert s.request("GET", "/healthz")[1]["participants"] == 0
        big = lines([study("T1", day=12)] * 2) + b" " * 5000
        assert s.request("POST", "/events", tokens["platform"], big)[0] == 413
        assert s.request("POST", "/participants", tokens["platform"], lines(PEOPLE))[0] == 200
    finally:
        s.kill()


def test_auth_xapi_statements_are_checked_like_json_lines(service: Service, tokens: dict) -> None:
    terminated = {"id": "6f1c1c1e-0000-4000-8000-000000000001",
                  "actor": {"account": {"homePage": "https://platform.example", "name": "T1"}},
                  "verb": {"id": "http://adlnet.gov/expapi/verbs/terminated"},
                  "object": {"id": "https://platform.example/course/L03"},
                  "result": {"duration": "PT1800S"}, "timestamp": "2023-01-13T10:00:00+08:00"}
    body = json.dumps([terminated]).encode()
    for writer, want in (("changsha", 403), ("reader", 403), ("platform", 200)):
        status, answer, _ = service.request("POST", "/events", tokens[writer], body,
                                            content_type="application/xapi+json")
        assert status == want, (writer, answer)
    assert answer["accepted"] == 1
    listing = service.request("GET", "/audit?participant=T1", tokens["reader"])[1]["entries"]
    assert [(e["kind"], e.get("lesson")) for e in listing][-1] == ("study", "L03")


def test_auth_an_unfinished_audit_line_is_cut_off_at_restart(tokens: dict, tmp_path: Path) -> None:
    state = tmp_path / "state"
    s = Service("--auth", str(tokens["file"]), state=state)
    try:
        assert s.request("POST", "/participants", tokens["platform"], lines(PEOPLE))[0] == 200
    finally:
        s.stop()
    audit = state / "audit.jsonl"
    kept = audit.read_bytes()
    assert kept.count(b"\n") == 2
    audit.write_bytes(kept + b'{"at":"2023-01-')  # a crash in the middle of a write
    s = Service("--auth", str(tokens["file"]), state=state)
    try:
        assert s.request("POST", "/events", tokens["platform"], lines([study("T2")]))[0] == 200
        entries = s.request("GET", "/audit?participant=T2", tokens["reader"])[1]["entries"]
        assert [e["kind"] for e in entries] == ["participant", "study"]
    finally:
        err = s.stop()
    assert "unfinished audit line" in err
    assert audit.read_bytes().startswith(kept) and audit.read_bytes().count(b"\n") == 3
