"""The alert archive as a small WSGI application (Flask).

Flask because its Jinja2 templates autoescape (every scraped string is
escaped by construction), its test client renders the very same pages for
the static export, and it is the usual, long-maintained choice for a
read-only site this size.

Pages (each also under ``/nl/`` in Dutch):

* ``/``: alerts, newest first, filters (topic, source, kind, dates), pages;
* ``/alerts/<id>/``: what, where, when, why, the diff inline and side by
  side, and the evidence (capture time, URL, status, sha256, the bytes);
* ``/docs/<source>/<ref>/``: every version of one article or dossier;
* ``/search/?q=``: full-text search over alerts and stored texts (FTS5);
* ``/sources/``: each source's health;
* ``/feed.atom``, ``/topics/<id>/feed.atom``: Atom feeds with the diffs;
* ``/api/alerts``: JSON, the objects of ``watcher alerts --json``;
* ``/captures/<sha256>``: captured bytes, always as a download.

Nothing here writes: the database is opened read-only, only GET and HEAD
are routed, and every answer carries a Content-Security-Policy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request
from markupsafe import Markup, escape
from werkzeug.routing import IntegerConverter

from .. import queries
from ..config import Config
from ..diff import word_diff
from ..matching import Matcher
from ..present import alert_json, bidi_safe, when
from ..reasons import Reason
from ..store import Store, Version
from . import feeds
from .i18n import WORDS, kind_label

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def safe_url(url: Any) -> str:
    """Only http(s) links leave the archive."""
    text = str(url or "")
    return text if text.startswith(("http://", "https://")) else ""


def marked(text: str) -> Markup:
    """Escape a search snippet, then turn its \\x02 … \\x03 markers into <mark>."""
    return Markup(str(escape(text)).replace("\x02", "<mark>").replace("\x03", "</mark>"))


@dataclass(frozen=True)
class Archive:
    """What every request of one archive needs; built once, kept in ``app.extensions``."""

    config: Config
    db_path: Path
    static_root: str | None  # set: rendering for the static export, with this base address ("" if unknown)
    tz: ZoneInfo
    matcher: Matcher
    topics: dict[str, str]
    source_titles: dict[str, str]
    connections: threading.local = field(default_factory=threading.local)  # one read-only Store per server thread


def _archive() -> Archive:
    arc: Archive = current_app.extensions["watcher"]
    return arc


def _store() -> Store:
    """This server thread's read-only connection, opened on its first request.

    Kept from request to request: SQLite's page cache and the store's memo
    of version texts are per connection, and a new one costs a search about
    4 ms more at a million versions.  Each statement still reads the latest
    committed data (WAL)."""
    local = _archive().connections
    store: Store | None = getattr(local, "store", None)
    if store is None:
        store = local.store = Store.open_readonly(_archive().db_path)
    return store


def _lang() -> str:
    # The pages blueprint is registered twice: "fr" at the root, "nl" under /nl.
    return "nl" if request.blueprint == "nl" else "fr"


def highlight(text: str) -> Markup:
    """Escape ``text`` and mark the topic terms found in it."""
    text = text or ""
    spans = [(h.start, h.end) for h in _archive().matcher.match(text)]
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def _depth() -> int:
    return request.path.strip("/").count("/") + (1 if request.path.endswith("/") and request.path != "/" else 0)


def _link(path: str, **query: Any) -> str:
    """A link to an archive path ("alerts/3/"), in the page's language."""
    prefix = "" if _lang() == "fr" else "nl/"
    q = {k: v for k, v in query.items() if v not in (None, "", 1) or (k == "page" and v != 1)}
    if _archive().static_root is not None:
        return "../" * _depth() + prefix + path + ("index.html" if path.endswith("/") or not path else "")
    return "/" + prefix + path + (("?" + urlencode(q)) if q else "")


def _other_lang() -> str:
    here = request.path.lstrip("/")
    if here.startswith("nl/") or here == "nl":
        target = here[3:] if here.startswith("nl/") else ""
    else:
        target = "nl/" + here
    if _archive().static_root is not None:
        return "../" * _depth() + target + ("index.html" if target.endswith("/") or not target else "")
    return "/" + target + (("?" + request.query_string.decode()) if request.query_string else "")


def _root(path: str) -> str:
    """A language-independent file: captures, feeds."""
    return ("../" * _depth() if _archive().static_root is not None else "/") + path


def _helpers() -> dict[str, Any]:
    arc = _archive()
    lang = _lang()
    static = arc.static_root is not None
    return {
        "root": _root,
        "w": WORDS[lang],
        "lang": lang,
        "link": _link,
        "other_lang": _other_lang,
        "static": static,
        "asset": (lambda name: "../" * _depth() + "static/" + name) if static else (lambda name: "/static/" + name),
        "safe_url": safe_url,
        "when": lambda ts: when(ts, arc.tz),
        "highlight": highlight,
        "marked": marked,
        "topics": arc.topics,
        "source_titles": arc.source_titles,
        "kind_label": lambda k: kind_label(WORDS[lang], k),
        "quote": quote,
        "reason": lambda r: r.text(lang) if isinstance(r, Reason) else str(r or ""),
        "doc_link": lambda source_id, ref: _link(f"docs/{quote(source_id)}/{queries.doc_slug(ref)}/"),
    }


pages = Blueprint("pages", __name__)
"""The HTML pages, registered as "fr" at the root and as "nl" under /nl/."""

pages.app_context_processor(lambda: _helpers() if request else {})


def _filters_from_request() -> queries.Filters:
    """Filters as typed, with the dates read as whole local days."""
    a = request.args
    tz = _archive().tz
    since, until = a.get("since", ""), a.get("until", "")
    return queries.Filters(
        topic=a.get("topic", ""), source=a.get("source", ""), kind=a.get("kind", ""),
        since=queries.read_day(since[:10], tz) if since else "",
        until=queries.read_day(until[:10], tz, next_day=True) if until else "",
        q=queries.read_query(a.get("q", "")),
    )


def _form_values() -> dict[str, str]:
    return {k: request.args.get(k, "") for k in ("topic", "source", "kind", "since", "until")}


@pages.get("/")
@pages.get("/page/<int(min=1, max=10000000):page>/")
def index(page: int = 1) -> str:
    arc = _archive()
    rows, n = queries.alerts(_store(), _filters_from_request(), page, count=arc.static_root is not None)
    return render_template(
        "index.html", alerts=rows, page=page, pages=n, f=_form_values(),
        kinds=queries.alert_kinds(), source_ids=[s.id for s in arc.config.sources],
    )


@pages.get("/topics/<topic_id>/")
@pages.get("/topics/<topic_id>/page/<int(min=1, max=10000000):page>/")
def topic_page(topic_id: str, page: int = 1) -> str:
    arc = _archive()
    if topic_id not in arc.topics:
        abort(404)
    rows, n = queries.alerts(_store(), queries.Filters(topic=topic_id), page, count=arc.static_root is not None)
    empty = {"topic": topic_id, "source": "", "kind": "", "since": "", "until": ""}
    return render_template("index.html", alerts=rows, page=page, pages=n, f=empty, kinds=[], source_ids=[], topic_id=topic_id)


@pages.get("/alerts/<int(min=1, max=9007199254740991):alert_id>/")
def alert_page(alert_id: int) -> str:
    a = _store().alert(alert_id)
    if a is None:
        abort(404)
    return render_template(
        "alert.html", a=a, ev=queries.evidence(_store(), a), story=_store().story_of(a.id), notes=_store().notes_for(a.id)
    )


@pages.get("/stories/")
def stories_page() -> str:
    return render_template("stories.html", rows=_store().stories(), title=WORDS[_lang()]["stories"], intro="")


@pages.get("/pending/")
def pending_page() -> str:
    w = WORDS[_lang()]
    return render_template("stories.html", rows=_store().stories(pending_consolidation=True), title=w["pending"],
                           intro=w["pending_intro"])


@pages.get("/stories/<int(min=1, max=9007199254740991):story_id>/")
def story_page(story_id: int) -> str:
    row = _store().story(story_id)
    if row is None:
        abort(404)
    return render_template("story.html", story=row, steps=_store().story_steps(story_id), notes=_store().story_notes(story_id))


@pages.get("/docs/<source_id>/<path:ref>/")
def doc_page(source_id: str, ref: str) -> str:
    doc = queries.document_by_slug(_store(), source_id, ref)
    if doc is None:
        abort(404)
    steps = []
    previous: Version | None = None
    for v in queries.timeline(_store(), doc.id):
        steps.append({
            "v": v,
            "diff": word_diff(previous.text, v.text) if previous else None,
            "new_events": [e for e in v.events if not previous or e not in previous.events],
            "status_changed": previous is not None and previous.status != v.status,
        })
        previous = v
    return render_template("doc.html", doc=doc, steps=list(reversed(steps)))


@pages.get("/search/")
def search_page() -> str:
    q = request.args.get("q", "").strip()
    live = _archive().static_root is None
    results = queries.search(_store(), q) if q and live else {"alerts": [], "texts": []}
    return render_template("search.html", q=q, results=results)


@pages.get("/sources/")
def sources_page() -> str:
    configured = {s.id: s for s in _archive().config.sources}
    return render_template("sources.html", rows=queries.sources(_store()), configured=configured)


data = Blueprint("data", __name__)
"""Language-independent answers: Atom feeds, the JSON API, captured bytes."""


def _base_url() -> str:
    """Where the feeds' links point: ``[settings] archive_url``, else links
    relative to the site's root; never the request's ``Host:`` header, which
    a visitor chooses."""
    arc = _archive()
    if arc.static_root is not None:
        return arc.static_root
    url = arc.config.settings.archive_url
    return url.rstrip("/") + "/" if url else "/"


@data.get("/feed.atom")
def feed_all() -> Response:
    arc = _archive()
    rows = queries.all_alerts(_store(), queries.Filters(), limit=feeds.SIZE)
    notes = _store().notes_for_many([r.id for r in rows])
    return feeds.response(feeds.atom(rows, _base_url(), "watcher", "feed.atom", arc.topics, arc.tz, notes=notes))


@data.get("/topics/<topic_id>/feed.atom")
def feed_topic(topic_id: str) -> Response:
    arc = _archive()
    if topic_id not in arc.topics:
        abort(404)
    rows = queries.all_alerts(_store(), queries.Filters(topic=topic_id), limit=feeds.SIZE)
    title = f"watcher — {arc.topics[topic_id]}"
    notes = _store().notes_for_many([r.id for r in rows])
    return feeds.response(
        feeds.atom(rows, _base_url(), title, f"topics/{topic_id}/feed.atom", arc.topics, arc.tz, notes=notes)
    )


@data.get("/api/alerts")
def api_alerts() -> Response:
    a = request.args
    tz = _archive().tz
    since = a.get("since", "")
    try:
        f = queries.Filters(
            topic=a.get("topic", ""), source=a.get("source", ""),
            since=queries.read_day(since, tz) if since else "", q=queries.read_query(a.get("q", "")),
        )
        limit_text = a.get("limit", "500")
        if not limit_text.isascii() or not limit_text.isdigit():
            raise queries.BadInput("limit must be a number")
        rows = queries.all_alerts(_store(), f, limit=max(1, min(int(limit_text), 5000)))
    except queries.BadInput as e:
        return _json_error(str(e))
    ids = [r.id for r in rows]
    stories, notes = _store().stories_of(ids), _store().notes_for_many(ids)
    return jsonify([alert_json(r, tz, story=stories.get(r.id), notes=notes.get(r.id, ())) for r in reversed(rows)])


def _json_error(message: str, status: int = 400) -> Response:
    resp = jsonify({"error": message})
    resp.status_code = status
    return resp


@data.get("/captures/<sha>")
def capture(sha: str) -> Response:
    body = queries.payload(_store(), sha)
    if body is None:
        abort(404)
    # Captured pages are evidence, never rendered: always a download.
    return Response(
        body, mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{sha}.bin"'},
    )


def _security_headers(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


class AsciiInt(IntegerConverter):
    """An id or page number in ASCII digits only ("١٢" is not 12 here)."""

    regex = r"[0-9]+"


def _bad_input(e: queries.BadInput) -> tuple[str, int]:
    """A refused filter or search: 400, with the reason, as a small page."""
    w = WORDS[_lang()] if request else WORDS["fr"]
    return render_template("error.html", message=str(e), title=w.get("bad_request", "400")), 400


def create_app(config: Config, db_path: Path, *, static_root: str | None = None) -> Flask:
    """The archive app; ``static_root`` set means "render for the static export"."""
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.url_map.converters["int"] = AsciiInt  # before any route is added
    app.extensions["watcher"] = Archive(
        config=config,
        db_path=db_path,
        static_root=static_root,
        tz=ZoneInfo(config.settings.timezone),
        matcher=Matcher(config.topics),
        topics={t.id: t.title or t.id for t in config.topics},
        source_titles={s.id: s.title or s.id for s in config.sources},
    )
    app.jinja_env.finalize = bidi_safe
    app.after_request(_security_headers)
    app.register_error_handler(queries.BadInput, _bad_input)
    app.register_blueprint(pages, name="fr")
    app.register_blueprint(pages, url_prefix="/nl", name="nl")
    app.register_blueprint(data)
    return app
