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
    # Every status, reason and rejection code that docs/rules.md ("Category, verification, certificate,
    # status", "Reasons") and docs/records.md ("Rejections") name is on the page.
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


def _quoted_commands() -> list[tuple[str, list[str]]]:
    """Every `build/yanxiu …` command in a ```sh block of README.md and docs/,
    with continuation lines joined and comments dropped.  Each is run twice:
    as written without its optional [groups], and with every group that names
    no placeholder (no `|`, no CAPITALISED word) put in."""
    commands = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```sh\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
            joined = re.sub(r"\\\n\s*", " ", block)
            for line in joined.splitlines():
                line = line.split(" #")[0].strip()
                if line.startswith("build/yanxiu "):
                    commands.append((f"{doc.name}: {line}", line.split()[1:]))
    return commands


def _variants(words: list[str]) -> list[list[str]]:
    text = " ".join(words)
    bare = re.sub(r"\[[^\[\]]*(\[[^\[\]]*\])?[^\[\]]*\]", "", text).split()
    groups = re.findall(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]", text)
    full = list(bare)
    for group in groups:
        flat = group.replace("[", "").replace("]", "")
        if "|" in flat or re.search(r"\b[A-Z]{2,}\b", flat):
            continue
        full += flat.split()
    return [bare] if full == bare else [bare, full]


@pytest.mark.parametrize("name, words", _quoted_commands(), ids=[c[0] for c in _quoted_commands()])
def test_the_commands_the_docs_quote_run(name, words, tmp_path):
    import os
    import subprocess
    cli = os.environ.get("YANXIU_CLI", str(ROOT / "build" / "yanxiu"))
    if not pathlib.Path(cli).exists():
        pytest.skip(f"no {cli}")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    for args in _variants(words):
        done = subprocess.run([cli, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        allowed = {0, 3} if "--strict" in args else {0}  # 3: rejections under --strict, as documented
        assert done.returncode in allowed, f"{name}\n{' '.join(args)}\n{done.stderr}"


def test_the_docs_quote_commands():
    names = " ".join(c[0] for c in _quoted_commands())
    for command in ("programs", "validate", "evaluate", "report", "simulate", "demo", "diff"):
        assert f"build/yanxiu {command}" in names, command
