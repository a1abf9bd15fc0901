"""Where the FID InceptionV3 weights come from when the user names no file.

Order: ``--inception-weights`` / ``$DCGAN_INCEPTION_WEIGHTS`` (the caller's), else the torch hub
cache, ``torch.hub.get_dir()/checkpoints/pt_inception-2015-12-05-6726825d.pth`` (where pytorch-fid
and torch hub keep it; ``$TORCH_HOME`` moves it), else a one-time download of pytorch-fid's
release file (``inception.PYTORCH_FID_URL``, or ``$DCGAN_INCEPTION_URL``) into that cache.
``DCGAN_OFFLINE=1`` turns the download off.

The download streams into a temp file in the cache folder, checks its length and SHA-256 and
only then renames it into place, so the final name only ever holds a complete, checked file.
Only the hash prefix in the file name is pinned (``inception.PYTORCH_FID_SHA256_PREFIX``, torch
hub's ``check_hash`` convention).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import torch
from tqdm import tqdm

from dcgan import DcganError
from dcgan.data.download import CHUNK
from dcgan.evaluation.features import inception as _inc

WEIGHTS_ENV = "DCGAN_INCEPTION_WEIGHTS"
URL_ENV = "DCGAN_INCEPTION_URL"
OFFLINE_ENV = "DCGAN_OFFLINE"


def hub_checkpoints_dir() -> Path:
    """torch hub's checkpoint folder (``$TORCH_HOME/hub/checkpoints``, default ~/.cache/torch/...)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _one_line(reason: object) -> str:
    return " ".join(str(reason).split())


def missing_weights_error(dest: Path, url: str, reason: str) -> DcganError:
    """The one-line error when the weights are neither given, cached nor downloadable."""
    return DcganError(
        f"the 'inception' feature space needs pytorch-fid's {_inc.PYTORCH_FID_FILE}, which is not in "
        f"the cache and was not downloaded ({reason}): fetch {url} and put it at {dest}, or pass "
        f"--inception-weights PATH or set ${WEIGHTS_ENV}"
    )


def fetch_inception_weights(url: str | None = None, dest_dir: str | Path | None = None,
                            sha256_prefix: str | None = None, file_name: str | None = None,
                            progress: bool = True, timeout: float = 60) -> Path:
    """Return ``dest_dir/file_name``, downloading it from ``url`` first if it is not there.

    Defaults: pytorch-fid's release URL, the torch hub checkpoint folder, the pinned hash prefix
    and file name (read at call time). A download goes to a temp file beside the destination,
    is checked (length as announced, SHA-256 starting with ``sha256_prefix``) and renamed into
    place; on any failure the temp file is removed and a one-line ``DcganError`` raised."""
    url = url or _inc.PYTORCH_FID_URL
    dest_dir = Path(dest_dir) if dest_dir is not None else hub_checkpoints_dir()
    prefix = (sha256_prefix if sha256_prefix is not None else _inc.PYTORCH_FID_SHA256_PREFIX).lower()
    dest = dest_dir / (file_name or _inc.PYTORCH_FID_FILE)
    if dest.is_file():
        return dest
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DcganError(f"cannot create the Inception weights folder {dest_dir}: {_one_line(exc)}") from None
    fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest, written, expected = hashlib.sha256(), 0, 0
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "dcgan"})
            with os.fdopen(fd, "wb") as fh, urllib.request.urlopen(request, timeout=timeout) as response:
                expected = int(response.headers.get("Content-Length") or 0)
                with tqdm(total=expected or None, unit="B", unit_scale=True, desc=dest.name,
                          disable=not progress, file=sys.stderr) as bar:
                    for block in iter(lambda: response.read(CHUNK), b""):
                        fh.write(block)
                        digest.update(block)
                        written += len(block)
                        bar.update(len(block))
        except urllib.error.HTTPError as exc:
            raise missing_weights_error(dest, url, f"HTTP {exc.code} {_one_line(exc.reason)}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:  # offline, refused, timeout, reset
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise missing_weights_error(dest, url, _one_line(reason) or type(exc).__name__) from None
        if expected and written != expected:
            raise missing_weights_error(dest, url, f"the connection closed after {written} of {expected} bytes")
        got = digest.hexdigest()
        if not got.startswith(prefix):
            raise DcganError(
                f"{url}: checksum mismatch (sha256 {got}, expected one starting {prefix}); "
                f"the download was removed and nothing was written to {dest}"
            )
        os.replace(tmp, dest)
    except BaseException:  # incl. Ctrl-C: no temp file is left behind
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    return dest


def default_inception_weights(progress: bool = True) -> Path:
    """The weights file to use when the user named none: the cached one, else downloaded (unless
    ``$DCGAN_OFFLINE``) from ``$DCGAN_INCEPTION_URL`` or pytorch-fid's release."""
    dest_dir = hub_checkpoints_dir()
    dest = dest_dir / _inc.PYTORCH_FID_FILE
    url = os.environ.get(URL_ENV) or _inc.PYTORCH_FID_URL
    if dest.is_file():
        return dest
    if offline():
        raise missing_weights_error(dest, url, f"${OFFLINE_ENV} is set")
    return fetch_inception_weights(url=url, dest_dir=dest_dir, progress=progress)
