"""``dcgan data download`` against a local HTTP server (127.0.0.1) serving fixture files: checksums,
resume with Range, restart when the server ignores Range, atomic writes, CIFAR extraction."""

from __future__ import annotations

import hashlib
import http.server
import tarfile
from pathlib import Path

import pytest

from dcgan import DcganError
from dcgan.cli import main
from dcgan.data import download as dl
from dcgan.data import open_dataset
from tests.conftest import synthetic_digits, write_idx
from tests.data._make import write_cifar_batches
from tests.local_http import serve


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files`` (name -> bytes), honouring ``Range: bytes=N-`` unless ``server.ignore_range``."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        name = self.path.lstrip("/").split("/")[-1]
        self.server.requests.append((name, self.headers.get("Range")))
        data = self.server.files.get(name)
        if data is None:
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and not self.server.ignore_range:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    yield from serve(RangeHandler, files={}, requests=[], ignore_range=False)


def _url(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/"


@pytest.fixture
def mnist_files(tmp_path, monkeypatch):
    """Fixture IDX files and a patched 'mnist' source whose checksums are theirs."""
    src = tmp_path / "src"
    files = {}
    for prefix, n, seed in (("train", 64, 0), ("t10k", 32, 1)):
        images, labels = synthetic_digits(n, seed)
        for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
            path = write_idx(src / f"{prefix}-{kind}-ubyte.gz", arr)
            files[path.name] = path.read_bytes()
    remote = tuple(dl.RemoteFile(n, hashlib.sha256(b).hexdigest(), len(b)) for n, b in files.items())
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source("http://unused.invalid/", remote, "mnist", "mnist"))
    return files


def test_download_verifies_and_loads(server, mnist_files, tmp_path):
    server.files = mnist_files
    folder = dl.download("mnist", tmp_path / "data", base_url=_url(server), progress=False)
    for name, data in mnist_files.items():
        assert (folder / name).read_bytes() == data
    assert not list(folder.glob("*.part"))
    ds = open_dataset("mnist", path=str(folder), resolution=16, channels=1, split="test")
    assert len(ds) == 32
    server.requests.clear()
    dl.download("mnist", tmp_path / "data", base_url=_url(server), progress=False)
    assert server.requests == []  # verified files are not fetched again


def test_resume_with_range(server, mnist_files, tmp_path):
    server.files = mnist_files
    name = "train-images-idx3-ubyte.gz"
    data = mnist_files[name]
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    (folder / (name + ".part")).write_bytes(data[:1000])
    dl.download("mnist", tmp_path / "data", base_url=_url(server), progress=False)
    assert (folder / name).read_bytes() == data
    assert (name, "bytes=1000-") in server.requests


def test_server_ignoring_range_restarts(server, mnist_files, tmp_path):
    server.files, server.ignore_range = mnist_files, True
    name = "t10k-images-idx3-ubyte.gz"
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    (folder / (name + ".part")).write_bytes(b"stale bytes from somewhere else")
    dl.download("mnist", tmp_path / "data", base_url=_url(server), progress=False)
    assert (folder / name).read_bytes() == mnist_files[name]


def test_checksum_mismatch_leaves_nothing(server, tmp_path):
    # the real 'fashion-mnist' checksums; the server has other bytes under those names
    server.files = {f.name: b"not the real file" for f in dl.SOURCES["fashion-mnist"].files}
    with pytest.raises(DcganError, match="checksum mismatch"):
        dl.download("fashion-mnist", tmp_path, base_url=_url(server), progress=False)
    assert list((tmp_path / "fashion-mnist").iterdir()) == []


def test_missing_file_is_a_clear_error(server, tmp_path):
    with pytest.raises(DcganError, match="HTTP 404"):
        dl.download("svhn", tmp_path, base_url=_url(server), progress=False)


def test_cifar10_download_extracts_and_trains_format(server, tmp_path, monkeypatch):
    write_cifar_batches(tmp_path / "src", n_per_batch=4)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    data = archive.read_bytes()
    server.files = {archive.name: data}
    source = dl.Source("http://unused.invalid/", (dl.RemoteFile(archive.name, hashlib.sha256(data).hexdigest()),),
                       "cifar10", "cifar10", extract=archive.name)
    monkeypatch.setitem(dl.SOURCES, "cifar10", source)
    assert main(["data", "download", "cifar10", "--root", str(tmp_path / "data"), "--base-url", _url(server)]) == 0
    folder = Path(tmp_path / "data" / "cifar10")
    assert (folder / "cifar-10-batches-py" / "data_batch_5").is_file()
    ds = open_dataset("cifar10", path=str(folder), resolution=32, channels=3, split="train")
    assert len(ds) == 20


def test_published_checksums_are_well_formed():
    for name, source in dl.SOURCES.items():
        for f in source.files:
            assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0, (name, f.name)
