"""Certificates through the command line (issue 16): keygen, certify a
simulated cohort, verify, tamper, a wrong key, revocation, reissue, and the
same bytes on every run and thread count."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))
PROGRAM = "hunan-2023-mh-winter"

pytestmark = pytest.mark.skipif(not CLI.exists(), reason=f"yanxiu CLI not found at {CLI}")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cohort")
    assert run("simulate", "--participants", "2000", "--seed", "7", "--out", str(d / "c")).returncode == 0
    assert run("keygen", "--out", str(d / "office")).returncode == 0
    assert run("keygen", "--out", str(d / "other")).returncode == 0
    return {"dir": d, "participants": d / "c" / "participants.jsonl", "events": d / "c" / "events.jsonl",
            "key": d / "office", "pub": d / "office.pub", "other": d / "other.pub"}


def certify(cohort: dict[str, Path], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("certify", "--program", PROGRAM, "--participants", str(cohort["participants"]),
               "--events", str(cohort["events"]), "--key", str(cohort["key"]), "--out", str(out), *extra)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_keygen_writes_a_private_secret_and_never_overwrites(cohort):
    mode = stat.S_IMODE(os.stat(cohort["key"]).st_mode)
    assert mode == 0o600
    again = run("keygen", "--out", str(cohort["key"]))
    assert again.returncode == 1 and "exists" in again.stderr


def test_one_certificate_per_completed_outcome_and_the_same_bytes_every_run(cohort, tmp_path):
    assert certify(cohort, tmp_path / "a.jsonl").returncode == 0
    assert certify(cohort, tmp_path / "b.jsonl", "--threads", "1").returncode == 0
    assert certify(cohort, tmp_path / "c.jsonl", "--threads", "2").returncode == 0
    a = (tmp_path / "a.jsonl").read_bytes()
    assert a == (tmp_path / "b.jsonl").read_bytes() == (tmp_path / "c.jsonl").read_bytes()
    done = run("evaluate", "--program", PROGRAM, "--participants", str(cohort["participants"]),
               "--events", str(cohort["events"]), "--out", str(tmp_path / "o.jsonl"))
    outcomes = lines(tmp_path / "o.jsonl")
    certified = {o["participant"] for o in outcomes if o["certificate"]}
    records = lines(tmp_path / "a.jsonl")
    assert done.returncode in (0, 3)
    assert {r["participant"] for r in records} == certified and len(records) == len(certified) > 0
    by_id = {o["participant"]: o for o in outcomes}
    for r in records:
        o = by_id[r["participant"]]
        assert r["lessons"] == o["lessons_credited"] and r["seconds"] == o["seconds_credited"]
        assert r["completed_at"] == o["completed_at"] == r["issued_at"]
    verified = run("verify", "--pub", str(cohort["pub"]), str(tmp_path / "a.jsonl"))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_tampering_a_wrong_key_reordering_and_duplicates_fail_naming_the_line(cohort, tmp_path):
    good = tmp_path / "certs.jsonl"
    assert certify(cohort, good).returncode == 0
    text = good.read_text(encoding="utf-8").splitlines(keepends=True)
    cases = {
        "hours": text[:2] + [text[2].replace('"hours":"', '"hours":"1')] + text[3:],
        "space": text[:2] + [text[2].replace('","', '", "', 1)] + text[3:],
        "duplicate": text + [text[0]],
        "truncated": text[:2] + [text[2][:-20] + "\n"] + text[3:],
    }
    for name, content in cases.items():
        bad = tmp_path / f"{name}.jsonl"
        bad.write_text("".join(content), encoding="utf-8")
        done = run("verify", "--pub", str(cohort["pub"]), str(bad))
        assert done.returncode == 4, name
        line = len(text) + 1 if name == "duplicate" else 3
        assert done.stdout.startswith(f"{bad}:{line}:"), (name, done.stdout)
    # Each record links to the one before it: lines swapped or one removed are caught, naming the line.
    swapped = tmp_path / "swapped.jsonl"
    swapped.write_text("".join([text[1], text[0]] + text[2:]), encoding="utf-8")
    moved = run("verify", "--pub", str(cohort["pub"]), str(swapped))
    assert moved.returncode == 4 and moved.stdout.startswith(f"{swapped}:1:") and "out of place" in moved.stdout
    removed = tmp_path / "removed.jsonl"
    removed.write_text("".join(text[:4] + text[5:]), encoding="utf-8")
    gone = run("verify", "--pub", str(cohort["pub"]), str(removed))
    assert gone.returncode == 4 and gone.stdout.splitlines() == [
        f"{removed}:5: {json.loads(text[5])['id']}: out of place: it does not follow line 4 "
        "(a record before it was removed, moved or changed)"]
    for threads in ("1", "2"):  # the same verdicts on any number of threads
        again = run("verify", "--pub", str(cohort["pub"]), "--threads", threads, str(swapped))
        assert again.returncode == 4 and again.stdout == moved.stdout
    wrong = run("verify", "--pub", str(cohort["other"]), str(good))
    assert wrong.returncode == 4 and "another key" in wrong.stdout
    assert len(wrong.stdout.splitlines()) == len(text)


def test_revocation_and_reissue(cohort, tmp_path):
    certs = tmp_path / "certs.jsonl"
    assert certify(cohort, certs, "--as-of", "2023-01-25").returncode == 0
    early = lines(certs)
    revoked = tmp_path / "revoked.jsonl"
    done = run("revoke", "--key", str(cohort["key"]), "--id", early[0]["id"], "--reason", "issued in error",
               "--out", str(revoked), "--at", "2023-02-01T00:00:00Z")
    assert done.returncode == 0, done.stderr
    checked = run("verify", "--pub", str(cohort["pub"]), str(certs), "--revoked", str(revoked))
    assert checked.returncode == 4 and checked.stdout == f"{certs}:1: {early[0]['id']}: revoked: issued in error\n"
    # A second revocation links to the first; removing the first from the file is reported.
    assert run("revoke", "--key", str(cohort["key"]), "--id", early[1]["id"], "--reason", "duplicate account",
               "--out", str(revoked), "--at", "2023-02-02T00:00:00Z").returncode == 0
    first, second = revoked.read_text(encoding="utf-8").splitlines()
    assert json.loads(second)["prev"] and "prev" not in json.loads(first)
    both = run("verify", "--pub", str(cohort["pub"]), str(certs), "--revoked", str(revoked))
    assert both.returncode == 4 and len(both.stdout.splitlines()) == 2
    trimmed = tmp_path / "trimmed.jsonl"
    trimmed.write_text(second + "\n", encoding="utf-8")
    cut = run("verify", "--pub", str(cohort["pub"]), str(certs), "--revoked", str(trimmed))
    assert f"{trimmed}:1: {early[1]['id']}: out of place" in cut.stdout
    # Nothing is appended after a line that is not a revocation.
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"type":"certificate"}\n', encoding="utf-8")
    refused = run("revoke", "--key", str(cohort["key"]), "--id", early[0]["id"], "--reason", "x", "--out", str(junk))
    assert refused.returncode == 1 and f"{junk}:1: the last line is not a revocation" in refused.stderr
    assert junk.read_text(encoding="utf-8") == '{"type":"certificate"}\n'
    # Later records: those whose figures changed are reissued, superseding; the rest kept byte for byte.
    later = tmp_path / "later.jsonl"
    assert certify(cohort, later, "--previous", str(certs)).returncode == 0
    before, after = certs.read_text(encoding="utf-8"), later.read_text(encoding="utf-8")
    assert after.startswith(before)
    added = lines(later)[len(early):]
    assert added and all(r.get("supersedes") or r["participant"] not in {e["participant"] for e in early} for r in added)
    superseded = {r["supersedes"] for r in added if r.get("supersedes")}
    result = run("verify", "--pub", str(cohort["pub"]), str(later))
    assert result.returncode == (4 if superseded else 0)
    assert sum("superseded by" in line for line in result.stdout.splitlines()) == len(superseded)
    # Certifying again with the same records adds nothing.
    again = tmp_path / "again.jsonl"
    assert certify(cohort, again, "--previous", str(later)).returncode == 0
    assert again.read_bytes() == later.read_bytes()


def test_html_pages_carry_the_code_and_a_qr_code(cohort, tmp_path):
    pages = tmp_path / "pages"
    assert certify(cohort, tmp_path / "certs.jsonl", "--html", str(pages),
                   "--verify-url", "https://cert.example.cn/v/{code}").returncode == 0
    records = lines(tmp_path / "certs.jsonl")
    assert sorted(p.name for p in pages.iterdir()) == sorted(r["id"] + ".html" for r in records)
    page = (pages / (records[0]["id"] + ".html")).read_text(encoding="utf-8")
    assert records[0]["code"] in page and "<svg" in page and "学时记录证书" in page


def test_pdf_pages_are_a4_in_the_chinese_face_and_the_same_bytes_on_any_thread_count(tmp_path):
    d = tmp_path / "small"
    assert run("simulate", "--participants", "120", "--seed", "11", "--out", str(d)).returncode == 0
    assert run("keygen", "--out", str(tmp_path / "k")).returncode == 0
    small = {"participants": d / "participants.jsonl", "events": d / "events.jsonl", "key": tmp_path / "k"}
    pages = {}
    for threads in ("1", "2"):
        out = tmp_path / f"pdf{threads}"
        done = certify(small, tmp_path / f"certs{threads}.jsonl", "--pdf", str(out), "--threads", threads,
                       "--verify-url", "https://cert.example.cn/v/{code}")
        assert done.returncode == 0, done.stderr
        pages[threads] = {p.name: p.read_bytes() for p in out.iterdir()}
    records = lines(tmp_path / "certs1.jsonl")
    assert records and sorted(pages["1"]) == sorted(r["id"] + ".pdf" for r in records)
    assert pages["1"] == pages["2"]  # byte for byte, whatever the thread count
    names = {p["id"]: p.get("name") for p in lines(small["participants"])}
    for r in records[:3]:
        pdf = pages["1"][r["id"] + ".pdf"]
        assert pdf.startswith(b"%PDF-1.") and b"/MediaBox [ 0 0 595.275591 841.889764 ]" in pdf
        assert b"/Count 1" in pdf and b"NotoSerifCJK" in pdf
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
            flat = "".join(text.decode("utf-8").split())
            assert "学时记录证书" in flat and r["code"] in flat and r["id"] in flat
            if names.get(r["participant"]):
                assert names[r["participant"]] in flat
    # Without --html or --pdf, --verify-url is a usage error.
    wrong = certify(small, tmp_path / "x.jsonl", "--verify-url", "https://x/{code}")
    assert wrong.returncode == 2 and "--verify-url" in wrong.stderr


def test_provenance_sidecars_name_every_input_and_catch_a_changed_file(cohort, tmp_path):
    out, rejects = tmp_path / "outcomes.jsonl", tmp_path / "rejects.jsonl"
    done = run("evaluate", "--program", PROGRAM, "--participants", str(cohort["participants"]), "--events",
               str(cohort["events"]), "--out", str(out), "--rejects", str(rejects), "--as-of", "2023-01-25")
    assert done.returncode == 0, done.stderr
    side = json.loads((tmp_path / "outcomes.jsonl.provenance.json").read_text(encoding="utf-8"))
    assert side["library"].startswith("yanxiu ") and len(side["programme"]["sha256"]) == 64
    assert [f["role"] for f in side["inputs"]] == ["participants", "events"]
    assert side["inputs"][1]["records"]["read"] > 0 and side["as_of"] == "2023-01-26T00:00:00+08:00"
    assert side["output"]["path"] == str(out) and side["output"]["bytes"] == out.stat().st_size
    assert all(line.startswith("{") for line in out.read_text(encoding="utf-8").splitlines())  # still one record a line
    assert run("provenance", str(out), str(rejects)).returncode == 0
    copy = tmp_path / "outcomes-copy.jsonl"
    copy.write_bytes(out.read_bytes() + b"\n")
    (tmp_path / "outcomes-copy.jsonl.provenance.json").write_text(
        (tmp_path / "outcomes.jsonl.provenance.json").read_text(encoding="utf-8").replace(str(out), str(copy)),
        encoding="utf-8")
    changed = run("provenance", str(copy))
    assert changed.returncode == 4 and "(outcomes): changed" in changed.stdout
    certs = tmp_path / "certs.jsonl"
    assert certify(cohort, certs).returncode == 0
    assert run("provenance", str(certs)).returncode == 0


def test_report_outputs_carry_provenance_and_the_same_bytes_with_generated_at(cohort, tmp_path):
    census = cohort["dir"] / "c" / "census.csv"
    runs = []
    for name in ("a", "b"):
        d = tmp_path / name
        d.mkdir()
        done = run("report", "--program", PROGRAM, "--participants", str(cohort["participants"]), "--events",
                   str(cohort["events"]), "--census", str(census), "--as-of", "2023-01-25",
                   "--generated-at", "2023-01-26T08:00:00+08:00", "--json", str(d / "r.json"),
                   "--html", str(d / "r.html"), "--csv", str(d / "r.csv"), "--rejects", str(d / "rj.jsonl"))
        assert done.returncode == 0, done.stderr
        runs.append(d)
    a, b = runs
    for name in ("r.json", "r.html", "r.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name  # same inputs, same --generated-at
    p = json.loads((a / "r.json").read_text(encoding="utf-8"))["provenance"]
    assert [f["role"] for f in p["inputs"]] == ["participants", "events", "census"]
    assert p["generated_at"] == "2023-01-26T00:00:00Z" and p["as_of"] == "2023-01-26T00:00:00+08:00"
    assert p["inputs"][2]["records"]["accepted"] > 0 and len(p["programme"]["sha256"]) == 64
    page = (a / "r.html").read_text(encoding="utf-8")
    assert p["inputs"][1]["sha256"] in page and '<pre hidden id="yanxiu-provenance">' in page  # the footer, in full
    side = json.loads((a / "r.csv.provenance.json").read_text(encoding="utf-8"))
    assert side["output"]["sha256"] and side["inputs"] == p["inputs"]
    assert (a / "rj.jsonl.provenance.json").exists()
    for name in ("r.json", "r.html", "r.csv", "rj.jsonl"):
        checked = run("provenance", str(a / name))
        assert checked.returncode == 0, (name, checked.stdout, checked.stderr)
    # An input changed since: every output that names it says so.
    moved = tmp_path / "census-then.csv"
    moved.write_bytes(census.read_bytes())
    for name in ("r.json", "r.html", "r.csv.provenance.json"):
        f = a / name
        f.write_text(f.read_text(encoding="utf-8").replace(str(census), str(moved)), encoding="utf-8")
    moved.write_bytes(census.read_bytes() + "长沙市,homeroom,1\n".encode("utf-8"))
    for name in ("r.json", "r.html", "r.csv"):
        changed = run("provenance", str(a / name))
        assert changed.returncode == 4 and "(census): changed" in changed.stdout, name
    none = run("provenance", str(cohort["participants"]))
    assert none.returncode == 1 and "no provenance" in none.stderr
