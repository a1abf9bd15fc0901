"""The documentation: README.md is a short front page, docs/ the lab notebook as a strict MkDocs site.

(a) ``mkdocs build --strict`` passes: with ``mkdocs.yml``'s validation settings a broken link, a
    missing anchor or a page left out of the nav is an error;
(b) every relative link and image in README.md and docs/*.md names a file that exists (the README
    is not part of the site, so MkDocs does not check it);
(c) README.md stays a front page: at most 300 lines, starting with the two commands.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_MAX_LINES = 300
MARKDOWN_FILES = [README, *sorted((ROOT / "docs").glob("*.md"))]

_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[ \t]*$", re.M | re.S)
_INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
_MD_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:, ...


def relative_targets(text: str) -> list[str]:
    """The local targets of markdown links ``[..](t)``, images ``![..](t)`` and ``<img src=t>``,
    outside code, without ``#fragment`` / ``?query``; URLs with a scheme and pure anchors are left out."""
    text = _INLINE_CODE.sub("", _FENCED.sub("", text))
    targets = []
    for raw in _MD_LINK.findall(text) + _IMG_SRC.findall(text):
        if _SCHEME.match(raw) or raw.startswith("#"):
            continue
        target = unquote(raw.split("#", 1)[0].split("?", 1)[0])
        if target:
            targets.append(target)
    return targets


def broken_links(path: Path) -> list[str]:
    """The relative targets in the markdown file ``path`` that name no existing file or folder."""
    return [t for t in relative_targets(path.read_text(encoding="utf-8")) if not (path.parent / t).exists()]


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (pip install -e .[dev])")
def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    assert (site / "index.html").is_file()
    assert (site / "img" / "main_epoch_005.png").is_file(), "docs/img/ should be copied into the site"


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    assert relative_targets(path.read_text(encoding="utf-8")) or path != README, "no links found in README.md: parser broken?"
    assert broken_links(path) == [], f"{path.relative_to(ROOT)} links to files that do not exist"


def test_link_check_finds_broken_links(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "ok.png").write_bytes(b"")
    (tmp_path / "ok.md").write_text("# ok\n")
    page = tmp_path / "page.md"
    page.write_text(
        '[fine](ok.md) [fine too](ok.md#a-heading) ![img](img/ok.png) <img src="img/ok.png" width=3>\n'
        "[web](https://example.org/x.md) [mail](mailto:a@b.c) [anchor](#here)\n"
        "[gone](missing.md#part) ![gone image](img/missing.png) <img width=\"9\" src='img/also_missing.png'>\n"
        "`[in code](not_a_link.md)` and\n```python\nx = f[0](not_a_link_either.md)\n```\n"
    )
    assert sorted(broken_links(page)) == ["img/also_missing.png", "img/missing.png", "missing.md"]


def test_readme_is_a_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move the detail into docs/ (at most {README_MAX_LINES})"
    head = "\n".join(lines[:6])
    assert "bash scripts/main.sh" in head and "bash scripts/test.sh" in head
