"""The FID Inception weights fetch themselves into the torch hub cache, from a local HTTP server
(127.0.0.1) here: verified and atomic, never re-fetched, clear one-line errors when offline.
No real Inception network is loaded."""

from __future__ import annotations

import hashlib
import http.server
import socket
from pathlib import Path

import pytest
import torch

from dcgan import DcganError
from dcgan.evaluation import features as feats
from dcgan.evaluation.features import inception as inc
from dcgan.evaluation.features import inception_weights as incw
from tests.local_http import serve

BODY = b"not really an inception net, but bytes to hash " * 2000


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.body`` at any path; ``server.truncate`` announces more bytes than it sends."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.server.body) + (1000 if self.server.truncate else 0)))
        self.end_headers()
        self.wfile.write(self.server.body)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    yield from serve(Handler, body=BODY, requests=[], truncate=False)


def _url(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/fid_weights/{inc.PYTORCH_FID_FILE}"


@pytest.fixture
def hub(tmp_path, monkeypatch) -> Path:
    """TORCH_HOME in tmp_path, no user weights, fetching allowed; returns the checkpoint folder."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    for name in (incw.WEIGHTS_ENV, incw.URL_ENV, incw.OFFLINE_ENV):
        monkeypatch.delenv(name, raising=False)
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    assert incw.hub_checkpoints_dir() == checkpoints
    return checkpoints


@pytest.fixture
def served_hash(monkeypatch) -> str:
    digest = hashlib.sha256(BODY).hexdigest()
    monkeypatch.setattr(inc, "PYTORCH_FID_SHA256_PREFIX", digest[:8])
    return digest


def test_url_and_pin_match_pytorch_fid():
    assert inc.PYTORCH_FID_URL == ("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
                                   "pt_inception-2015-12-05-6726825d.pth")
    assert inc.PYTORCH_FID_FILE.rsplit("-", 1)[1] == inc.PYTORCH_FID_SHA256_PREFIX + ".pth"


def test_good_download_lands_in_hub_cache_once(server, hub, served_hash):
    path = incw.fetch_inception_weights(url=_url(server), dest_dir=hub, progress=False)
    assert path == hub / inc.PYTORCH_FID_FILE
    assert path.read_bytes() == BODY
    assert sorted(p.name for p in hub.iterdir()) == [inc.PYTORCH_FID_FILE]  # no temp file left
    assert len(server.requests) == 1
    assert incw.fetch_inception_weights(url=_url(server), dest_dir=hub, progress=False) == path
    assert incw.default_inception_weights(progress=False) == path
    assert len(server.requests) == 1  # cached: the server is not contacted again


def test_default_uses_url_override_and_hub_dir(server, hub, served_hash, monkeypatch):
    monkeypatch.setenv(incw.URL_ENV, _url(server))
    path = incw.default_inception_weights(progress=False)
    assert path == hub / inc.PYTORCH_FID_FILE and path.read_bytes() == BODY
    assert server.requests == [f"/fid_weights/{inc.PYTORCH_FID_FILE}"]


def test_wrong_hash_leaves_nothing(server, hub):
    # the real pinned prefix; the server has other bytes
    with pytest.raises(DcganError, match="checksum mismatch") as err:
        incw.fetch_inception_weights(url=_url(server), dest_dir=hub, progress=False)
    message = str(err.value)
    assert _url(server) in message and hashlib.sha256(BODY).hexdigest() in message
    assert inc.PYTORCH_FID_SHA256_PREFIX in message
    assert list(hub.iterdir()) == []  # neither the final name nor a temp file


def test_connection_dropped_mid_file_leaves_nothing(server, hub, served_hash):
    server.truncate = True
    with pytest.raises(DcganError, match=f"closed after {len(BODY)} of {len(BODY) + 1000} bytes"):
        incw.fetch_inception_weights(url=_url(server), dest_dir=hub, progress=False)
    assert list(hub.iterdir()) == []


def test_offline_is_a_one_line_error_naming_the_cache_path(hub):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/{inc.PYTORCH_FID_FILE}"
    with pytest.raises(DcganError) as err:
        incw.fetch_inception_weights(url=url, dest_dir=hub, progress=False, timeout=5)
    message = str(err.value)
    assert "\n" not in message
    assert str(hub / inc.PYTORCH_FID_FILE) in message and url in message and inc.PYTORCH_FID_FILE in message
    assert "--inception-weights" in message
    assert not (hub / inc.PYTORCH_FID_FILE).exists() and list(hub.iterdir()) == []


def test_dcgan_offline_does_not_contact_the_server(server, hub, served_hash, monkeypatch):
    monkeypatch.setenv(incw.URL_ENV, _url(server))
    monkeypatch.setenv(incw.OFFLINE_ENV, "1")
    with pytest.raises(DcganError, match="needs pytorch-fid") as err:
        incw.default_inception_weights(progress=False)
    assert str(hub / inc.PYTORCH_FID_FILE) in str(err.value) and "\n" not in str(err.value)
    assert server.requests == []


def test_feature_space_fetches_when_no_weights_given(hub, monkeypatch):
    calls = []

    def fake_fetch(url, dest_dir, progress=True, **kwargs):
        calls.append((url, Path(dest_dir)))
        path = Path(dest_dir) / inc.PYTORCH_FID_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"fetched")
        return path

    monkeypatch.setattr(incw, "fetch_inception_weights", fake_fetch)
    monkeypatch.setattr(inc, "load_fid_inception", lambda path: torch.nn.Identity())
    monkeypatch.setenv(incw.URL_ENV, "http://127.0.0.1:9/weights.pth")
    extractor = feats.get_feature_extractor("inception", weights=None)
    assert calls == [("http://127.0.0.1:9/weights.pth", hub)]
    assert extractor.info["weights"] == str(hub / inc.PYTORCH_FID_FILE)
    assert extractor.info["weights_sha256"] == hashlib.sha256(b"fetched").hexdigest()
    # a file the user names wins, and nothing is fetched
    own = hub.parent / "own.pth"
    own.write_bytes(b"own")
    assert feats.get_feature_extractor("inception", weights=str(own)).info["weights"] == str(own)
    assert len(calls) == 1
