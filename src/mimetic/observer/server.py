"""The loopback Observer server (`watch`, `observe`): one run served live, earlier runs browsable.

Routes (upstream §5.2): `/` redirects to the page; `observer/index.html` and `observer/observer-data.json`
are built per request from `run.json` (cached until it or an actor report changes) with runtime-only
stream URLs overlaid; `/_mimetic/history.json` lists runs; `/_mimetic/runs/<id>/<path>` serves another
run; anything else is a file of the current run, contained (403 outside). Every answer is `no-store`.

Access (like Jupyter): each server makes a random token; the printed URL carries it (`?token=`), and a
request that presents it (query or cookie) gets a cookie for this port, so the page's own polling and
images keep working. Anything else answers 403, so another local process cannot read run data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mimetypes
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from mimetic.bundle.document import script_safe
from mimetic.bundle.run_index import indexed_runs, newest_first
from mimetic.bundle.store import RunStore, contained, readable_run_id
from mimetic.errors import MimeticError
from mimetic.observer.live_model import LiveModel
from mimetic.observer.render import SERVED_CSP, DATA_PATH, INDEX_PATH, page_html
from mimetic.lanes.live_feeds import RuntimeStreams, run_feeds, stream_urls
from mimetic.observer.runtime import overlay_lanes
from mimetic.project import Project
from mimetic.safety.redact import compact
from mimetic.safety.regular import read_json

HISTORY_LIMIT = 80
MAX_SEGMENT_BYTES = 255  # no file name on any filesystem mimetic writes to is longer
CONNECTION_TIMEOUT = 30  # seconds a connection may sit idle before the server drops it
LISTEN_BACKLOG = 128
REFRESH_INTERVAL_S = 0.5  # how often the served run's model looks at run.json again
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".json": "application/json; charset=utf-8",
    ".md": "text/markdown; charset=utf-8", ".ndjson": "application/x-ndjson; charset=utf-8",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
    ".txt": "text/plain; charset=utf-8", ".log": "text/plain; charset=utf-8",
}
PREPARING_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="1">
<title>Mimetic Observer - preparing</title><style>body{{margin:0;min-height:100vh;display:grid;place-items:center;
background:#0b0d12;color:#e7eaf0;font:15px system-ui,sans-serif}}p{{color:#8d95a8}}</style></head>
<body><main><h1>Preparing run {run_id}</h1><p>The Observer appears as soon as the run writes its first bundle.</p></main></body></html>
"""


class RunView:
    """One run's Observer data and page, answered from an in-memory model of the run (`LiveModel`) that
    is updated from what changed (handed over by a live board in this process, or read back from
    run.json), so a poll costs what changed, not what the run holds. A request refreshes the model
    first, which costs a stat unless run.json moved and no board feeds the model."""

    def __init__(self, store: RunStore):
        self.store = store
        self.model = LiveModel(store.dir)
        self._lock = threading.Lock()
        self._encoded: dict[Any, tuple[bytes, str]] = {}

    def data(self) -> dict[str, Any] | None:
        """The whole data (every lane), as a page load gets it."""
        self.model.refresh()
        answer = self.model.answer()
        if answer is None:
            return None
        head, lanes, _, _ = answer
        return {**head, "streams": [json.loads(lane) for lane in lanes]}

    def payload(self, name: str, urls: dict[str, str], since: int | None = None) -> tuple[bytes, str] | None:
        """`index.html` or `observer-data.json` bytes and their ETag, with runtime URLs overlaid. A data
        request naming the cursor it last saw (`since`) gets only the lanes changed after it."""
        self.model.refresh()
        # Lanes with a live view are always sent: a view can appear without its lane changing.
        answer = self.model.answer(since if name == "data" else None, frozenset(urls))
        if answer is None:
            return None
        head, lanes, cursor, partial = answer
        overlay_key = tuple(sorted(urls.items()))
        tag = f'"{cursor}-{"p" + str(since) if partial else "f"}-{hashlib.sha256(repr(overlay_key).encode()).hexdigest()[:12]}"'
        cache_key = (name, tag)
        with self._lock:
            if cache_key not in self._encoded:
                if len(self._encoded) >= 8:  # overlays change as lanes connect; keep only recent renders
                    self._encoded.clear()
                marker = f"\0{secrets.token_hex(8)}\0"
                head = {**head, "streams": marker, "cursor": cursor, **({"partial": True} if partial else {})}
                before, _, after = compact(head).partition(json.dumps(marker))
                text = before + "[" + ",".join(overlay_lanes(lanes, urls)) + "]" + after
                if name == "index":
                    text = page_html(head["run"], "served", script_safe(text))
                self._encoded[cache_key] = (text.encode("utf-8"), tag)
            return self._encoded[cache_key]


def _since(query: str) -> int | None:
    """The `?since=<cursor>` a poll names (the cursor of the data it last applied), if it is one."""
    value = parse_qs(query).get("since", [None])[0]
    return int(value) if value is not None and value.isdigit() and len(value) < 19 else None


class ObserverHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], observer: ObserverServer):
        self.observer = observer
        super().__init__(address, ObserverHandler)


class ObserverHandler(BaseHTTPRequestHandler):
    server: ObserverHTTPServer
    server_version = "mimetic-observer"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT  # a client that connects and says nothing does not hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the watch terminal shows the URL and Ctrl-C hint, not an access log

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._handle(head=False)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
        self._handle(head=True)

    def _handle(self, *, head: bool) -> None:
        observer = self.server.observer
        self._set_cookie = False
        host = self.headers.get("Host")
        if host is not None and host.lower() not in observer.allowed_hosts:
            # A page on another site that rebinds its DNS to 127.0.0.1 must not read the run.
            self._send(HTTPStatus.FORBIDDEN, b"Host not allowed\n", "text/plain; charset=utf-8", head)
            return
        url = urlsplit(self.path)
        presented = parse_qs(url.query).get("token", [None])[0]
        if not observer.admits(presented, self.headers.get("Cookie")):
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden: open the URL mimetic printed (it carries the access token)\n",
                       "text/plain; charset=utf-8", head)
            return
        self._set_cookie = presented is not None  # the first tokened request hands the browser its cookie
        path = unquote(url.path)
        if any(len(segment.encode("utf-8", "surrogateescape")) > MAX_SEGMENT_BYTES for segment in path.split("/")):
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head)
            return
        if path in ("/", "/observer", "/observer/"):
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", "/observer/index.html")
            self._common_headers()
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/_mimetic/history.json":
            body = json.dumps(observer.history()).encode("utf-8")
            self._send(HTTPStatus.OK, body, CONTENT_TYPES[".json"], head)
            return
        if path.startswith("/_mimetic/runs/"):
            run_id, _, rest = path[len("/_mimetic/runs/"):].partition("/")
            view = observer.view(run_id)
            if view is None:
                self._send(HTTPStatus.NOT_FOUND, b"Run not found\n", "text/plain; charset=utf-8", head)
                return
            self._serve_run(view, rest, {}, head, url.query)
            return
        self._serve_run(observer.current, path.lstrip("/"), observer.runtime.snapshot(), head, url.query)

    def _serve_run(self, view: RunView, relative: str, urls: dict[str, str], head: bool, query: str = "") -> None:
        if relative in (INDEX_PATH, DATA_PATH):
            answer = view.payload("index" if relative == INDEX_PATH else "data", urls, _since(query))
            if answer is None:
                if relative == INDEX_PATH:
                    page = PREPARING_PAGE.format(run_id=view.store.run_id).encode("utf-8")
                    self._send(HTTPStatus.OK, page, CONTENT_TYPES[".html"], head)
                else:
                    self._send(HTTPStatus.SERVICE_UNAVAILABLE, b'{"error":"run not written yet"}', CONTENT_TYPES[".json"], head)
                return
            body, tag = answer
            if tag in (self.headers.get("If-None-Match") or ""):
                self._send(HTTPStatus.NOT_MODIFIED, b"", CONTENT_TYPES[Path(relative).suffix], True, etag=tag)
                return
            self._send(HTTPStatus.OK, body, CONTENT_TYPES[Path(relative).suffix], head, etag=tag)
            return
        try:
            target = contained(view.store.dir, relative)
        except (MimeticError, ValueError):  # ValueError: an embedded NUL byte
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden: path is outside the run\n", "text/plain; charset=utf-8", head)
            return
        if not target.is_file():
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head)
            return
        ctype = CONTENT_TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] or "text/plain; charset=utf-8"
        self._send(HTTPStatus.OK, target.read_bytes(), ctype, head)

    def _common_headers(self) -> None:
        if getattr(self, "_set_cookie", False):
            self.send_header("Set-Cookie", self.server.observer.cookie())
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")

    def _send(self, status: HTTPStatus, body: bytes, ctype: str, head: bool, etag: str | None = None) -> None:
        self.send_response(status)
        self._common_headers()
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Type", ctype)
        if ctype.startswith("text/html"):
            self.send_header("Content-Security-Policy", SERVED_CSP)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


class ObserverServer:
    """Serve one run's Observer on 127.0.0.1 (port 0 = ephemeral) from a background thread."""

    def __init__(self, project: Project, run_id: str, *, port: int = 0, runtime: RuntimeStreams = stream_urls):
        self.project = project
        self.current = RunView(RunStore(project, run_id, reading=True))
        self.runtime = runtime
        self._port = port
        self._views: dict[str, RunView] = {run_id: self.current}
        self._views_lock = threading.Lock()
        self._httpd: ObserverHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._refresher: threading.Thread | None = None
        self._stopped = threading.Event()
        self.allowed_hosts: frozenset[str] = frozenset()
        self.token = secrets.token_urlsafe(32)

    @property
    def url(self) -> str:
        """The server's origin (requests to it still need the token)."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def observer_url(self) -> str:
        """The page's URL with the access token: the one URL to print or open."""
        return f"{self.url}/{INDEX_PATH}?token={self.token}"

    @property
    def _cookie_name(self) -> str:
        # Cookies are shared by every port of 127.0.0.1, so each server names its own.
        return f"mimetic-observer-{self._httpd.server_address[1] if self._httpd else 0}"

    def cookie(self) -> str:
        return f"{self._cookie_name}={self.token}; Path=/; HttpOnly; SameSite=Strict"

    def admits(self, presented: str | None, cookie_header: str | None) -> bool:
        """Whether a request carries this server's token, in its query or in its cookie."""
        if presented is None and cookie_header:
            from http.cookies import CookieError, SimpleCookie

            try:
                morsel = SimpleCookie(cookie_header).get(self._cookie_name)
            except CookieError:
                morsel = None
            presented = morsel.value if morsel is not None else None
        return presented is not None and hmac.compare_digest(presented.encode(), self.token.encode())

    def start(self) -> str:
        try:
            self._httpd = ObserverHTTPServer(("127.0.0.1", self._port), self)
        except OSError as exc:
            raise MimeticError("MIMETIC_PORT_UNAVAILABLE", f"Cannot listen on 127.0.0.1:{self._port}: {exc.strerror or exc}") from None
        port = self._httpd.server_address[1]
        self.allowed_hosts = frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="mimetic-observer", daemon=True)
        self._thread.start()
        self._stopped.clear()
        run_feeds.subscribe(self.current.store.run_id, self.current.model.apply_changes)
        self._refresher = threading.Thread(target=self._refresh_current, name="mimetic-observer-model", daemon=True)
        self._refresher.start()
        return self.url

    def _refresh_current(self) -> None:
        """Keep the served run's model current off the request path (a poll only reads it)."""
        while not self._stopped.is_set():
            try:
                self.current.model.refresh()
            except Exception:  # noqa: BLE001 - a half-written or odd run.json is read again on the next pass
                pass
            self._stopped.wait(REFRESH_INTERVAL_S)

    def stop(self) -> None:
        self._stopped.set()
        run_feeds.unsubscribe(self.current.store.run_id, self.current.model.apply_changes)
        if self._refresher is not None:
            self._refresher.join(timeout=5)
            self._refresher = None
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> ObserverServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def view(self, run_id: str) -> RunView | None:
        if not readable_run_id(run_id) or not (self.project.runs_dir / run_id).is_dir():
            return None
        with self._views_lock:
            if run_id not in self._views:
                self._views[run_id] = RunView(RunStore(self.project, run_id, reading=True))
            return self._views[run_id]

    def history(self) -> dict[str, Any]:
        """Earlier runs for the history drawer (newest first, at most 80)."""
        try:
            latest = read_json(self.project.runs_dir / "latest.json").get("runId")
        except (OSError, ValueError, AttributeError):
            latest = None
        current = self.current.store.run_id
        runs = []
        for run in newest_first(indexed_runs(self.project))[:HISTORY_LIMIT]:
            summary = run.summary
            href = f"/{INDEX_PATH}" if run.run_id == current else f"/_mimetic/runs/{run.run_id}/{INDEX_PATH}"
            runs.append({"runId": run.run_id, "createdAt": summary.created_at if summary else None,
                         "mode": summary.mode if summary else None, "href": href,
                         "status": summary.verdict if summary else None,
                         "streamCount": summary.stream_count if summary else 0})
        return {"latestRunId": latest, "currentRunId": current, "runs": runs}
