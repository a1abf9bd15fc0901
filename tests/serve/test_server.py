"""The explorer's HTTP side without a browser: answers, limits, and refused traversal."""

from __future__ import annotations

import http.client
import json
import os
import urllib.parse

import numpy as np
import pytest
import torch
from PIL import Image

from dcgan.serve.server import MAX_BODY


def _request(url, method, path, body=None, headers=None):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    hdrs.update(headers or {})
    conn.request(method, path, body=data, headers=hdrs)  # path sent as given, never normalised
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, response.getheader("Content-Type", ""), payload


def test_api_answers_and_arith_equals_the_explore_command(served, tmp_path):
    explorer, url, run = served
    status, _, payload = _request(url, "POST", "/api/sheet", {"seed": 3, "n": 16})
    assert status == 200 and len(json.loads(payload)["images"]) == 16
    body = {"seed": 3, "n": 16, "A": [1, 2, 3], "B": [4, 5, 6], "C": [7, 8, 9], "noise_seed": 5}
    status, _, payload = _request(url, "POST", "/api/save", {"kind": "arith", **body})
    saved = json.loads(payload)
    assert status == 200 and "z_result.npy" in saved["files"], saved
    out = run / saved["dir"]
    from dcgan.cli import main

    assert main(["explore", "arith", "--checkpoint", str(run), "--concept", "A=1,2,3", "--concept", "B=4,5,6",
                 "--concept", "C=7,8,9", "--expr", "A - B + C", "--sheet-seed", "3", "--sheet-n", "16", "--seed", "5",
                 "--out", str(tmp_path / "cli")]) == 0
    for name in ("result.png", "pixel.png", "concepts.png"):
        assert np.array_equal(np.asarray(Image.open(out / name)), np.asarray(Image.open(tmp_path / "cli" / name))), name
    z = np.load(out / "z_result.npy")
    from dcgan.experiments.sheets import sheet_z

    sheet = sheet_z(3, 16, explorer.nets.z_dim, explorer.nets.z_dist)
    want = sheet[[1, 2, 3]].mean(0) - sheet[[4, 5, 6]].mean(0) + sheet[[7, 8, 9]].mean(0)
    assert torch.allclose(torch.from_numpy(z[4]), want, atol=1e-6)
    assert json.loads((out / "concepts.json").read_text())["concepts"] == {"A": [1, 2, 3], "B": [4, 5, 6], "C": [7, 8, 9]}

    for kind, extra in (("walk", {"a": 0, "b": 9}), ("axis", {"set_a": [1], "set_b": [2], "targets": [3, 4]})):
        status, _, payload = _request(url, "POST", "/api/save", {"kind": kind, "seed": 3, "n": 16, **extra})
        assert status == 200, payload
    status, _, payload = _request(url, "POST", "/api/walk", {"seed": 3, "n": 16, "a": 0, "b": 9, "t": 0.0})
    start = json.loads(payload)
    status, _, payload = _request(url, "POST", "/api/walk", {"seed": 3, "n": 16, "a": 0, "b": 9, "t": 1.0})
    assert status == 200 and json.loads(payload)["linear"] != start["linear"]
    status, ctype, payload = _request(url, "GET", f"/files/{saved['dir'].split('/', 1)[1]}/result.png")
    assert status == 200 and ctype == "image/png" and payload.startswith(b"\x89PNG")


@pytest.mark.parametrize("path", [
    "/files/../config.json", "/files/../checkpoints/latest.pt", "/files/%2e%2e/config.json",
    "/files/..%2fconfig.json", "/files/..%2F..%2F..%2Fetc%2Fpasswd", "/files//etc/passwd", "/files/%2fetc%2fpasswd",
    "/files/link/config.json", "/files/linkfile.json", "/files/%252e%252e/config.json", "/../config.json",
    "/static/../server.py", "/static/index.html/../../server.py", "/files/.hidden.json", "//etc/passwd",
    "/static/%2e%2e%2fserver.py", "/files/C:%5cwindows", "/files/a%00.png",
])
def test_traversal_is_refused(served, path):
    _, url, run = served
    exp = run / "experiments"
    exp.mkdir(exist_ok=True)
    if not (exp / "link").exists():
        os.symlink(run, exp / "link")  # a symlink inside the served folder, pointing out of it
        os.symlink(run / "config.json", exp / "linkfile.json")
        (exp / ".hidden.json").write_text("{}")
    status, ctype, payload = _request(url, "GET", path)
    assert status in (400, 403, 404), (path, status)
    assert b"model" not in payload and b"root:" not in payload and b"Traceback" not in payload
    assert ctype.startswith("text/html")


@pytest.mark.parametrize("method,path,body,headers,status", [
    ("POST", "/api/sheet", {"seed": 0, "n": 100000}, None, 400),  # too many images
    ("POST", "/api/arith", {"seed": 0, "n": 8, "A": list(range(8)) * 3, "B": [1], "C": [2]}, None, 400),
    ("POST", "/api/walk", {"seed": 0, "n": 8, "a": 0, "b": 99, "t": 0.5}, None, 400),  # index off the sheet
    ("POST", "/api/walk", {"seed": 0, "n": 8, "a": 0, "b": 1, "t": "NaN"}, None, 400),
    ("POST", "/api/axis", {"seed": 0, "n": 8, "set_a": [], "set_b": [1], "targets": [2], "alpha": 1}, None, 400),
    ("POST", "/api/save", {"kind": "../../x", "seed": 0}, None, 400),
    ("POST", "/api/sheet", b"x" * (MAX_BODY + 1), None, 413),
    ("POST", "/api/sheet", b"{not json", None, 400),
    ("POST", "/api/sheet", b"[1, 2]", None, 400),
    ("POST", "/api/sheet", b'{"seed": 0}', {"Content-Type": "text/plain"}, 415),
    ("POST", "/api/nothing", {}, None, 404),
    ("GET", "/api/sheet", None, None, 405),
    ("GET", "/nothing", None, None, 404),
    ("GET", "/", None, {"Host": "attacker.example"}, 403),  # DNS rebinding
    ("DELETE", "/", None, None, 501),
    ("GET", "/?" + "x" * 5000, None, None, 414),
])
def test_bad_requests_get_a_short_error_not_a_traceback(served, method, path, body, headers, status):
    _, url, _ = served
    got, ctype, payload = _request(url, method, path, body, headers)
    assert got == status, (got, payload[:200])
    text = payload.decode()
    assert "Traceback" not in text and len(text) < 2000
    if path.startswith("/api/") and got != 501:
        assert ctype == "application/json" and json.loads(text)["error"]


def test_conditional_generator_one_class_per_request(idx_folder, tmp_path):
    from dcgan.serve.explorer import Explorer

    from .conftest import varied_run

    run = varied_run(tmp_path / "cond", idx_folder, **{"model.num_classes": 10})
    explorer = Explorer.open(run)
    a = explorer.sheet({"seed": 0, "n": 4, "label": 3})["images"]
    b = explorer.sheet({"seed": 0, "n": 4, "label": 7})["images"]
    assert a != b
    walk = explorer.walk({"seed": 0, "n": 4, "a": 1, "b": 1, "t": 0.5, "label": 3})
    assert walk["linear"] == walk["slerp"] == a[1]  # same z, same class, so the very sample
    saved = explorer.save({"kind": "arith", "seed": 0, "n": 4, "A": [0], "B": [1], "C": [2], "label": 3})
    assert (run / saved["dir"] / "result.png").is_file()
    from dcgan import DcganError

    with pytest.raises(DcganError, match="label"):
        explorer.sheet({"seed": 0, "n": 4, "label": 10})
