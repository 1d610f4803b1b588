"""Signal quality: the default topics scored on real labelled items.

Usage:  python benchmarks/signal_quality.py [CORPUS.jsonl] [--config sources.toml] [--json]

Exactly as ../shared/corpus/README.md describes: the items are served as the
entries of one RSS feed (title; body as the description; a link and guid
per item) on a local server, watched as a `feed` source with every topic
of the default `sources.toml`, after a first check that sets the baseline
(the feed with no item).  An item counts as alerted when it raises an
alert.  Recall is the share of relevant items alerted; precision the share
of alerted (relevant + irrelevant) items that are relevant; `ambiguous`
items are not scored.  Prints both overall, per language and per kind, and
the missed and the false items.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import threading
import tomllib
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
CORPUS = Path(os.environ.get("WATCHER_CORPUS", ROOT.parent / "shared" / "corpus" / "dev.jsonl"))


def rss(items: list[dict[str, Any]], base: str) -> bytes:
    entries = "".join(
        f"<item><title>{escape(it['title'])}</title><link>{base}/items/{it['id']}</link>"
        f'<guid isPermaLink="false">{it["id"]}</guid><description>{escape(it.get("body") or "")}</description></item>\n'
        for it in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>corpus</title>'
        f"<link>{base}/</link><description>labelled items</description>\n{entries}</channel></rss>\n"
    ).encode()


def score(items: list[dict[str, Any]], config_text: str) -> dict[str, Any]:
    """Serve, check twice, and score the alerts against the labels."""
    from watcher.cli import run_cli

    body = {"feed": rss([], "http://127.0.0.1")}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path != "/feed":
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(body["feed"])

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "sources.toml"
            data = tomllib.loads(config_text)
            topics = config_text[config_text.index("[[topic]]") : _end_of_topics(config_text)]
            cfg.write_text(
                "[settings]\nhost_delay = 0\nrobots = false\nretries = 0\n\n" + topics
                + f'\n[[source]]\nid = "corpus"\nkind = "feed"\nurl = "{base}/feed"\n',
                encoding="utf-8",
            )
            assert data.get("topic"), "the config has no [[topic]]"
            db = Path(tmp) / "w.db"
            args = ["--config", str(cfg), "--db", str(db), "-q", "check"]
            with contextlib.redirect_stdout(io.StringIO()):  # the check's own report line
                if run_cli(args) != 0:
                    raise SystemExit("baseline check failed")
                body["feed"] = rss(items, base)
                if run_cli(args) != 0:
                    raise SystemExit("check failed")
            from watcher.store import Store

            store = Store.open(db)
            try:
                alerted = {a.ref for a in store.alerts() if a.kind == "new"}
                why = {a.ref: list(a.matches) for a in store.alerts() if a.kind == "new"}
            finally:
                store.close()
    finally:
        httpd.shutdown()
    return tally(items, alerted, why)


def _end_of_topics(text: str) -> int:
    """Where the last [[topic]] table ends (the next table after it)."""
    last = text.rindex("[[topic]]")
    nxt = [i for i in (text.find("\n[[source]]", last), text.find("\n[smtp]", last), text.find("\n[[digest]]", last)) if i >= 0]
    return min(nxt) if nxt else len(text)


def tally(items: list[dict[str, Any]], alerted: set[str], why: dict[str, list[str]]) -> dict[str, Any]:
    def figures(subset: list[dict[str, Any]]) -> dict[str, Any]:
        rel = [it for it in subset if it["label"] == "relevant"]
        irr = [it for it in subset if it["label"] == "irrelevant"]
        tp = sum(it["id"] in alerted for it in rel)
        fp = sum(it["id"] in alerted for it in irr)
        return {
            "relevant": len(rel), "irrelevant": len(irr), "alerted_relevant": tp, "alerted_irrelevant": fp,
            "recall": tp / len(rel) if rel else None, "precision": tp / (tp + fp) if tp + fp else None,
        }

    out: dict[str, Any] = {"overall": figures(items)}
    for field in ("lang", "kind"):
        for value in sorted({it[field] for it in items}):
            out[f"{field}={value}"] = figures([it for it in items if it[field] == value])
    out["missed"] = [(it["id"], it["lang"], it["kind"], it["title"][:100]) for it in items if it["label"] == "relevant" and it["id"] not in alerted]
    out["false"] = [(it["id"], it["lang"], it["kind"], it["title"][:100], why.get(it["id"])) for it in items if it["label"] == "irrelevant" and it["id"] in alerted]
    return out


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default=str(CORPUS))
    parser.add_argument("--config", default=str(ROOT / "sources.toml"), help="whose [[topic]] tables to score")
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args(argv)
    path = Path(a.corpus)
    if not path.exists():
        print(f"corpus not found: {path} (set WATCHER_CORPUS)", file=sys.stderr)
        return 2
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    r = score(items, Path(a.config).read_text(encoding="utf-8"))
    if a.json:
        print(json.dumps(r, ensure_ascii=False, indent=2))
        return 0
    print(f"{path.name}: {len(items)} items")
    print(f"{'set':22} {'recall':>7} {'precision':>9}   relevant  irrelevant")
    for k, v in r.items():
        if isinstance(v, dict):
            print(f"{k:22} {fmt(v['recall']):>7} {fmt(v['precision']):>9}   {v['alerted_relevant']:>3}/{v['relevant']:<4}  {v['alerted_irrelevant']:>3}/{v['irrelevant']}")
    print("\nmissed (relevant, no alert):")
    for m in r["missed"]:
        print("  ", *m)
    print("\nfalse (irrelevant, alerted):")
    for f in r["false"]:
        print("  ", *f)
    o = r["overall"]
    print(f"\nsignal_recall={fmt(o['recall'])} signal_precision={fmt(o['precision'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
