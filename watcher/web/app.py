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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, g, jsonify, render_template, request
from markupsafe import Markup, escape

from ..config import Config
from ..matching import Matcher
from ..present import alert_json
from ..reasons import translate
from ..store import Store
from . import data, feeds
from .i18n import LANGS, WORDS, kind_label

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


def create_app(config: Config, db_path: Path, *, static_root: str | None = None) -> Flask:
    """The archive app; ``static_root`` set means "render for the static export"."""
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config["WATCHER"] = config
    tz = ZoneInfo(config.settings.timezone)
    matcher = Matcher(config.topics)
    topics = {t.id: t.title or t.id for t in config.topics}
    source_titles = {s.id: s.title or s.id for s in config.sources}
    local_ = threading.local()

    def store() -> Store:
        if "store" not in g:
            g.store = Store.open_readonly(db_path)
        return g.store  # type: ignore[no-any-return]

    @app.teardown_appcontext
    def _close(_: BaseException | None) -> None:
        s = g.pop("store", None)
        if s is not None:
            s.close()

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp

    def highlight(text: str) -> Markup:
        """Escape ``text`` and mark the topic terms found in it."""
        text = text or ""
        spans = [(h.start, h.end) for h in matcher.match(text)]
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

    def when(ts: str | None) -> str:
        if not ts:
            return "—"
        return datetime.fromisoformat(ts).astimezone(tz).strftime("%Y-%m-%d %H:%M")

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        lang = getattr(local_, "lang", "fr")
        depth = getattr(local_, "depth", 0)

        def link(path: str, **query: Any) -> str:
            """A link to an archive path ("alerts/3/"), in the page's language."""
            prefix = "" if lang == "fr" else "nl/"
            q = {k: v for k, v in query.items() if v not in (None, "", 1) or (k == "page" and v != 1)}
            if static_root is not None:
                return "../" * depth + prefix + path + ("index.html" if path.endswith("/") or not path else "")
            return "/" + prefix + path + (("?" + urlencode(q)) if q else "")

        def other_lang() -> str:
            here = request.path.lstrip("/")
            if here.startswith("nl/") or here == "nl":
                here = here[3:] if here.startswith("nl/") else ""
                target = here
            else:
                target = "nl/" + here
            if static_root is not None:
                return "../" * depth + target + ("index.html" if target.endswith("/") or not target else "")
            return "/" + target + (("?" + request.query_string.decode()) if request.query_string else "")

        def root(path: str) -> str:
            """A language-independent file: captures, feeds."""
            return ("../" * depth if static_root is not None else "/") + path

        return {
            "root": root,
            "w": WORDS[lang],
            "lang": lang,
            "link": link,
            "other_lang": other_lang,
            "static": static_root is not None,
            "asset": (lambda name: "../" * depth + "static/" + name) if static_root is not None else (lambda name: "/static/" + name),
            "safe_url": safe_url,
            "when": when,
            "highlight": highlight,
            "marked": marked,
            "topics": topics,
            "source_titles": source_titles,
            "kind_label": lambda k: kind_label(WORDS[lang], k),
            "quote": quote,
            "reason": lambda text: translate(text, lang),
            "doc_link": lambda source_id, ref: link(f"docs/{quote(source_id)}/{data.doc_slug(ref)}/"),
        }

    def page_lang(lang: str) -> None:
        if lang not in LANGS:
            abort(404)
        local_.lang = lang
        local_.depth = request.path.strip("/").count("/") + (1 if request.path.endswith("/") and request.path != "/" else 0)

    def filters_from_request() -> data.Filters:
        """Filters as typed, with the dates read as whole local days."""
        a = request.args
        since, until = a.get("since", ""), a.get("until", "")
        return data.Filters(
            topic=a.get("topic", ""), source=a.get("source", ""), kind=a.get("kind", ""),
            since=_local_day(since, tz) if since else "",
            until=_local_day(until, tz, next_day=True) if until else "",
            q=a.get("q", ""),
        )

    def form_values() -> dict[str, str]:
        return {k: request.args.get(k, "") for k in ("topic", "source", "kind", "since", "until")}

    def routes(prefix: str, lang: str) -> None:
        def index(page: int = 1) -> str:
            page_lang(lang)
            f = filters_from_request()
            rows, pages = data.alerts(store(), f, page, count=static_root is not None)
            return render_template(
                "index.html", alerts=rows, page=page, pages=pages, f=form_values(),
                kinds=data.kinds(store()), source_ids=[s.id for s in config.sources],
            )

        def topic_page(topic_id: str, page: int = 1) -> str:
            page_lang(lang)
            if topic_id not in topics:
                abort(404)
            f = data.Filters(topic=topic_id)
            rows, pages = data.alerts(store(), f, page, count=static_root is not None)
            return render_template(
                "index.html", alerts=rows, page=page, pages=pages, f={"topic": topic_id, "source": "", "kind": "", "since": "", "until": ""}, kinds=[], source_ids=[], topic_id=topic_id
            )

        def alert_page(alert_id: int) -> str:
            page_lang(lang)
            row = data.alert(store(), alert_id)
            if row is None:
                abort(404)
            return render_template("alert.html", a=row, ev=data.evidence(store(), row))

        def doc_page(source_id: str, ref: str) -> str:
            page_lang(lang)
            doc = data.document_by_slug(store(), source_id, ref)
            if doc is None:
                abort(404)
            versions = data.timeline(store(), doc["id"])
            from ..diff import word_diff

            steps = []
            previous: dict[str, Any] | None = None
            for v in versions:
                diff = word_diff(previous["text"], v["text"]) if previous else None
                new_events = [e for e in v["events"] if not previous or e not in previous["events"]]
                steps.append({"v": v, "diff": diff, "new_events": new_events,
                              "status_changed": bool(previous) and previous.get("status") != v.get("status")})
                previous = v
            return render_template("doc.html", doc=doc, steps=list(reversed(steps)))

        def search_page() -> str:
            page_lang(lang)
            q = request.args.get("q", "").strip()
            results = data.search(store(), q) if q and static_root is None else {"alerts": [], "texts": []}
            return render_template("search.html", q=q, results=results)

        def sources_page() -> str:
            page_lang(lang)
            return render_template("sources.html", rows=data.sources(store()), configured={s.id: s for s in config.sources})

        p = prefix
        app.add_url_rule(f"{p}/", f"index_{lang}", index, methods=["GET"])
        app.add_url_rule(f"{p}/page/<int(min=1, max=10000000):page>/", f"index_page_{lang}", index, methods=["GET"])
        app.add_url_rule(f"{p}/topics/<topic_id>/", f"topic_{lang}", topic_page, methods=["GET"])
        app.add_url_rule(f"{p}/topics/<topic_id>/page/<int(min=1, max=10000000):page>/", f"topic_page_{lang}", topic_page, methods=["GET"])
        app.add_url_rule(f"{p}/alerts/<int(min=1, max=9007199254740991):alert_id>/", f"alert_{lang}", alert_page, methods=["GET"])
        app.add_url_rule(f"{p}/docs/<source_id>/<path:ref>/", f"doc_{lang}", doc_page, methods=["GET"])
        app.add_url_rule(f"{p}/search/", f"search_{lang}", search_page, methods=["GET"])
        app.add_url_rule(f"{p}/sources/", f"sources_{lang}", sources_page, methods=["GET"])

    routes("", "fr")
    routes("/nl", "nl")

    def base_url() -> str:
        if static_root is not None:
            return static_root
        return request.host_url.rstrip("/") + "/"

    @app.get("/feed.atom")
    def feed_all() -> Response:
        rows = data.all_alerts(store(), data.Filters(), limit=feeds.SIZE)
        return feeds.response(feeds.atom(rows, base_url(), "watcher", "feed.atom", topics, tz))

    @app.get("/topics/<topic_id>/feed.atom")
    def feed_topic(topic_id: str) -> Response:
        if topic_id not in topics:
            abort(404)
        rows = data.all_alerts(store(), data.Filters(topic=topic_id), limit=feeds.SIZE)
        return feeds.response(
            feeds.atom(rows, base_url(), f"watcher — {topics[topic_id]}", f"topics/{topic_id}/feed.atom", topics, tz)
        )

    @app.get("/api/alerts")
    def api_alerts() -> Response:
        a = request.args
        since = a.get("since", "")
        if since and not _is_date(since):
            return Response('{"error": "since must be an ISO date such as 2026-11-01"}', 400, mimetype="application/json")
        f = data.Filters(topic=a.get("topic", ""), source=a.get("source", ""), since=_utc_day(since, tz) if since else "", q=a.get("q", ""))
        try:
            limit = int(a.get("limit", "500"))
        except ValueError:
            return Response('{"error": "limit must be a number"}', 400, mimetype="application/json")
        rows = data.all_alerts(store(), f, limit=max(1, min(limit, 5000)))
        return jsonify([alert_json(r, tz) for r in reversed(rows)])

    @app.get("/captures/<sha>")
    def capture(sha: str) -> Response:
        body = data.payload(store(), sha)
        if body is None:
            abort(404)
        # Captured pages are evidence, never rendered: always a download.
        return Response(
            body, mimetype="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{sha}.bin"'},
        )

    return app


def _local_day(value: str, tz: ZoneInfo, *, next_day: bool = False) -> str:
    """The UTC moment a local day starts (or the next one does); "" if not a date."""
    try:
        day = datetime.fromisoformat(value[:10])
    except ValueError:
        return ""
    if next_day:
        from datetime import timedelta

        day += timedelta(days=1)
    return day.replace(tzinfo=tz).astimezone(timezone.utc).isoformat(timespec="seconds")


def _is_date(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _utc_day(value: str, tz: ZoneInfo) -> str:
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")
