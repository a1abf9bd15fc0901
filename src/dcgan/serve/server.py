"""The explorer's HTTP side: Python's standard-library ``http.server``, no framework, no network.

Routes (anything else is a 404 page):

- ``GET /`` the page; ``GET /static/<name>`` its script and style sheet (a fixed list, read from
  this package, never from a path in the request);
- ``GET /api/info``; ``POST /api/{sheet,arith,walk,axis,save}`` with a JSON body: answers JSON,
  pictures inline as ``data:image/png`` URIs (so one request is one batched generator call);
- ``GET /files/<path>``: pictures and records saved under ``RUN/experiments/`` (and nothing
  else): each path segment must be a plain name (no ``..``, ``.``, empty or hidden segment,
  checked *after* percent-decoding, so ``%2e%2e%2f`` is refused too), no segment may be a
  symbolic link, the resolved file must lie inside the resolved folder, and only a few suffixes
  are served.

Limits: request bodies of at most ``MAX_BODY`` bytes, JSON only (``Content-Type:
application/json``: a cross-site form cannot send it without a preflight this server never
grants), URLs of at most ``MAX_URL`` characters, the per-request image counts of
``serve.explorer``. With the default loopback bind, requests must name a loopback ``Host``
(a DNS-rebinding page cannot reach the server). Every error is a short page (JSON for
``/api/``) with its status; no traceback ever reaches the client.
"""

from __future__ import annotations

import base64
import http.server
import ipaddress
import json
import sys
import threading
import time
import traceback
import urllib.parse
from html import escape
from pathlib import Path
from typing import Any

from dcgan import DcganError
from dcgan.serve.explorer import Explorer

MAX_BODY = 16 * 1024
MAX_URL = 2048
STATIC_DIR = Path(__file__).with_name("static")
STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
FILE_TYPES = {".png": "image/png", ".gif": "image/gif", ".json": "application/json", ".txt": "text/plain; charset=utf-8",
              ".npy": "application/octet-stream"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'")
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


class RequestError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def safe_file(root: Path, url_path: str) -> Path:
    """``url_path`` (still percent-encoded, relative to ``root``) -> a regular file inside ``root``,
    or ``RequestError`` 404. See the module docstring for the rules."""
    decoded = urllib.parse.unquote(url_path, errors="strict")
    parts = decoded.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") or "\\" in p or "\x00" in p or ":" in p for p in parts):
        raise RequestError(404, "no such file")
    try:
        base = root.resolve(strict=True)
    except (OSError, RuntimeError):
        raise RequestError(404, "no such file (nothing saved yet)") from None
    current = base
    for part in parts:
        current = current / part
        if current.is_symlink():
            raise RequestError(404, "no such file")
    try:
        real = current.resolve(strict=True)
    except (OSError, RuntimeError):
        raise RequestError(404, "no such file") from None
    if not real.is_relative_to(base) or not real.is_file() or real.suffix.lower() not in FILE_TYPES:
        raise RequestError(404, "no such file")
    return real


def host_name(header: str) -> str:
    """'localhost:8619' -> 'localhost', '[::1]:80' -> '[::1]' (lower case)."""
    h = header.strip().lower()
    if h.startswith("["):
        return h.split("]")[0] + "]"
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def _to_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return "data:image/png;base64," + base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def error_page(status: int, message: str) -> str:
    title = http.server.BaseHTTPRequestHandler.responses.get(status, ("Error",))[0]
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{status} {escape(title)}</title></head>"
            f"<body><h1>{status} {escape(title)}</h1><p>{escape(message)}</p><p><a href=\"/\">back to the explorer</a></p>"
            "</body></html>")


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "dcgan-serve"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    explorer: Explorer
    quiet = False
    loopback_only = True

    # -- plumbing ---------------------------------------------------------------------------
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if not self.quiet:
            sys.stderr.write(f"serve: {self.address_string()} {format % args}\n")

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Referrer-Policy", "no-referrer")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Also what ``http.server`` itself calls (bad request line, URL too long, unknown method)."""
        self.close_connection = True
        text = message or self.responses.get(code, ("",))[0]
        if getattr(self, "path", "").startswith("/api/"):
            self._send(code, json.dumps({"error": text}).encode(), "application/json", {"Connection": "close"})
        else:
            self._send(code, error_page(code, text).encode(), "text/html; charset=utf-8", {"Connection": "close"})

    def _json(self, value: Any, status: int = 200) -> None:
        self._send(status, json.dumps(_to_json(value)).encode(), "application/json")

    def _check_request(self) -> tuple[str, str]:
        if len(self.path) > MAX_URL:
            raise RequestError(414, f"URL longer than {MAX_URL} characters")
        if self.loopback_only:
            if host_name(self.headers.get("Host") or "") not in LOOPBACK_NAMES:
                raise RequestError(403, "this explorer answers only requests addressed to localhost")
        split = urllib.parse.urlsplit(self.path)
        return split.path, split.query

    def _dispatch(self, method: str) -> None:
        try:
            path, _ = self._check_request()
            if method == "GET":
                self._get(path)
            else:
                self._post(path)
        except RequestError as exc:
            self.send_error(exc.status, str(exc))
        except DcganError as exc:
            self.send_error(400, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # noqa: BLE001 - log it here, never send it
            traceback.print_exc(file=sys.stderr)
            self.send_error(500, f"internal error ({type(exc).__name__}); see the server's terminal")

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    # -- routes -----------------------------------------------------------------------------------
    def _get(self, path: str) -> None:
        if path in ("/", "/index.html"):
            body = (STATIC_DIR / "index.html").read_bytes()
            self._send(200, body, "text/html; charset=utf-8")
        elif path.startswith("/static/"):
            name = path[len("/static/"):]
            if name not in STATIC:
                raise RequestError(404, "no such page")
            self._send(200, (STATIC_DIR / name).read_bytes(), STATIC[name])
        elif path == "/api/info":
            self._json(self.explorer.info())
        elif path.startswith("/files/"):
            real = safe_file(self.explorer.experiments_dir, path[len("/files/"):])
            self._send(200, real.read_bytes(), FILE_TYPES[real.suffix.lower()])
        elif path.startswith("/api/"):
            raise RequestError(405, "use POST with a JSON body for this endpoint")
        else:
            raise RequestError(404, "no such page")

    def _body(self) -> dict:
        if self.headers.get("Transfer-Encoding"):
            raise RequestError(411, "send a Content-Length, not a chunked body")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise RequestError(411, "a Content-Length is required") from None
        if length < 0 or length > MAX_BODY:
            raise RequestError(413, f"request body over {MAX_BODY} bytes")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise RequestError(415, "send the body as application/json")
        raw = self.rfile.read(length)
        try:
            value = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RequestError(400, "the body is not valid JSON") from None
        if not isinstance(value, dict):
            raise RequestError(400, "the body must be a JSON object")
        return value

    def _post(self, path: str) -> None:
        actions = {"/api/sheet": self.explorer.sheet, "/api/arith": self.explorer.arith, "/api/walk": self.explorer.walk,
                   "/api/axis": self.explorer.axis, "/api/save": self.explorer.save}
        if path not in actions:
            raise RequestError(404, "no such endpoint")
        params = self._body()
        start = time.perf_counter()
        result = actions[path](params)
        result["server_ms"] = round((time.perf_counter() - start) * 1000, 2)
        self._json(result)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 16


def make_server(explorer: Explorer, host: str = "127.0.0.1", port: int = 0, quiet: bool = False) -> Server:
    """A bound, not yet running server (``port=0``: a free port; see ``server.server_address``)."""
    handler = type("BoundHandler", (Handler,), {"explorer": explorer, "quiet": quiet,
                                                 "loopback_only": _is_loopback(host)})
    try:
        return Server((host, port), handler)
    except OSError as exc:
        raise DcganError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def start_in_thread(explorer: Explorer, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> tuple[Server, str]:
    """Run a server in a daemon thread (tests, benchmarks); returns it and its base URL."""
    server = make_server(explorer, host, port, quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    h, p = server.server_address[:2]
    return server, f"http://{'localhost' if _is_loopback(h) else h}:{p}"


def serve_forever(run: str | Path, host: str = "127.0.0.1", port: int = 8619, device: Any = "cpu",
                  use_ema: bool = True) -> None:
    explorer = Explorer.open(run, device, use_ema=use_ema)
    server = make_server(explorer, host, port)
    h, p = server.server_address[:2]
    url = f"http://{'localhost' if _is_loopback(h) else h}:{p}/"
    m = explorer.nets.config.model
    print(f"serve: {explorer.nets.checkpoint} ({m.arch}, {m.resolution}px, z {m.z_dim}) at {url}  (Ctrl-C stops)",
          file=sys.stderr)
    if not _is_loopback(h):
        print(f"serve: bound to {h}: anyone who can reach this machine can use the explorer and write into "
              f"{explorer.experiments_dir}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("serve: stopped", file=sys.stderr)
    finally:
        server.server_close()
