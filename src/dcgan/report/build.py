"""``build_report(run_dir)``: a run directory (see ``layout``) -> one static HTML page.

The page is self-contained: inline CSS, no scripts, no web fonts, no network requests; every
picture is copied or drawn into ``REPORT/assets/`` and linked relatively, so the folder opens
from disk (file://), can be zipped, or served by any static server. All text is HTML-escaped.
"""

from __future__ import annotations

import time
from pathlib import Path

from dcgan import __version__
from dcgan.atomic import write_text_atomic
from dcgan.report import layout
from dcgan.report.assets import Assets
from dcgan.report.markup import esc
from dcgan.report.runinfo import read_config, read_metrics
from dcgan.report.sections import SECTIONS, Context, Section

CSS = """
:root{color-scheme:light dark;--fg:#1b1c1f;--bg:#fff;--muted:#5f6368;--line:#dadce0;--box:#f4f6f8;--accent:#0b57d0;
--warn:#d98e04}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#17181b;--muted:#9aa0a6;--line:#3c4043;--box:#23252a;
--accent:#8ab4f8}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1100px;margin:0 auto;padding:0 16px}
header h1{font-size:1.6rem;margin:20px 0 4px;overflow-wrap:anywhere}
nav{position:sticky;top:0;z-index:1;background:var(--bg);border-bottom:1px solid var(--line);overflow-x:auto;
white-space:nowrap}
nav ul{list-style:none;margin:0 auto;padding:8px 16px;max-width:1100px}
nav li{display:inline-block;margin-right:14px}
a{color:var(--accent)}
nav a{text-decoration:none}
nav .absent a{color:var(--muted)}
section{padding:8px 0 16px;border-bottom:1px solid var(--line);scroll-margin-top:48px}
h2{font-size:1.35rem;margin:20px 0 8px}
h3{font-size:1.1rem;margin:18px 0 8px}
h4,h5,h6{font-size:1rem;margin:14px 0 6px}
.note,figcaption,.meta{color:var(--muted);font-size:.875rem}
img{max-width:100%;height:auto;vertical-align:top}
img.pixel{image-rendering:pixelated}
figure{margin:0 0 12px}
figure a{display:block}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px}
.gallery img{width:100%}
.hero img{width:min(100%,560px)}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,460px),1fr));gap:12px}
.plots img{width:100%}
.stack{display:flex;flex-wrap:wrap;gap:0 16px;align-items:flex-start}
.stack figure{max-width:100%}
.stack img{min-width:min(100%,256px)}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,300px),1fr));gap:0 24px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.875rem;margin:4px 0 8px}
th,td{padding:4px 10px 4px 0;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
table.grid th,table.grid td{padding-right:14px}
table.kv th{font-weight:500;color:var(--muted)}
td table{margin:0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:var(--box);padding:8px 12px;overflow-x:auto}
.missing{border-left:4px solid var(--warn);background:var(--box);padding:6px 12px;margin:8px 0}
.missing p{margin:4px 0}
.missing pre{white-space:pre-wrap;overflow-wrap:anywhere;padding:0;margin:4px 0}
details{margin:12px 0}
footer{padding:16px}
"""


def render_page(title: str, subtitle: str, sections: list[Section]) -> str:
    nav = "".join(
        f'<li class="{"present" if s.present else "absent"}"><a href="#{esc(s.id)}">{esc(s.title)}</a></li>'
        for s in sections
    )
    body = "\n".join(f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dcgan {esc(__version__)}">
<title>{esc(title)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
<header><h1>{esc(title)}</h1><p class=meta>{esc(subtitle)}</p></header>
<nav aria-label="sections"><ul>{nav}</ul></nav>
<main>
{body}
</main>
<footer class=note>Made by <code>dcgan report</code> {esc(__version__)}. Rebuild after new results with
<code>dcgan report RUN_DIR</code>.</footer>
</body>
</html>
"""


def build_report(run_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """Write ``out_dir/index.html`` (default ``RUN_DIR/report/``) and its assets; return its path."""
    run_dir = Path(run_dir)
    config = read_config(run_dir)  # raises DcganError if this is not a run directory
    out_dir = Path(out_dir) if out_dir else run_dir / layout.REPORT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    records, bad = read_metrics(run_dir)
    ctx = Context(run_dir, Assets(out_dir, run_dir), config, records, bad)
    sections = [make(ctx) for make in SECTIONS]

    model, data = config.get("model", {}), config.get("data", {})
    title = f"DCGAN run: {run_dir.resolve().name}"
    subtitle = (f"{model.get('arch', '?')}/{config.get('preset', '?')}, {model.get('resolution', '?')} px × "
                f"{model.get('channels', '?')} ch, on {data.get('name', '?')} · {run_dir} · "
                f"report made {time.strftime('%Y-%m-%d %H:%M')}")
    index = out_dir / "index.html"
    write_text_atomic(index, render_page(title, subtitle, sections))  # a refreshing browser never sees half a page
    return index
