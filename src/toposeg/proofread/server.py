"""The proofreading web server: the static page (package data) and a small JSON API.

Served on 127.0.0.1 only, by the standard library's threading HTTP server; one lock orders
the actions. Routes:

* ``GET /`` and ``GET /static/<file>``: the page (``index.html``, ``app.js``, ``app.css``).
* ``GET /api/state?slice=s``: probabilities, uncertainties, decisions and the queue of a slice.
* ``GET /api/branches?slice=s``: the pixels of the slice's branches.
* ``GET /api/image.png``, ``/api/likelihood.png``, ``/api/mask.png`` (``?slice=s``): the layers.
* ``POST /api/action`` (an action as JSON): the answer is what changed (decisions, the head
  of the queue, the pixels of the mask that flipped, or the whole mask packed when many did;
  :meth:`ProofreadingSession.change`), or ``400`` with
  ``{"error": ...}`` and nothing changed. ``POST /api/save`` writes the corrected mask.
"""

from __future__ import annotations

import io
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
from PIL import Image

from toposeg.proofread.log import ActionLog
from toposeg.proofread.session import ActionError

__all__ = ["ProofreadingServer"]

_STATIC = {"index.html": "text/html", "app.js": "text/javascript", "app.css": "text/css"}
_MAX_BODY = 1 << 20


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _grey(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    lo, hi = float(array.min()), float(array.max())
    scaled = (array - lo) / (hi - lo) if hi > lo else np.zeros_like(array)
    return np.round(255 * scaled).astype(np.uint8)


class ProofreadingServer:
    """Serve a proofreading session over HTTP on 127.0.0.1.

    Parameters
    ----------
    log : ActionLog
        The session and its log.
    mask_path : path-like
        Where Save writes the corrected mask.
    port : int
        0 picks a free port.
    """

    def __init__(self, log: ActionLog, mask_path: str | Path, *, port: int = 0) -> None:
        self.log = log
        self.mask_path = Path(mask_path)
        self.lock = threading.Lock()
        self._layers: dict[tuple[str, int], bytes] = {}
        handler = type("Handler", (_Handler,), {"app": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- the API, called under the lock
    def layer(self, name: str, index: int) -> bytes:
        session = self.log.session
        session._check_slice(index)
        if name == "mask":
            return _png(session.mask(index).astype(np.uint8) * 255)
        key = (name, index)
        if key not in self._layers:
            inputs = session.inputs
            self._layers[key] = _png(_grey(inputs.slice(inputs.image if name == "image" else inputs.likelihood, index)))
        return self._layers[key]


class _Handler(BaseHTTPRequestHandler):
    app: ProofreadingServer
    protocol_version = "HTTP/1.1"
    # headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm holds the
    # body until the browser's delayed ACK of the headers (tens of milliseconds per answer)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: object) -> None:
        self._send(status, json.dumps(value, separators=(",", ":")).encode(), "application/json")

    def _slice(self, query: dict[str, list[str]]) -> int:
        raw = query.get("slice", ["0"])[0]
        try:
            return int(raw)
        except ValueError:
            raise ActionError(f"slice must be an integer, got {raw!r}") from None

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        app = self.app
        try:
            if url.path in ("/", "/index.html"):
                return self._static("index.html")
            if url.path.startswith("/static/"):
                return self._static(url.path[len("/static/"):])
            with app.lock:
                if url.path == "/api/state":
                    return self._json(200, app.log.session.summary(self._slice(query)))
                if url.path == "/api/branches":
                    return self._json(200, app.log.session.branch_pixels(self._slice(query)))
                if url.path in ("/api/image.png", "/api/likelihood.png", "/api/mask.png"):
                    name = url.path[len("/api/"):-len(".png")]
                    return self._send(200, app.layer(name, self._slice(query)), "image/png")
        except ActionError as error:
            return self._json(400, {"error": str(error)})
        self._json(404, {"error": f"no such page: {url.path}"})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        app = self.app
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length is not None else -1
        except ValueError:
            size = -1
        if not 0 <= size <= _MAX_BODY:
            return self._json(400, {"error": f"a request needs a Content-Length of at most {_MAX_BODY} bytes"})
        body = self.rfile.read(size)
        try:
            if url.path == "/api/action":
                try:
                    action = json.loads(body)
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    raise ActionError(f"the request is not valid JSON: {error}") from None
                with app.lock:
                    session = app.log.session
                    before = session.decisions()
                    target = session.affected_slice(action)
                    before_mask = session.mask(target) if target is not None else None
                    index = app.log.apply(action)
                    session = app.log.session
                    previous = before.get(index)
                    if previous is None:
                        previous = session.decision(index)
                    return self._json(200, session.change(index, previous,
                                                          before_mask if index == target else None))
            if url.path == "/api/save":
                with app.lock:
                    path = app.log.save_mask(app.mask_path)
                    return self._json(200, {"saved": str(path), "actions": len(app.log.session.actions)})
        except ActionError as error:
            return self._json(400, {"error": str(error)})
        self._json(404, {"error": f"no such endpoint: {url.path}"})

    def _static(self, name: str) -> None:
        if name not in _STATIC:
            return self._json(404, {"error": f"no such file: {name}"})
        body = resources.files("toposeg.proofread").joinpath("static", name).read_bytes()
        self._send(200, body, _STATIC[name] + "; charset=utf-8")

