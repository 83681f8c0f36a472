"""The documentation cannot go stale: docs/reasons.md is what
scripts/reasons_doc.py prints from the library, docs/cpp.md shows
examples/cpp/tour.cpp as it is, and the words and helpers the docs name work."""
from __future__ import annotations

import pathlib
import re
import runpy
import sys

import pytest

import yanxiu

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_reasons_page_is_generated_from_the_library(capsys):
    saved = sys.argv
    try:
        sys.argv = ["reasons_doc.py"]
        runpy.run_path(str(ROOT / "scripts" / "reasons_doc.py"), run_name="__main__")
    finally:
        sys.argv = saved
    printed = capsys.readouterr().out
    assert (ROOT / "docs" / "reasons.md").read_text(encoding="utf-8") == printed, \
        "docs/reasons.md is stale: .venv/bin/python scripts/reasons_doc.py > docs/reasons.md"
    # Every status, reason and rejection code of SPEC §4-5 is on the page.
    for code in ("completed", "in_progress", "recorded", "not_started", "unverified", "quiz_missing",
                 "quiz_not_passed", "quiz_before_study", "outside_window", "below_minimum",
                 "capped_at_lesson_length", "overlap", "not_verified", "category_sector_mismatch",
                 "no_certificate_for_category", "malformed", "missing_field", "bad_type", "bad_timestamp",
                 "bad_duration", "end_before_start", "session_too_long", "unknown_participant", "unknown_lesson",
                 "unknown_kind", "duplicate_key", "duplicate_id", "too_deep", "bad_utf8", "number_out_of_range"):
        assert f"| `{code}` |" in printed, code


def test_cpp_page_shows_the_tour_as_it_is():
    doc = (ROOT / "docs" / "cpp.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- begin examples/cpp/tour.cpp -->\n```cpp\n(.*?)```\n<!-- end", doc, re.S)
    assert block, "docs/cpp.md lost its tour block"
    assert block.group(1) == (ROOT / "examples" / "cpp" / "tour.cpp").read_text(encoding="utf-8")


def test_readme_links_every_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{doc.name}" in readme, doc.name


def test_messages_and_explanations():
    assert yanxiu.message("completed") == "已完成"
    assert yanxiu.message("completed", "en") == "completed"
    assert yanxiu.message("quiz_missing", "zh") == "未完成答题，不计学时"
    assert yanxiu.message("bad_timestamp", "en") == "a timestamp is not valid"
    with pytest.raises(KeyError):
        yanxiu.message("no_such_code")
    with pytest.raises(ValueError):
        yanxiu.message("completed", "fr")
    data = ROOT / "examples" / "data"
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    ev = yanxiu.evaluate(program, data / "participants.jsonl", data / "events.jsonl", as_of="2023-01-25")
    teacher = next(o for o in ev if o.status == "in_progress" and o.reasons)
    zh, en = teacher.explain(), teacher.explain("en")
    assert zh[0] == "学习中" and en[0] == "in progress"
    assert len(zh) == len(teacher.reasons) + 1
    assert zh[1:] == [r.explain("zh") for r in teacher.reasons]
    assert all(line for line in zh + en)


def test_simulate_writes_the_same_bytes_as_the_command_line(tmp_path):
    a = yanxiu.simulate(tmp_path / "a", participants=300, seed=5)
    b = yanxiu.simulate(tmp_path / "b", participants=300, seed=5)
    assert a["participants"] >= 300 and a["events"] > 0
    for key in ("participants_jsonl", "events_jsonl", "events_csv", "census_csv"):
        assert pathlib.Path(a[key]).read_bytes() == pathlib.Path(b[key]).read_bytes(), key
    ev = yanxiu.evaluate(yanxiu.Program.load("hunan-2023-mh-winter"), a["participants_jsonl"], a["events_jsonl"])
    assert ev.summary["events"]["read"] == a["events"]
    with pytest.raises(ValueError):
        yanxiu.simulate(tmp_path / "c", participants=-1)
