"""Contact persons per unit (--contacts, yanxiu.report(contacts=)) and the
dispatch calendar (--dispatch): the command line and Python on the same
files, in the encodings a spreadsheet saves."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pandas as pd
import pytest

import yanxiu

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = os.environ.get("YANXIU_CLI", str(ROOT / "build" / "yanxiu"))
DATA = ROOT / "examples" / "data"
needs_cli = pytest.mark.skipif(not pathlib.Path(CLI).exists(), reason=f"no CLI at {CLI}")

ROWS = [
    ("单位", "姓名", "职务", "座机", "手机", "微信", "更新时间"),
    ("长沙市", "王芳", "教师发展中心主任", "0731-88888888", "13800000001", "wangfang", "2023-01-10"),
    ("岳阳市", "李强", "科长", "", "13800000002", "", "2023-01-15"),
    ("长沙市", "王芳", "教师发展中心主任", "0731-88888888", "13800000001", "wangfang", "2023-01-10"),
    ("长沙市", "赵六", "科员", "", "13900000000", "", "2023-01-11"),
    ("不在名单市", "钱七", "科员", "", "13700000000", "", ""),
]


def contacts_text() -> str:
    return "\r\n".join(",".join(r) for r in ROWS) + "\r\n"


def report_json(tmp_path: pathlib.Path, contacts: pathlib.Path, *extra: str) -> dict:
    out = tmp_path / "r.json"
    subprocess.run([CLI, "report", "--program", "hunan-2023-mh-winter", "--participants",
                    str(DATA / "participants.jsonl"), "--events", str(DATA / "events.jsonl"), "--census",
                    str(DATA / "census.csv"), "--contacts", str(contacts), "--as-of", "2023-01-25",
                    "--json", str(out), "--generated-at", "2023-01-26T08:00:00+08:00", *extra],
                   check=True, capture_output=True)
    return json.loads(out.read_text(encoding="utf-8"))


@needs_cli
def test_contacts_gb18030_bom_and_utf8_read_the_same_and_python_agrees(tmp_path):
    text = contacts_text()
    variants = {"gb18030.csv": text.encode("gb18030"), "bom.csv": b"\xef\xbb\xbf" + text.encode("utf-8"),
                "plain.csv": text.encode("utf-8")}
    checks = []
    for name, data in variants.items():
        path = tmp_path / name
        path.write_bytes(data)
        run = subprocess.run([CLI, "report", "--program", "hunan-2023-mh-winter", "--participants",
                              str(DATA / "participants.jsonl"), "--events", str(DATA / "events.jsonl"),
                              "--contacts", str(path), "--as-of", "2023-01-25", "--json", str(tmp_path / "x.json"),
                              "--rejects", str(tmp_path / "rej.jsonl")], check=True, capture_output=True, text=True)
        assert "contacts: read 5 = accepted 3 + rejected 1 + duplicates 1" in run.stderr
        # Contact details never reach the terminal.
        for secret in ("王芳", "13800000001", "李强", "赵六", "13900000000"):
            assert secret not in run.stdout and secret not in run.stderr
        rejected = [json.loads(line) for line in (tmp_path / "rej.jsonl").read_text(encoding="utf-8").splitlines()]
        contact_rejections = [r for r in rejected if pathlib.Path(r["file"]).name == name]
        assert [(r["line"], r["field"], r["code"]) for r in contact_rejections] == [(5, "unit", "duplicate_id")]
        assert "赵六" not in contact_rejections[0]["message"]
        checks.append(json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["contacts"])
    assert checks[0] == checks[1] == checks[2]
    check = checks[0]
    assert check["due"] == "2023-01-13"
    assert check["updated_late"] == ["岳阳市"]
    assert check["not_in_report"] == ["不在名单市", "岳阳市"]  # 岳阳市 registered nobody in these files
    assert "长沙市" not in check["without_contact"] and check["without_contact"]
    # Python, from the same file and from a DataFrame, gives the same check.
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    ev = yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl", as_of="2023-01-25")
    from_file = yanxiu.report(program, ev, contacts=tmp_path / "gb18030.csv")
    assert from_file.contacts == check
    assert [(r.line, r.field, r.code) for r in from_file.contacts_rejected] == [(5, "unit", "duplicate_id")]
    frame = pd.DataFrame([dict(zip(ROWS[0], r)) for r in ROWS[1:]])
    assert yanxiu.report(program, ev, contacts=frame).contacts == check
    assert yanxiu.report(program, ev).contacts is None


@needs_cli
def test_contacts_a_units_row_names_its_contact_in_json_csv_and_follow_up(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(contacts_text().encode("gb18030"))
    j = report_json(tmp_path, path, "--csv", str(tmp_path / "r.csv"), "--follow-up", str(tmp_path / "fu"),
                    "--html", str(tmp_path / "r.html"))
    units = {u["unit"]: u for u in j["units"]}
    assert units["长沙市"]["contact"]["name"] == "王芳"
    assert units["长沙市"]["contact"]["mobile"] == "13800000001"
    csv = (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].endswith("联系人,职务,手机,座机,微信")
    assert any(line.startswith(("1,长沙市", "2,长沙市", "3,长沙市")) or ",长沙市," in line and "王芳" in line
               for line in csv)
    index = (tmp_path / "fu" / "index.csv").read_text(encoding="utf-8-sig").splitlines()
    assert index[0].endswith("联系人,职务,手机,座机,微信")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "底数与联系人核对" in page and "王芳" in page
    # Without --contacts nothing of them appears.
    out = tmp_path / "plain.json"
    subprocess.run([CLI, "report", "--program", "hunan-2023-mh-winter", "--participants",
                    str(DATA / "participants.jsonl"), "--events", str(DATA / "events.jsonl"), "--as-of",
                    "2023-01-25", "--json", str(out)], check=True, capture_output=True)
    assert "contacts" not in json.loads(out.read_text(encoding="utf-8"))


@needs_cli
def test_dispatch_writes_one_report_per_date_with_the_change_since_the_one_before(tmp_path):
    program = tmp_path / "programme.json"
    program.write_text(json.dumps({"extends": "hunan-2023-mh-winter", "id": "hunan-dispatch", "version": "1",
                                   "dispatches": ["2023-01-16", "2023-01-23", "2023-01-30"]}), encoding="utf-8")
    out = tmp_path / "dispatch"
    subprocess.run([CLI, "report", "--program", str(program), "--participants", str(DATA / "participants.jsonl"),
                    "--events", str(DATA / "events.jsonl"), "--as-of", "2023-01-25", "--dispatch", str(out)],
                   check=True, capture_output=True)
    # 01-30 lies after --as-of: not dispatched yet.
    assert sorted(p.name for p in out.iterdir()) == ["2023-01-16.html", "2023-01-16.json", "2023-01-23.html",
                                                     "2023-01-23.json", "index.html"]
    first = json.loads((out / "2023-01-16.json").read_text(encoding="utf-8"))
    second = json.loads((out / "2023-01-23.json").read_text(encoding="utf-8"))
    assert first["as_of"].startswith("2023-01-17T00:00:00")  # the end of the dispatch day
    assert all("change" not in u for u in first["units"])
    # Each as `yanxiu report --as-of DATE` gives it, compared with the report before.
    alone = tmp_path / "alone.json"
    subprocess.run([CLI, "report", "--program", str(program), "--participants", str(DATA / "participants.jsonl"),
                    "--events", str(DATA / "events.jsonl"), "--as-of", "2023-01-23", "--previous",
                    str(out / "2023-01-16.json"), "--json", str(alone)], check=True, capture_output=True)
    expected = json.loads(alone.read_text(encoding="utf-8"))
    for key in ("totals", "units", "daily"):
        assert second[key] == expected[key], key
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2023-01-16.html"' in index and 'href="2023-01-23.json"' in index
    # A programme without a calendar cannot dispatch.
    run = subprocess.run([CLI, "report", "--program", "hunan-2023-mh-winter", "--participants",
                          str(DATA / "participants.jsonl"), "--events", str(DATA / "events.jsonl"), "--dispatch",
                          str(tmp_path / "none")], capture_output=True, text=True)
    assert run.returncode == 2 and "names no dispatch dates" in run.stderr
