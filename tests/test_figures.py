"""scripts/figures.py: every marked figure on the README and docs pages equals its results file."""

from __future__ import annotations

import json

from tests.scripts import load_script

figures = load_script("figures")


def test_every_quoted_figure_matches_its_results_file():
    assert figures.check() == []


def test_the_front_page_and_every_status_line_quote_results_files():
    readme = (figures.ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    status = readme.split("## Status against the paper", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in status.splitlines() if line.startswith("| §") or line.startswith("| —")]
    assert rows and all("<!--fig " in row for row in rows), "a status line without a figure from a results file"


def _page(tmp_path, text, data):
    (tmp_path / "results").mkdir()
    if isinstance(data, dict):
        data.setdefault("machine", {"cpu": "CPU", "flags": ["f"], "date": "2026-01-01"})
        data.setdefault("command", "python x.py")
    (tmp_path / "results" / "r.json").write_text(json.dumps(data))
    (tmp_path / "README.md").write_text(text)


def test_a_stale_figure_is_named_and_write_fixes_it(tmp_path):
    data = {"runs": [{"seed": 0, "fd": 20.126}, {"seed": 1, "fd": 18.5}], "seconds": 591, "acc": 0.7159}
    _page(tmp_path, "FD <!--fig results/r.json runs.seed=0.fd .2f-->20.13<!--/fig--> in "
          "<!--fig results/r.json seconds min-->9 min 51 s<!--/fig-->, "
          "<!--fig results/r.json acc .1%-->71.5%<!--/fig--> and <!--fig results/r.json runs.1.fd .1f-->18.5<!--/fig-->\n", data)
    problems = figures.check(tmp_path)
    assert len(problems) == 1 and "README.md:1: quotes '71.5%'" in problems[0] and "'71.6%'" in problems[0]
    assert figures.write(tmp_path) == 1 and figures.check(tmp_path) == []


def test_a_missing_file_or_key_is_a_problem_not_a_crash(tmp_path):
    _page(tmp_path, "<!--fig results/r.json nope .2f-->1<!--/fig--> <!--fig results/gone.json a s-->x<!--/fig-->\n", {})
    problems = figures.check(tmp_path)
    assert len(problems) == 2 and all("cannot read" in p for p in problems)


def test_an_included_table_must_equal_its_file(tmp_path):
    _page(tmp_path, "<!--include results/t.md-->\n| a |\n<!--/include-->\n", {})
    (tmp_path / "results" / "t.md").write_text("| a |\n")
    assert figures.check(tmp_path) == []
    (tmp_path / "results" / "t.md").write_text("| b |\n")
    assert "differs from results/t.md" in figures.check(tmp_path)[0]
    assert figures.write(tmp_path) == 1 and figures.check(tmp_path) == []


def test_where_and_when_come_from_the_file_or_the_provenance_list(tmp_path):
    _page(tmp_path, "<!--fig results/r.json @cpu s-->CPU (f)<!--/fig--> <!--fig results/r.json @date s-->2026-01-01<!--/fig-->"
          " <!--fig results/old.json @command s-->python old.py<!--/fig--> <!--fig results/old.json x d-->1<!--/fig-->\n", {})
    (tmp_path / "results" / "old.json").write_text(json.dumps({"x": 1}))
    assert "no date, cpu, command for results/old.json" in figures.check(tmp_path)[0]
    (tmp_path / "results" / "provenance.json").write_text(json.dumps(
        {"results/old.json": {"date": "2025-01-01", "cpu": "not recorded", "command": "python old.py"}}))
    assert figures.check(tmp_path) == []
