"""`yanxiu report --xlsx` and `--follow-up DIR`, read back with openpyxl.

The workbook must say what report.json says (unit by unit, category by
category, day by day), with coverage as numbers formatted as percentages,
frozen header rows and the total below the rows it adds up; the follow-up
list (未完成名单) must hold exactly the target participants without a
certificate, with their names from the participants file, and names must
never reach the terminal.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

REPO = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))
PROGRAM = "hunan-2023-mh-winter"

pytestmark = pytest.mark.skipif(not CLI.exists(), reason=f"yanxiu CLI not found at {CLI}")

SHEETS_ZH = ["通报", "按类别", "每日进度", "未完成名单", "说明"]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1676077200"})


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("xlsx")
    r = cli("simulate", "--participants", "1200", "--seed", "5", "--out", str(d), "--malformed-share", "0")
    assert r.returncode == 0, r.stderr
    return d


def report_args(d: Path, participants: Path | None = None, *extra: str) -> list[str]:
    return ["report", "--program", PROGRAM, "--participants", str(participants or d / "participants.csv"),
            "--events", str(d / "events.csv"), "--census", str(d / "census.csv"), *extra]


@pytest.fixture(scope="module")
def written(cohort: Path) -> dict:
    out = cohort / "out"
    out.mkdir()
    r = cli(*report_args(cohort, None, "--xlsx", str(out / "report.xlsx"), "--json", str(out / "report.json"),
                         "--follow-up", str(out / "follow-up")))
    assert r.returncode == 0, r.stderr
    e = cli("evaluate", "--program", PROGRAM, "--participants", str(cohort / "participants.csv"),
            "--events", str(cohort / "events.csv"), "--out", str(out / "outcomes.jsonl"))
    assert e.returncode == 0, e.stderr
    with open(cohort / "participants.csv", encoding="utf-8-sig", newline="") as f:
        names = {row["id"]: row.get("name", "") for row in csv.DictReader(f)}
    outcomes = [json.loads(line) for line in open(out / "outcomes.jsonl", encoding="utf-8")]
    return {"dir": out, "run": r, "report": json.loads((out / "report.json").read_text(encoding="utf-8")),
            "book": openpyxl.load_workbook(out / "report.xlsx"), "names": names, "outcomes": outcomes}


def table(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_workbook_has_its_sheets_with_frozen_headers(written: dict) -> None:
    book = written["book"]
    assert book.sheetnames == SHEETS_ZH
    for name in SHEETS_ZH[:4]:
        assert book[name].freeze_panes == "A2", name
    assert table(book["通报"])[0][:4] == ("排名", "单位", "摸底人数", "注册人数")


def test_the_unit_sheet_says_what_the_json_says(written: dict) -> None:
    sheet = written["book"]["通报"]
    rows = table(sheet)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    col = {name: i for i, name in enumerate(header)}
    units = written["report"]["units"]
    assert len(body) == len(units)
    for row, unit in zip(body, units):
        target = unit["target"]
        assert row[col["单位"]] == (unit["unit"] or "（未填单位）")
        assert row[col["排名"]] == unit["rank"]
        assert row[col["注册人数"]] == target["registered"]
        assert row[col["已完成人数"]] == target["completed"]
        assert row[col["未实名人数"]] == target["unverified"]
        assert row[col["完成率分母（人）"]] == target["coverage_base"]
        if target["coverage"] is None:
            assert row[col["完成率"]] is None
        else:
            assert row[col["完成率"]] == pytest.approx(target["coverage"], abs=5e-7)
    assert total[col["单位"]] == "合计"
    totals = written["report"]["totals"]["target"]
    assert total[col["注册人数"]] == totals["registered"]
    assert total[col["已完成人数"]] == totals["completed"]
    assert total[col["完成率"]] == pytest.approx(totals["coverage"], abs=5e-7)
    # Coverage is a number shown as a percentage; the filter leaves the total out.
    coverage_cell = sheet.cell(row=2, column=col["完成率"] + 1)
    assert coverage_cell.number_format == "0.0%"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{len(body) + 1}"


def test_the_category_and_daily_sheets_match(written: dict) -> None:
    book, rep = written["book"], written["report"]
    rows = table(book["按类别"])
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    cells = {(r[col["单位"]], r[col["类别代码"]]): r for r in rows[1:]}
    for unit in rep["units"]:
        for c in unit["categories"]:
            row = cells[(unit["unit"] or "（未填单位）", c["category"])]
            assert row[col["注册人数"]] == c["registered"]
            assert row[col["已完成人数"]] == c["completed"]
    for c in rep["totals"]["by_category"]:
        assert cells[("合计", c["category"])][col["注册人数"]] == c["registered"]
    daily = table(book["每日进度"])[1:]
    assert len(daily) == len(rep["daily"])
    for row, point in zip(daily, rep["daily"]):
        assert isinstance(row[0], dt.datetime)
        assert row[0].date().isoformat() == point["date"]
        assert row[1] == point["started"] and row[2] == point["completed"]


def expected_follow_up(written: dict) -> dict[str, dict]:
    targets = {"mh_fulltime", "mh_parttime", "homeroom", "counselor"}
    return {o["participant"]: o for o in written["outcomes"]
            if o["category"] in targets and not o["certificate"]}


def test_the_follow_up_sheet_lists_exactly_who_has_not_finished(written: dict) -> None:
    rows = table(written["book"]["未完成名单"])
    header, body = rows[0], rows[1:]
    assert header == ("参训人编号", "姓名", "单位", "类别", "状态", "已认定课程数", "应完成课程数",
                      "已认定学时", "应完成学时", "尚缺")
    expected = expected_follow_up(written)
    assert len(body) == len(expected) > 0
    assert {r[0] for r in body} == set(expected)
    assert [(r[2], r[0]) for r in body] == sorted(((r[2], r[0]) for r in body),
                                                    key=lambda k: (k[0].encode(), k[1].encode()))
    for r in body:
        o = expected[r[0]]
        assert isinstance(r[0], str)
        assert r[1] == (written["names"].get(r[0]) or None)
        assert r[5] == o["lessons_credited"] and r[6] == o["lessons_required"]
        assert r[9], f"{r[0]}: nothing said to be missing"
        if o["status"] == "unverified":
            assert "实名" in r[9]


def test_follow_up_lists_one_per_unit_with_an_index(written: dict) -> None:
    d = written["dir"] / "follow-up"
    index_bytes = (d / "index.csv").read_bytes()
    assert index_bytes.startswith(b"\xef\xbb\xbf")
    index = list(csv.DictReader(index_bytes.decode("utf-8-sig").splitlines()))
    expected = expected_follow_up(written)
    assert sum(int(row["未完成人数"]) for row in index) == len(expected)
    seen = set()
    for row in index:
        data = (d / row["CSV"]).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(data.decode("utf-8-sig").splitlines()))
        assert len(lines) - 1 == int(row["未完成人数"])
        assert {line[2] for line in lines[1:]} == {row["单位"]}
        seen.update(line[0] for line in lines[1:])
        book = openpyxl.load_workbook(d / row["Excel"])
        assert book.sheetnames == ["未完成名单"]
        assert book.active.max_row - 1 == int(row["未完成人数"])
    assert seen == set(expected)


def test_names_never_reach_the_terminal(written: dict) -> None:
    said = written["run"].stdout + written["run"].stderr
    names = {n for n in written["names"].values() if n}
    assert names and not [n for n in names if n in said]


def test_a_unit_that_has_finished_loses_its_stale_list(cohort: Path, tmp_path: Path) -> None:
    d = tmp_path / "lists"
    assert cli(*report_args(cohort, None, "--follow-up", str(d))).returncode == 0
    before = {p.name for p in d.iterdir()}
    # The same cohort without 长沙市's participants: its list must go, the others stay.
    with open(cohort / "participants.csv", encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        kept = [row for row in reader if row["unit"] != "长沙市"]
        fields = reader.fieldnames
    fewer = tmp_path / "fewer.csv"
    with open(fewer, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(kept)
    assert cli(*report_args(cohort, fewer, "--follow-up", str(d))).returncode == 0
    after = {p.name for p in d.iterdir()}
    assert "长沙市.csv" in before and "长沙市.xlsx" in before
    assert after == before - {"长沙市.csv", "长沙市.xlsx"}


def test_same_inputs_same_workbook_and_refused_extensions(cohort: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert cli(*report_args(cohort, None, "--xlsx", str(a), "--generated-at", "2023-02-11T09:00:00+08:00")).returncode == 0
    assert cli(*report_args(cohort, None, "--xlsx", str(b), "--generated-at", "2023-02-11T09:00:00+08:00")).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    r = cli(*report_args(cohort, None, "--xlsx", str(tmp_path / "report.csv")))
    assert r.returncode == 2 and ".xlsx" in r.stderr
    assert not (tmp_path / "report.csv").exists()


def test_english_sheets(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "en.xlsx"
    assert cli(*report_args(cohort, None, "--xlsx", str(out), "--lang", "en")).returncode == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["By unit", "By category", "Daily", "Not yet finished", "About"]
    assert table(book["Not yet finished"])[0][0] == "Participant"


def test_evaluate_out_xlsx_and_csv_say_what_the_json_lines_say(cohort: Path, tmp_path: Path) -> None:
    base = ["evaluate", "--program", PROGRAM, "--participants", str(cohort / "participants.csv"),
            "--events", str(cohort / "events.csv"), "--lang", "zh"]
    for suffix in ("jsonl", "csv", "xlsx"):
        r = cli(*base, "--out", str(tmp_path / f"o.{suffix}"))
        assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in open(tmp_path / "o.jsonl", encoding="utf-8")]
    with open(tmp_path / "o.csv", encoding="utf-8-sig", newline="") as f:
        table_rows = list(csv.reader(f))
    book = openpyxl.load_workbook(tmp_path / "o.xlsx")
    assert book.sheetnames == ["研修结果"]
    sheet_rows = table(book.active)
    assert book.active.freeze_panes == "A2"
    assert list(sheet_rows[0]) == table_rows[0]
    assert len(sheet_rows) - 1 == len(table_rows) - 1 == len(lines)
    for o, row, cells in zip(lines, table_rows[1:], sheet_rows[1:]):
        assert row[0] == cells[0] == o["participant"]
        assert row[5] == cells[5] == o["status"]
        assert int(row[6]) == cells[6] == o["lessons_credited"]
        assert float(row[10]) == pytest.approx(cells[10]) == pytest.approx(o["hours_credited"])
        assert row[13] == (cells[13] or "") == ";".join(
            r["code"] + (":" + r["lesson"] if r.get("lesson") else "") for r in o["reasons"])
        assert row[14] == (cells[14] or "") == "；".join(o["explanations"])


def test_report_previous_no_ranking_and_issuer(cohort: Path, tmp_path: Path) -> None:
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    assert cli(*report_args(cohort, None, "--as-of", "2023-01-20", "--json", str(before))).returncode == 0
    r = cli(*report_args(cohort, None, "--previous", str(before), "--json", str(after), "--html",
                         str(tmp_path / "after.html"), "--no-ranking", "--issuer", "湖南省教育厅"))
    assert r.returncode == 0, r.stderr
    old, new = (json.loads(p.read_text(encoding="utf-8")) for p in (before, after))
    assert new["ranked"] is False and new["issuer"] == "湖南省教育厅"
    assert [u["unit"] for u in new["units"]] == sorted((u["unit"] for u in new["units"]), key=str.encode)
    assert all(u["rank"] is None for u in new["units"])
    assert "完成率最高" not in r.stdout  # no best and worst without a ranking
    earlier = {u["unit"]: u["target"] for u in old["units"]}
    for u in new["units"]:
        assert u["change"]["completed"] == u["target"]["completed"] - earlier[u["unit"]]["completed"]
    assert new["totals"]["change"]["completed"] == (new["totals"]["target"]["completed"]
                                                    - old["totals"]["target"]["completed"]) > 0
    assert new["previous"]["cut_off"] == old["cut_off"] == "2023-01-21T00:00:00+08:00"
    page = (tmp_path / "after.html").read_text(encoding="utf-8")
    assert "<th>较上期</th>" in page and "<th>排名</th>" not in page and "发布单位：湖南省教育厅" in page
    assert any(f["role"] == "previous" for f in new["provenance"]["inputs"])
    # Without --as-of: counted up to the latest record (no later than the window's end), which the JSON names.
    assert new["as_of"] is None and new["latest_record"]
    assert new["cut_off"] == min(new["latest_record"], "2023-02-11T00:00:00+08:00")
    # A file that is not a report: a clear error naming it, and no output.
    bad = tmp_path / "bad.json"
    bad.write_text('{"units": 3}', encoding="utf-8")
    r = cli(*report_args(cohort, None, "--previous", str(bad), "--json", str(tmp_path / "x.json")))
    assert r.returncode == 1 and "bad.json" in r.stderr and "not a yanxiu report" in r.stderr
    assert not (tmp_path / "x.json").exists()
