"""`watcher export`: the archive as static files any static host can serve.

Every page is rendered by the same Flask app (through its test client), in
French at the root and in Dutch under ``nl/``, with relative links; plus
the Atom feeds, ``api/alerts.json``, the captured bytes the alerts cite and
``search-index.json`` for the in-browser search.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from .. import queries
from ..config import Config
from ..errors import StoreError
from ..present import when
from ..store import Store
from . import feeds
from .app import create_app


def export(config: Config, db_path: Path, out: Path, on_file: Callable[[], None] | None = None) -> int:
    """Write the static archive to ``out``; return the number of files."""
    base = config.settings.archive_url.rstrip("/") + "/" if config.settings.archive_url else ""
    app = create_app(config, db_path, static_root=base)
    client = app.test_client()
    store = Store.open_readonly(db_path)
    tz = ZoneInfo(config.settings.timezone)
    written = 0

    def save(path: str, body: bytes) -> None:
        nonlocal written
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written += 1
        if on_file is not None:
            on_file()

    def page(url: str) -> None:
        resp = client.get(url)
        if resp.status_code != 200:
            raise StoreError(f"export: {url} answered {resp.status_code}")
        path = url.lstrip("/")
        save(path + "index.html" if path.endswith("/") or not path else path, resp.data)

    try:
        out.mkdir(parents=True, exist_ok=True)
        alerts = queries.all_alerts(store, queries.Filters())
        pages = max(1, -(-len(alerts) // queries.PAGE_SIZE))
        docs = store.document_refs()
        stories = store.stories()
        recent = queries.all_alerts(store, queries.Filters(), limit=feeds.SIZE)
        titles = {t.id: t.title or t.id for t in config.topics}
        for prefix in ("/", "/nl/"):
            page(prefix)
            for n in range(2, pages + 1):
                page(f"{prefix}page/{n}/")
            for topic in config.topics:
                page(f"{prefix}topics/{topic.id}/")
                _, topic_pages = queries.alerts(store, queries.Filters(topic=topic.id))
                for n in range(2, topic_pages + 1):
                    page(f"{prefix}topics/{topic.id}/page/{n}/")
            for a in alerts:
                page(f"{prefix}alerts/{a.id}/")
            for source_id, ref in docs:
                page(f"{prefix}docs/{quote(source_id)}/{queries.doc_slug(ref)}/")
            page(f"{prefix}search/")
            page(f"{prefix}sources/")
            page(f"{prefix}stories/")
            page(f"{prefix}pending/")
            for s in stories:
                page(f"{prefix}stories/{s['id']}/")
            # Feeds: absolute links when the archive's address is known, else
            # links relative to each feed's own folder (French pages at the
            # root, Dutch ones under nl/).
            lang_dir = prefix.lstrip("/")
            save(lang_dir + "feed.atom", feeds.atom(recent, base or "", "watcher", "feed.atom", titles, tz))
            for topic in config.topics:
                rows = queries.all_alerts(store, queries.Filters(topic=topic.id), limit=feeds.SIZE)
                save(
                    f"{lang_dir}topics/{topic.id}/feed.atom",
                    feeds.atom(rows, base or "../../", f"watcher — {titles[topic.id]}", f"topics/{topic.id}/feed.atom", titles, tz),
                )
        save("api/alerts.json", client.get("/api/alerts?limit=5000").data)
        for sha in {a.sha256 for a in alerts if a.sha256}:
            body = queries.payload(store, sha)
            if body is not None:
                save(f"captures/{sha}.bin", body)
        index = [
            {
                "id": a.id,
                "title": a.title,
                "kind": a.kind,
                "detected": when(a.detected_at, tz),
                "text": " ".join(x for x in (a.title, a.reason.text("en"), a.snippet, (a.after or "")[:4000], (a.before or "")[:4000])),
            }
            for a in alerts
        ]
        save("search-index.json", json.dumps(index, ensure_ascii=False).encode("utf-8"))
        static_dir = Path(__file__).parent / "static"
        (out / "static").mkdir(parents=True, exist_ok=True)
        for f in static_dir.iterdir():
            shutil.copyfile(f, out / "static" / f.name)
            written += 1
    finally:
        store.close()
    return written
