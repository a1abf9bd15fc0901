"""The report's files beside ``index.html``: copies of the run's pictures and the plots made
for the page, all under ``REPORT/assets/`` so the folder can be zipped or served as is."""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image

MARKER = ".dcgan-report"  # proves a folder is ours before we clear it on a rebuild
SMALL_IMAGE = 400  # px; narrower pictures are pixel-art sample grids: upscale them crisply


class Assets:
    def __init__(self, out_dir: Path, run_dir: Path):
        self.out_dir, self.run_dir = out_dir, run_dir
        self.root = out_dir / "assets"
        if self.root.is_dir() and (self.root / MARKER).is_file():
            shutil.rmtree(self.root)  # stale copies from an earlier build must not linger
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / MARKER).write_text("files of dcgan report; rebuilt by each `dcgan report`\n")

    def rel(self, path: Path) -> str:
        """``path`` (inside the report folder) relative to ``index.html``, POSIX style."""
        return path.relative_to(self.out_dir).as_posix()

    def new(self, name: str) -> Path:
        """A path for a file the report writes itself (plots, the animation)."""
        path = self.root / "made" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def new_dir(self, name: str) -> Path:
        path = self.root / "made" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def copy(self, src: Path, base: Path | None = None, prefix: str = "run") -> str:
        """Copy ``src`` (a file under ``base``, the run directory by default) into the assets,
        keeping its relative path; returns the link relative to ``index.html``."""
        base = base or self.run_dir
        try:
            relative = src.resolve().relative_to(base.resolve())
        except ValueError:
            relative = Path(src.name)
        dest = self.root / prefix / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return self.rel(dest)


def image_size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as img:
            return img.size
    except (OSError, ValueError):  # unreadable or not a raster (e.g. SVG): let the browser decide
        return None


def image_class(size: tuple[int, int] | None) -> str:
    return "pixel" if size is not None and size[0] < SMALL_IMAGE else ""
