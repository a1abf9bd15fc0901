"""``dcgan data download``: the public datasets distributed as files, checksum-verified.

Each file is fetched to ``NAME.part`` next to its destination, resumed with an HTTP ``Range``
request when a partial file is there (and restarted if the server ignores the range), checked
against its published SHA-256 and then renamed into place, so a destination file is always
complete and verified. A file already present with the right checksum is not fetched again.
``base_url`` replaces each dataset's base URL (a mirror, or a local server in the tests).
Layout under ``--root``: ``mnist/``, ``fashion-mnist/`` (IDX .gz), ``cifar10/`` (the tar.gz
and the extracted ``cifar-10-batches-py``), ``svhn/`` (``*_32x32.mat``).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from dcgan import DcganError


@dataclass(frozen=True)
class RemoteFile:
    name: str
    sha256: str
    size: int = 0  # bytes, when published (progress bar only)
    optional: bool = False  # fetched only with include_optional (SVHN's 1.3 GB extra set)


@dataclass(frozen=True)
class Source:
    base_url: str
    files: tuple[RemoteFile, ...]
    subdir: str
    data_name: str  # what to pass as data.name afterwards
    extract: str = ""  # a tar.gz member to unpack after verification


# Checksums as published with the datasets (and pinned by torchvision/TFDS); sizes in bytes.
SOURCES: dict[str, Source] = {
    "mnist": Source(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        (
            RemoteFile("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
            RemoteFile("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
            RemoteFile("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
            RemoteFile("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
        ),
        "mnist", "mnist",
    ),
    "fashion-mnist": Source(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        (
            RemoteFile("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
            RemoteFile("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
            RemoteFile("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
            RemoteFile("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
        ),
        "fashion-mnist", "fashion-mnist",
    ),
    "cifar10": Source(
        "https://www.cs.toronto.edu/~kriz/",
        (RemoteFile("cifar-10-python.tar.gz", "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", 170498071),),
        "cifar10", "cifar10", extract="cifar-10-python.tar.gz",
    ),
    "svhn": Source(
        "http://ufldl.stanford.edu/housenumbers/",
        (
            RemoteFile("train_32x32.mat", "435e94d69a87fde4fd4d7f3dd208dfc32cb6ae8af2240d066de1df7508d083b8", 182040794),
            RemoteFile("test_32x32.mat", "cdce80dfb2a2c4c6160906d0bd7c68ec5a99d7ca4831afa54f09182025b6a75b", 64275384),
            RemoteFile("extra_32x32.mat", "a133a4beb38a00fcdda90c9489e0c04f900b660ce8a316a5e854838379a71eb3", optional=True),
        ),
        "svhn", "svhn",
    ),
}
CHUNK = 1 << 20
RETRIES = 3


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url: str, dest: Path, sha256: str, size: int = 0, progress: bool = True, timeout: float = 60) -> Path:
    """Download ``url`` to ``dest`` (resumable via ``dest.part``, verified, atomic rename)."""
    if dest.is_file() and sha256_of(dest) == sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    last_error: Exception | None = None
    for attempt in range(RETRIES):
        have = part.stat().st_size if part.exists() else 0
        request = urllib.request.Request(url, headers={"User-Agent": "dcgan-download"})
        if have:
            request.add_header("Range", f"bytes={have}-")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                resumed = have > 0 and response.status == 206
                mode = "ab" if resumed else "wb"  # a 200 answer to a range request is the whole file
                total = size or (have if resumed else 0) + int(response.headers.get("Content-Length") or 0)
                with open(part, mode) as fh, tqdm(
                    total=total or None, initial=have if resumed else 0, unit="B", unit_scale=True,
                    desc=dest.name, disable=not progress, file=sys.stderr,
                ) as bar:
                    for block in iter(lambda: response.read(CHUNK), b""):
                        fh.write(block)
                        bar.update(len(block))
            break
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # nothing left to send: the partial file may be complete
                break
            last_error = exc
            if 400 <= exc.code < 500:
                raise DcganError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            last_error = exc
        time.sleep(min(2**attempt, 10) * 0.1)
    else:
        raise DcganError(f"download of {url} failed after {RETRIES} tries: {last_error} (run again to resume)")
    got = sha256_of(part)
    if got != sha256:
        part.unlink()
        raise DcganError(f"{url}: checksum mismatch (sha256 {got}, expected {sha256}); the partial file was removed")
    os.replace(part, dest)
    return dest


def _extract(archive: Path, into: Path) -> None:
    """Unpack a verified tar.gz; refuses members that would land outside ``into``."""
    tmp = into / (archive.name + ".extracting")
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            target = (tmp / m.name).resolve()
            if not str(target).startswith(str(tmp.resolve())) or m.issym() or m.islnk():
                raise DcganError(f"{archive}: refusing to extract '{m.name}'")
        tar.extractall(tmp)
    for child in tmp.iterdir():
        final = into / child.name
        if final.exists():
            import shutil

            shutil.rmtree(final) if final.is_dir() else final.unlink()
        os.replace(child, final)
    tmp.rmdir()


def download(name: str, root: str | Path, base_url: str = "", include_optional: bool = False,
             progress: bool = True) -> Path:
    """Fetch dataset ``name`` into ``root/<subdir>`` and return that folder."""
    if name not in SOURCES:
        raise DcganError(f"no download for '{name}'; available: {', '.join(sorted(SOURCES))}")
    source = SOURCES[name]
    folder = Path(root) / source.subdir
    base = base_url or source.base_url
    if not base.endswith("/"):
        base += "/"
    for f in source.files:
        if f.optional and not include_optional:
            continue
        dest = fetch(base + f.name, folder / f.name, f.sha256, f.size, progress)
        if source.extract == f.name:
            _extract(dest, folder)
    return folder
