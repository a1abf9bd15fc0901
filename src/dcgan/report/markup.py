"""HTML building blocks for the report: every piece of text goes through ``esc``, every file
reference through ``href``; JSON and simple markdown become tables. No templates engine, no
scripts: the page is plain HTML with inline CSS so it opens from disk anywhere.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any
from urllib.parse import quote

MAX_ROWS = 50  # longest list rendered as table rows; the rest is counted, not shown
MAX_DEPTH = 4


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def href(relative_path: str) -> str:
    """A relative POSIX path -> a safe attribute value (percent-encoded, then escaped)."""
    return esc(quote(relative_path))


def fmt(value: Any) -> str:
    """A scalar as short text: 4 significant digits for floats, thousands separators for big ints."""
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "null"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4g}"  # 0.0002, 1e-05, 82.8, 1.235e+06
    return str(value)


def table(rows: list[tuple[str, str]], header: tuple[str, str] | None = None, cls: str = "kv") -> str:
    """Two-column key/value table. Keys are escaped here; values must already be HTML."""
    head = f"<thead><tr><th>{esc(header[0])}</th><th>{esc(header[1])}</th></tr></thead>" if header else ""
    body = "".join(f"<tr><th scope=row>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<div class=scroll><table class="{cls}">{head}<tbody>{body}</tbody></table></div>'


def records_table(records: list[dict[str, Any]]) -> str:
    """A list of flat dicts -> one table with the union of their keys as columns."""
    columns: list[str] = []
    for record in records:
        columns += [k for k in record if k not in columns]
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(fmt(r[c])) if c in r else ''}</td>" for c in columns) + "</tr>"
        for r in records[:MAX_ROWS]
    )
    more = f"<p class=note>{len(records) - MAX_ROWS} more rows not shown.</p>" if len(records) > MAX_ROWS else ""
    return f"<div class=scroll><table class=grid><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}"


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def json_html(value: Any, depth: int = 0) -> str:
    """Any parsed JSON -> HTML: dicts as key/value tables (nested), lists of flat dicts as
    tables with columns, lists of scalars as a short comma list. Bounded in size and depth."""
    if _is_scalar(value):
        return esc(fmt(value))
    if depth >= MAX_DEPTH:
        return "<code>…</code>"
    if isinstance(value, dict):
        if not value:
            return "<em>(empty)</em>"
        items = list(value.items())
        rows = [(str(k), json_html(v, depth + 1)) for k, v in items[:MAX_ROWS]]
        more = f"<p class=note>{len(items) - MAX_ROWS} more entries not shown.</p>" if len(items) > MAX_ROWS else ""
        return table(rows) + more
    if isinstance(value, list):
        if not value:
            return "<em>(empty list)</em>"
        if all(isinstance(v, dict) and all(_is_scalar(x) for x in v.values()) for v in value):
            return records_table(value)
        if all(_is_scalar(v) for v in value):
            shown = ", ".join(fmt(v) for v in value[:20])
            return esc(shown + (f", … ({len(value)} items)" if len(value) > 20 else ""))
        rows = [(f"[{i}]", json_html(v, depth + 1)) for i, v in enumerate(value[:MAX_ROWS])]
        return table(rows)
    return esc(repr(value))


_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
]


def _inline(text: str) -> str:
    out = esc(text)  # escape first: the patterns below only add our own tags
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") else line
    return [c.strip() for c in line.split("|")]


def markdown_html(text: str) -> str:
    """The markdown that result tables use: headings, pipe tables, paragraphs, bullet lists,
    `code` and **bold**. Anything else shows as plain, escaped text."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("#"):
            level = min(6, len(line) - len(line.lstrip("#")) + 3)  # h1-h3 are the page's own: shift down
            out.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
            i += 1
        elif line.lstrip().startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1].strip()):
            head = "".join(f"<th>{_inline(c)}</th>" for c in _cells(line))
            i += 2
            body = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                body.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in _cells(lines[i])) + "</tr>")
                i += 1
            out.append(f"<div class=scroll><table class=grid><thead><tr>{head}</tr></thead>"
                       f"<tbody>{''.join(body)}</tbody></table></div>")
        elif line.lstrip().startswith(("- ", "* ")):
            items = []
            while i < len(lines) and lines[i].lstrip().startswith(("- ", "* ")):
                items.append(f"<li>{_inline(lines[i].lstrip()[2:])}</li>")
                i += 1
            out.append(f"<ul>{''.join(items)}</ul>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith("#") \
                    and not lines[i].lstrip().startswith(("|", "- ", "* ")):
                para.append(lines[i].strip())
                i += 1
            if not para:  # a stray table-like line: show it as text
                para, i = [line.strip()], i + 1
            out.append(f"<p>{_inline(' '.join(para))}</p>")
    return "\n".join(out)


def figure(src: str, caption: str, img_cls: str = "", size: tuple[int, int] | None = None) -> str:
    """An image (``src``: path relative to the page) with a caption; the image links to itself.
    ``size`` (natural width, height) lets the browser lay the page out before images load."""
    cls = f' class="{esc(img_cls)}"' if img_cls else ""
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return (f'<figure><a href="{href(src)}"><img src="{href(src)}" alt="{esc(caption)}"{cls}{dims}></a>'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def missing(what: str, command: str) -> str:
    """The plain statement that something has not been run, with the command that makes it."""
    return f"<div class=missing><p>{esc(what)} Run:</p><pre><code>{esc(command)}</code></pre></div>"
