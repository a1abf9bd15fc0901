"""A threaded HTTP server on 127.0.0.1 for the download tests (never the internet)."""

import http.server
import threading
from collections.abc import Iterator


def serve(handler: type, **attributes) -> Iterator[http.server.ThreadingHTTPServer]:
    """Run ``handler`` on a free port with ``attributes`` set on the server; yields it, then stops it
    (a generator for a pytest fixture to ``yield from``)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    for name, value in attributes.items():
        setattr(httpd, name, value)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
