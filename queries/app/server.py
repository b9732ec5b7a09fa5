"""``equitygraph serve``: the explorer, a read-only local web application over a store.

Starlette (with uvicorn) rather than Flask or FastAPI: the app is a dozen GET routes returning
JSON and a few static files; Starlette gives routing, a test client and ASGI middleware in one
small dependency, and FastAPI's request models would add pydantic for nothing here.

Security: the page and the data are on one origin; data reaches the browser only as JSON; no
route writes; only GET and HEAD are answered; a Content-Security-Policy allows scripts from the
app's own files only (no inline script, no eval); query strings, page sizes and search texts are
capped; static files are looked up by name inside their folder. Bound to 127.0.0.1, requests must
name that host (a web page cannot reach the app by rebinding a domain name to it); any other bind
address requires the access token on every request (a bearer header, or ``?token=`` once, which
sets a strict cookie).
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import threading
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ...graph import cancel
from ...graph.errors import EquityGraphError
from ...graph.stores.base import Store
from .. import explore, i18n
from . import params, questions
from ..render import json_text

STATIC = Path(__file__).with_name("static")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_QUERY = 2048
MAX_SEARCH = 200
WORKERS = 4  # threads answering requests (each holds its own store connection)
HEAVY_AT_ONCE = WORKERS - 1  # views, trees, pages and neighbours at once: a thread stays free for the rest
HEAVY_SECONDS = 30  # the most a view may take before the answer is "narrow it"
BUSY = "busy: other views are being drawn; try again in a moment"
TOO_LARGE = ("too large to draw within {seconds} s: narrow it (a higher minimum share, fewer kinds of ties, "
             "or the penetration tree)")
TOKEN_COOKIE = "equitygraph_token"
REPORT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
MIN_TOKEN = 32  # characters: what new_token makes (24 random bytes)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"), (b"cache-control", b"no-store")]
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml"}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def vis_folder() -> Path:
    import pyvis

    return Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"


class Stores:
    """One store per worker thread (SQLite connections belong to the thread that opened them)."""

    def __init__(self, open_store: Callable[[], Store]):
        self._open = open_store
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self._open()
            with self._lock:
                self._all.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            for store in self._all:
                store.close()
            self._all.clear()


def make_app(open_store: Callable[[], Store], token: str | None = None, host: str = "127.0.0.1",
             lang: str = "en"):
    """The ASGI app. ``token``: required on every request when set (it must be for a host other
    than the loopback); ``lang``: the language when a request names none."""
    if host not in LOOPBACK and not token:
        raise ValueError(f"serving on {host} needs an access token")
    if token is not None and len(token) < MIN_TOKEN:
        raise ValueError(f"an access token needs at least {MIN_TOKEN} characters, got {len(token)}")
    stores = Stores(open_store)
    heavy = threading.BoundedSemaphore(HEAVY_AT_ONCE)

    def answer(compute, is_heavy: bool = False):
        return _endpoint(stores, lang, compute, heavy if is_heavy else None)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKERS + HEAVY_AT_ONCE
        yield
        # Work given up (past its budget, its client gone) may still run on its thread's store: the stores
        # are closed once every heavy place is free again, never under it.
        for _ in range(HEAVY_AT_ONCE):
            heavy.acquire()
        try:
            stores.close()
        finally:
            for _ in range(HEAVY_AT_ONCE):
                heavy.release()

    routes = [
        Route("/", _page), Route("/static/{name:path}", _static),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/api/search", answer(_search)), Route("/api/entity/{id}", answer(_entity, True)),
        Route("/api/neighbours/{id}", answer(_neighbours, True)), Route("/api/view/{id}", answer(_view, True)),
        Route("/api/tree/{id}", answer(_tree, True)), Route("/api/messages", answer(_messages)),
        *(Route(f"/api/{q}/{{id}}", answer(questions.about_one(q), True)) for q in questions.ABOUT_ONE),
        Route("/api/risk/{id}", answer(questions.risk, True)), Route("/api/between", answer(questions.between, True)),
        Route("/api/warnings", answer(questions.early_warnings, True)),
        Route("/api/changes/{id}", answer(questions.changes, True)), Route("/api/alerts", answer(questions.alerts, True)),
        Route("/api/report/{id}", answer(_report, True)),
    ]
    return Guard(Starlette(routes=routes, lifespan=lifespan), token, host)


def _reply(value, status: int = 200) -> Response:
    if isinstance(value, Response):  # a file to download: the case report
        return value
    return Response(json_text(value), status_code=status, media_type="application/json")


def _endpoint(stores: "Stores", lang: str, compute, heavy: threading.BoundedSemaphore | None = None):
    """An endpoint running ``compute(store, request)`` in a worker thread in the request's language;
    bad parameters and unknown ids are 400 and 404 with one line, anything else a 500 line.

    A ``heavy`` endpoint takes one of its few places or answers 503 at once (a queue of slow views
    would hold up every other request); past ``HEAVY_SECONDS``, or when its client goes away, its
    answer is given up: the work stops at its next checkpoint (:mod:`..graph.cancel`) and only then
    frees its place."""

    async def endpoint(request: Request) -> Response:
        chosen = request.query_params.get("lang") or lang
        if chosen not in i18n.LANGUAGES:
            return _reply({"error": f"lang: {chosen!r} is not one of {', '.join(i18n.LANGUAGES)}"}, 400)
        place = _Place(heavy) if heavy is not None else None
        if place is not None and not place.taken:
            return _reply({"error": BUSY}, 503)

        def work():
            if place is not None and not place.start():
                return None  # given up before it began
            try:
                with i18n.language(chosen), (cancel.cancellable(place.given_up, HEAVY_SECONDS) if place else contextlib.nullcontext()):
                    return compute(stores.get(), request)
            finally:
                if place is not None:
                    place.finish()

        try:
            if place is None:
                return _reply(await anyio.to_thread.run_sync(work))
            return await _within_budget(request, work, place.given_up)
        except explore.NotFound as e:
            return _reply({"error": str(e)}, 404)
        except (ValueError, EquityGraphError) as e:
            return _reply({"error": str(e)}, 400)
        except Exception as e:  # a bug: one line, never a traceback to the browser
            return _reply({"error": f"internal error: {type(e).__name__}"}, 500)
        finally:
            if place is not None:
                place.drop()

    return endpoint


async def _within_budget(request: Request, work, given_up: threading.Event) -> Response:
    """``work``'s answer, or 503 past the time budget; nothing when the client went away. Either way
    ``given_up`` is set, so that the work stops too."""
    outcome = {}
    async with anyio.create_task_group() as group:
        async def watch():
            while not await request.is_disconnected():
                await anyio.sleep(0.25)
            outcome["gone"] = True
            group.cancel_scope.cancel()

        async def run():
            with anyio.move_on_after(HEAVY_SECONDS) as timer:
                try:
                    outcome["value"] = await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
                except Exception as e:  # raised again below, as itself rather than inside a group
                    outcome["error"] = e
            outcome["late"] = timer.cancelled_caught
            group.cancel_scope.cancel()

        group.start_soon(watch)
        group.start_soon(run)
    if "value" not in outcome:
        given_up.set()
    if "error" in outcome:
        raise outcome["error"]
    if outcome.get("gone"):
        return Response(status_code=499)  # nobody is listening; the status is for the log
    if outcome.get("late"):
        return _reply({"error": TOO_LARGE.format(seconds=HEAVY_SECONDS)}, 503)
    return _reply(outcome["value"])


class _Place:
    """One of the few places heavy work may run in: taken at once or not at all, freed when the work
    ends (or when it was given up before it began), never twice."""

    def __init__(self, places: threading.BoundedSemaphore):
        self.places = places
        self.taken = places.acquire(blocking=False)
        self.lock = threading.Lock()
        self.state = "waiting" if self.taken else "none"
        self.given_up = threading.Event()

    def start(self) -> bool:
        with self.lock:
            if self.state != "waiting":
                return False
            self.state = "running"
            return True

    def finish(self) -> None:
        with self.lock:
            if self.state == "running":
                self.state = "done"
                self.places.release()

    def drop(self) -> None:
        with self.lock:
            if self.state == "waiting":
                self.state = "dropped"
                self.places.release()


def _search(store, request):
    text = request.query_params.get("q", "")
    if len(text) > MAX_SEARCH:
        raise ValueError(f"q is longer than {MAX_SEARCH} characters")
    return {"query": text, "hits": explore.suggestions(store, text, params.number(request, "limit", 10, 1, 50))}


def _entity(store, request):
    return explore.entity_page(store, request.path_params["id"], params.filters(request).as_of)


def _neighbours(store, request):
    return explore.neighbours(store, request.path_params["id"], params.filters(request),
                              params.number(request, "offset", 0, 0, 10**9), params.number(request, "limit", 25, 1, explore.MAX_PAGE))


def _view(store, request):
    return explore.first_view(store, request.path_params["id"], params.filters(request),
                              params.number(request, "limit", 25, 1, explore.MAX_PAGE))


def _tree(store, request):
    return explore.tree(store, request.path_params["id"], params.filters(request).as_of,
                        params.number(request, "up", 2, 0, 8), params.number(request, "down", 1, 0, 4),
                        params.number(request, "limit", 50, 1, explore.MAX_PAGE))


def _report(store, request):
    """The case report on an entity as a file to keep: HTML (graph embedded) or PDF."""
    from ..pages.case_report import case_report

    wanted = request.query_params.get("format", "html")
    if wanted not in REPORT_TYPES:
        raise ValueError(f"format must be one of {', '.join(REPORT_TYPES)}, got {params.shown(wanted)}")
    entity = explore.entity_by_id(store, request.path_params["id"])
    html = case_report(store, entity.id, as_of=params.filters(request).as_of).html
    content = html.encode("utf-8") if wanted == "html" else _printed(html)
    # The id in the file name only where it is plain: a header carries no quotes, slashes or newlines.
    plain = "".join(ch for ch in entity.id if ch.isascii() and (ch.isalnum() or ch in "-_.")) or "entity"
    return Response(content, media_type=REPORT_TYPES[wanted],
                    headers={"content-disposition": f'attachment; filename="equitygraph-report-{plain}.{wanted}"'})


def _printed(html: str) -> bytes:
    import tempfile

    from ..pages.pdf import print_pdf

    with tempfile.TemporaryDirectory(prefix="equitygraph-report-") as work:
        return print_pdf(html, Path(work) / "report.pdf").read_bytes()


def _messages(store, request):
    return {"lang": i18n.current(), "messages": i18n.catalog(i18n.current())}


async def _page(request: Request) -> Response:
    return FileResponse(STATIC / "explorer.html", media_type=TYPES[".html"])


async def _static(request: Request) -> Response:
    name = request.path_params["name"]
    # Names only: no folders, no "..", no control characters (a NUL makes the file system raise), nothing
    # outside the folder whatever the path says.
    if "/" in name or "\\" in name or name.startswith(".") or not name.isprintable():
        return _reply({"error": "not found"}, 404)
    folder = vis_folder() if name in ("vis-network.min.js", "vis-network.css") else STATIC
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or not path.is_file():
        return _reply({"error": "not found"}, 404)
    return FileResponse(path, media_type=TYPES.get(path.suffix, "application/octet-stream"))


class Guard:
    """ASGI middleware: methods, sizes, the Host header on the loopback, the token, and the
    security headers on every response."""

    def __init__(self, app, token: str | None, host: str):
        self.app, self.token, self.loopback = app, token, host in LOOPBACK

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refusal = self.refusal(scope)
        if refusal is not None:
            status, message, extra = refusal
            return await self.send_json(send, status, message, extra)

        async def with_headers(event):
            if event["type"] == "http.response.start":
                event["headers"] = list(event.get("headers", [])) + HEADERS
            await send(event)

        await self.app(scope, receive, with_headers)

    def refusal(self, scope):
        if scope["method"] not in ("GET", "HEAD"):
            return 405, "read-only: only GET and HEAD are answered", [(b"allow", b"GET, HEAD")]
        query = scope.get("query_string", b"")
        if len(query) > MAX_QUERY or len(scope.get("raw_path") or scope["path"].encode()) > MAX_QUERY:
            return 414, "request too long", []
        headers = dict(scope.get("headers", []))
        if self.loopback and not self.token:
            host = headers.get(b"host", b"").decode("latin-1").rsplit(":", 1)[0].strip("[]")
            if host not in LOOPBACK:
                return 403, "this app answers only requests to 127.0.0.1 or localhost", []
        if scope["path"].startswith("/api/") and not _same_origin(headers):
            return 403, "cross-site requests are refused: open the explorer from its own address", []
        if self.token:
            given = _bearer(headers.get(b"authorization", b"")) or _cookie(headers.get(b"cookie", b""))
            in_query = dict(parse_qsl(query.decode("latin-1"))).get("token")
            if in_query and hmac.compare_digest(in_query.encode(), self.token.encode()):
                # Once from the address printed at start; then a cookie, and the token out of the address.
                rest = urlencode([(k, v) for k, v in parse_qsl(query.decode("latin-1")) if k != "token"])
                # A path on this server only: "//evil.example/" (or "/\\evil") would send the browser away.
                location = "/" + quote(scope["path"].lstrip("/\\"), safe="/-._~") + (f"?{rest}" if rest else "")
                cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                return 303, "", [(b"location", location.encode()), (b"set-cookie", cookie.encode())]
            if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
                return 401, "an access token is required (open the address the server printed)", []
        return None

    @staticmethod
    async def send_json(send, status: int, message: str, extra):
        body = json_text({"error": message}).encode() if message else b""
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                *extra, *HEADERS]})
        await send({"type": "http.response.body", "body": body})


def _same_origin(headers: dict) -> bool:
    """Whether a request comes from this app's own pages (or from no page: a typed address, a
    script): browsers say where a request comes from in Sec-Fetch-Site, and for scripts in Origin."""
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
    if site and site not in ("same-origin", "none"):
        return False
    origin = headers.get(b"origin", b"").decode("latin-1")
    if origin and origin != "null":
        return urlsplit(origin).netloc.lower() == headers.get(b"host", b"").decode("latin-1").lower()
    return origin != "null"


def _bearer(value: bytes) -> str:
    text = value.decode("latin-1")
    return text[7:].strip() if text.lower().startswith("bearer ") else ""


def _cookie(value: bytes) -> str:
    for part in value.decode("latin-1").split(";"):
        name, _, content = part.strip().partition("=")
        if name == TOKEN_COOKIE:
            return content
    return ""
