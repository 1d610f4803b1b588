"""The ``watcher`` command: the only place errors become messages and exit codes.

Exit codes: 0 all well; 1 a source failed or is broken, the database is busy
or unusable; 2 a usage or configuration error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from . import __version__
from .errors import ConfigError, LockedError, StoreError, WatcherError

# Commands import what they need when they run: `watcher --version`, `-h`
# and the commands that never fetch or open the database start without
# requests, the store or the source adapters.
if TYPE_CHECKING:
    from .config import Config
    from .http import Http

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class State:
    def __init__(self, config_path: str, db_path: str | None) -> None:
        self.config_path = config_path
        self.db_override = db_path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        from .config import load
        if self._config is None:
            self._config = load(self.config_path)
        return self._config

    @property
    def db_path(self) -> Path:
        if self.db_override:
            return Path(self.db_override).resolve()
        return self.config.database_path

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.config.settings.timezone)


@contextlib.contextmanager
def progress(total: int | None, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal (stderr), nothing at all otherwise; yields "one more done"."""
    if not sys.stderr.isatty() or (total is not None and total < 2):
        yield lambda: None
        return
    if total is None:  # an unknown amount of work: a running count
        done = [0]

        def tick() -> None:
            done[0] += 1
            if done[0] % 50 == 0:
                click.echo(f"\r{label}: {done[0]}", nl=False, err=True)

        yield tick
        click.echo(f"\r{label}: {done[0]}", err=True)
        return
    bar: Any
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield lambda: bar.update(1)


def make_http(config: Config, stop: threading.Event | None = None) -> Http:
    from .http import Http
    return Http(config.settings, stop=stop)


@click.group(context_settings=CONTEXT)
@click.option(
    "--config", "config_path", envvar="WATCHER_CONFIG", default="sources.toml", show_default=True,
    metavar="PATH", help="Configuration file (or set WATCHER_CONFIG).",
)
@click.option(
    "--db", "db_path", envvar="WATCHER_DB", default=None, metavar="PATH",
    help="SQLite database (or set WATCHER_DB; default: [settings] database).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.version_option(__version__, "-V", "--version")
@click.pass_context
def cli(ctx: click.Context, config_path: str, db_path: str | None, verbose: int, quiet: bool) -> None:
    """Watch Belgian legal texts that touch professional secrecy in social work.

    \b
    Example:
      watcher --config sources.toml check
      watcher alerts --json --since 2026-11-01
    """
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(level)  # also when logging was set up by an earlier command in this process
    # One line per fetch, per alert and per state change is what a log is
    # for; the libraries' own chatter ("Running job", connection pools) only
    # with -vv.
    for chatty in ("apscheduler", "urllib3", "werkzeug"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    ctx.obj = State(config_path, db_path)


@cli.command(context_settings=CONTEXT)
@click.argument("source_ids", nargs=-1, metavar="[SOURCE_ID ...]")
@click.pass_obj
def check(state: State, source_ids: tuple[str, ...]) -> None:
    """Run one polling pass over the sources (default: every enabled one).

    Exit status: 0 when every source checked fine, 1 when any failed or is
    broken (the others are still checked and saved), 2 on a configuration error.

    \b
    Example:
      watcher check
      watcher check code-penal-1867-fr cpas-bruxelles-fr
    """
    from .lock import exclusive
    from .runner import check_parallel
    from .store import Store

    config = state.config
    for sid in source_ids:
        config.source(sid)  # unknown ids are a usage error, before anything is touched
    db_path = state.db_path
    with exclusive(db_path):
        Store.open(db_path).close()  # create or migrate once, before the workers
        http = make_http(config)
        count = len(source_ids) or sum(s.enabled for s in config.sources)
        try:
            with progress(count if count > 5 else None, "checking") as step:
                results = check_parallel(db_path, http, config, list(source_ids) or None, config.settings.workers,
                                         on_done=lambda _: step())
        finally:
            http.close()
        if config.notifies:
            from .notify.push import send_notifications

            store = Store.open(db_path)
            try:
                send_notifications(store, config)
            finally:
                store.close()
    failed = [r for r in results if not r.ok]
    for r in results:
        mark = "ok" if r.ok else r.state
        detail = "unchanged (304)" if r.not_modified else (r.error or "")
        click.echo(f"{r.source_id:32} {mark:8} {r.alerts} alert(s) {detail}".rstrip())
    if failed:
        sys.exit(1)


@cli.command(context_settings=CONTEXT)
@click.pass_obj
def run(state: State) -> None:
    """Keep checking every enabled source on its schedule until stopped.

    Each source runs on its own schedule ("every" or "cron", default
    [settings] every) in the configured time zone. SIGTERM or Ctrl-C stops
    it within a few seconds (exit 0). Only one `run` or `check` may work on a
    database at a time.

    \b
    Example:
      watcher run
      watcher -q --config /etc/watcher/sources.toml run
    """
    from .lock import exclusive
    from .scheduler import Runner

    config = state.config
    db_path = state.db_path
    with exclusive(db_path):
        abandoned = Runner(config, db_path, lambda stop: make_http(config, stop)).run_until_stopped()
        if abandoned:
            # Jobs still running after the grace period: end now, while the
            # lock is held, so that nothing writes after it is released.
            logging.shutdown()
            os._exit(0)


@cli.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--source", "source_id", metavar="ID", help="Only this source's alerts.")
@click.option("--since", metavar="ISO-DATE", help="Only alerts detected on or after this date or time.")
@click.pass_obj
def alerts(state: State, as_json: bool, source_id: str | None, since: str | None) -> None:
    """List alerts, oldest first.

    \b
    Example:
      watcher alerts --since 2026-11-01
      watcher alerts --json --source code-penal-1867-fr
    """
    from .present import alert_json
    from .store import Store
    since_utc = _since(since, state.tz()) if since else None
    tz = state.tz()
    store = Store.open(state.db_path, create=False)
    try:
        rows = store.alerts(source_id=source_id, since=since_utc)
        ids = [r.id for r in rows]
        stories, notes = store.stories_of(ids), store.notes_for_many(ids)
        objs = [alert_json(r, tz, story=stories.get(r.id), notes=notes.get(r.id, ())) for r in rows]
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(objs, ensure_ascii=False, indent=2))
        return
    if not objs:
        click.echo("No alerts.")
    for a in objs:
        click.echo(f"#{a['id']} {a['detected_at']} {a['kind']:14} {a['title']}")
        if a["reason"]:
            click.echo(f"    {a['reason']}")
        if a["url"]:
            click.echo(f"    {a['url']}")
        if a["diff"] and a["kind"] in ("changed", "updated", "status"):
            from .diff import render_text

            click.echo("    " + render_text(a["diff"]).replace("\n", "\n    "))


def _since(value: str, tz: ZoneInfo) -> str:
    from .queries import BadInput, read_day

    try:
        return read_day(value, tz)
    except BadInput as e:
        raise click.BadParameter(str(e), param_hint="--since") from None


@cli.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def status(state: State, as_json: bool) -> None:
    """Show each source's health: state, last check, failures, last error.

    \b
    Example:
      watcher status
      watcher status --json
    """
    from .present import local
    from .store import Store
    config = state.config
    tz = state.tz()
    from .outbox import refusals

    rows: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    refused: dict[str, dict[str, int]] = {}
    costs: dict[str, dict[str, int]] = {}
    if state.db_path.exists():
        store = Store.open(state.db_path, create=False)
        try:
            rows = {r["id"]: r for r in store.sources()}
            counts = store.present_counts()
            costs = {sid: json.loads(r["pass_requests"]) for sid, r in rows.items() if r.get("pass_requests")}
            refused = {d.id: found for d in config.digests if (found := refusals(store, d.id))}
        finally:
            store.close()
    out = []
    for s in config.sources:
        r = rows.get(s.id, {})
        st = r.get("state") or "new"
        out.append(
            {
                "id": s.id,
                "kind": s.kind,
                "enabled": s.enabled,
                "ok": st == "ok",
                "state": st,
                "since": local(r.get("broken_since"), tz),
                "last_checked": local(r.get("last_checked"), tz),
                "last_success": local(r.get("last_success"), tz),
                "next_run": local(r.get("next_run"), tz),
                "consecutive_failures": r.get("consecutive_failures", 0),
                "last_error": r.get("last_error"),
                "warning": r.get("warning"),
                "documents": counts.get(s.id, 0),
                "last_pass_requests": costs.get(s.id, {}),
                "url": s.url,
            }
        )
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for o in out:
        line = (
            f"{o['id']:32} {o['state']:8} docs={o['documents']:<5} last checked {o['last_checked'] or 'never'}"
            f"; last success {o['last_success'] or 'never'}"
            + (f"; {'next run' if o['state'] in ('ok', 'new') else 'next try'} {o['next_run']}" if o["next_run"] else "")
        )
        click.echo(line)
        if o["state"] != "ok" and o["last_error"]:
            since = f" (since {o['since']})" if o["since"] else ""
            click.echo(f"    {o['consecutive_failures']} failure(s){since}: {o['last_error']}")
        if o["warning"]:
            click.echo(f"    warning: {o['warning']}")
        if sum(o["last_pass_requests"].values()) > 1:
            hosts = ", ".join(f"{h} {n}" for h, n in sorted(o["last_pass_requests"].items()))
            click.echo(f"    last pass: {sum(o['last_pass_requests'].values())} requests ({hosts})")
    for digest_id, addresses in refused.items():
        listed = ", ".join(f"{a} ({n} in a row)" for a, n in addresses.items())
        click.echo(f"digest {digest_id}: the mail server refused {listed}")


@cli.command("try", context_settings=CONTEXT)
@click.argument("source_id", required=False)
@click.option("--kind", "kind_name", metavar="KIND", help="Source kind, for a page not in the config (see `watcher kinds`).")
@click.option("--url", metavar="URL", help="Page to read (with --kind); with --file, the address links are read against.")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read a saved page instead of fetching.")
@click.option("--key", "keys", multiple=True, metavar="NAME=VALUE", help="A [[source]] key for --kind, e.g. item_selector=div.news (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print what was recognised as JSON.")
@click.pass_obj
def try_(state: State, source_id: str | None, kind_name: str | None, url: str | None, file: Path | None,
         keys: tuple[str, ...], as_json: bool) -> None:
    """Show what an adapter makes of a page, writing nothing.

    Fetches the page politely (robots.txt, host delay, User-Agent) or reads
    --file, runs the kind's parser and prints what it recognised: for
    Justel the layout, numac, title, dates and the articles it would watch
    and why; for the others the items with title, date and link; for each,
    the topics it matches and the words. Exit status: 0 something was
    recognised, 1 the page was read but not recognised (with the likeliest
    reason), 2 bad usage.

    \b
    Example:
      watcher try code-penal-1867-fr
      watcher try --kind page --url https://www.brulocalis.brussels/fr/publications --key item_selector=div.views-row
      watcher try --kind justel --file saved.html --key 'articles=["458"]' --json
    """
    from .trial import adhoc_source, render, run_trial, topics_and_settings

    config = state.config if (source_id or Path(state.config_path).exists()) else None
    topics, settings = topics_and_settings(config)
    if source_id:
        if kind_name or keys:
            raise click.UsageError("give a SOURCE_ID, or --kind with --url/--file and --key, not both")
        assert config is not None
        source = config.source(source_id)
    else:
        if not kind_name or not (url or file):
            raise click.UsageError("give a SOURCE_ID, or --kind with --url or --file")
        default_url = "https://example.invalid/" if file else ""
        source = adhoc_source(kind_name, url or default_url, list(keys), topics)
    trial = run_trial(source, topics, settings, file=file)
    click.echo(json.dumps(trial.as_json(), ensure_ascii=False, indent=2) if as_json else render(trial))
    if not trial.recognised:
        sys.exit(1)


@cli.command(context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of {kind, description, mode, keys}.")
def kinds(as_json: bool) -> None:
    """List the source kinds, what each reads and the keys a [[source]] of that kind takes.

    Needs no configuration file. Every kind also takes the common keys (id,
    kind, url, title, topics, enabled, every, cron); --json lists them too.

    \b
    Example:
      watcher kinds
      watcher kinds --json
    """
    import textwrap

    from .config import COMMON_SOURCE_KEYS
    from .keys import Key
    from .sources import kinds as declared

    if as_json:
        click.echo(json.dumps([k.as_json(COMMON_SOURCE_KEYS) for k in declared().values()], ensure_ascii=False, indent=2))
        return

    def describe(k: Key) -> str:
        default = "required" if k.required else f"default {json.dumps(list(k.default) if isinstance(k.default, tuple) else k.default, ensure_ascii=False)}"
        return f"    {k.name} ({k.type}, {default}): {k.help}"

    click.echo("Every kind takes: " + ", ".join(k.name for k in COMMON_SOURCE_KEYS) + "\n")
    for k in declared().values():
        click.echo(f"{k.name} ({k.mode})")
        click.echo(textwrap.fill(k.description, 96, initial_indent="  ", subsequent_indent="  "))
        for key in k.keys:
            click.echo(textwrap.fill(describe(key), 96, subsequent_indent="      "))
        click.echo()


@cli.command(context_settings=CONTEXT)
@click.argument("source_id")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of versions.")
@click.pass_obj
def history(state: State, source_id: str, ref: str, as_json: bool) -> None:
    """Show every version of one article, with the dates it was seen.

    \b
    Example:
      watcher history code-penal-1867-fr 458
    """
    from .diff import render_text, word_diff
    from .present import local
    from .store import Store
    from .text import normalize_ref

    state.config.source(source_id)
    tz = state.tz()
    store = Store.open(state.db_path, create=False)
    try:
        # "458BIS" means 458bis; a dossier id ("55K3999") is matched as written first
        doc = store.document(source_id, ref) or store.document(source_id, normalize_ref(ref))
        if doc is None:
            raise StoreError(f'source "{source_id}" has no document "{ref}"')
        versions = store.versions(doc.id)
    finally:
        store.close()
    out = [
        {
            "version": i + 1,
            "first_seen": local(v.first_seen, tz),
            "last_seen": local(v.last_seen, tz),
            "hash": v.hash,
            "sha256": v.sha256,
            "text": v.text,
            "notes": list(v.notes),
            "status": v.status,
            "events": list(v.events),
        }
        for i, v in enumerate(versions)
    ]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"{doc.title}  ({'present' if doc.present else 'no longer watched'})")
    click.echo(doc.url or "")
    previous: str | None = None
    for n, v in enumerate(versions, 1):
        click.echo(f"\nversion {n}: seen {local(v.first_seen, tz)} .. {local(v.last_seen, tz)}")
        if v.status:
            click.echo(f"status: {v.status}")
        click.echo(v.text if previous is None else render_text(word_diff(previous, v.text)))
        previous = v.text


@cli.command(context_settings=CONTEXT)
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the demo's database, mails and archive (default: a new temporary folder).")
@click.option("--serve/--no-serve", "serve_after", default=True, help="Serve the archive at the end (Ctrl-C to stop).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port of the archive.")
def demo(directory: Path | None, serve_after: bool, port: int) -> None:
    """See watcher work in a few seconds, offline, on synthetic sample pages.

    Serves sample pages on 127.0.0.1 (a Justel page, the Moniteur, the
    Chamber, a federation's feed), checks them, changes them the way real
    amendments do, checks again, prints the alerts, writes the digests as
    .eml files with HTML previews, exports the archive and serves it.

    \b
    Example:
      watcher demo
      watcher demo --dir /tmp/watcher-demo --no-serve
    """
    import tempfile

    from .demo import run as run_demo

    if directory is not None and directory.exists() and any(directory.iterdir()):
        raise click.UsageError(f"{directory} is not empty; the demo writes its own sources.toml and database there")
    target = directory or Path(tempfile.mkdtemp(prefix="watcher-demo-"))
    code = run_demo(target, click.echo, run_cli)
    if code:
        sys.exit(code)
    if serve_after:
        click.echo("")
        run_cli(["--config", str(target / "sources.toml"), "serve", "--port", str(port)])


@cli.command(context_settings=CONTEXT)
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing sources.toml.")
def init(directory: Path, force: bool) -> None:
    """Write the default watch list, sources.toml, into DIRECTORY (default: here).

    It is the copy of the repository's sources.toml that ships with watcher:
    every topic and source documented, each source marked as checked against
    a recorded page or inferred.

    \b
    Example:
      watcher init /etc/watcher
      watcher --config /etc/watcher/sources.toml status
    """
    from importlib.resources import files

    target = directory / "sources.toml"
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; give --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(files("watcher").joinpath("data/sources.toml").read_text(encoding="utf-8"), encoding="utf-8")
    click.echo(f"wrote {target}")
    click.echo("Edit first, in that file:")
    click.echo('  [settings] contact = "you@federation.example"   (sites can reach you: it goes in the User-Agent)')
    click.echo("  [smtp] and [[digest]]                            (uncomment them to mail digests)")
    click.echo("  the [[source]] tables                            (watcher try SOURCE_ID shows what each reads)")
    click.echo(f"Then: watcher --config {target} check")


@cli.group(context_settings=CONTEXT)
def story() -> None:
    """Stories: one legislative event (a bill, its publication, its consolidation) followed across sources.

    \b
    Example:
      watcher story show 3
      watcher story unlink 42
      watcher story rebuild
    """


@story.command("show", context_settings=CONTEXT)
@click.argument("story_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.pass_obj
def story_show(state: State, story_id: int, as_json: bool) -> None:
    """Show a story's timeline: its steps, how each was linked, its three dates and notes.

    \b
    Example:
      watcher story show 3 --json
    """
    from .present import local, note_json
    from .store import Store
    tz = state.tz()
    store = Store.open(state.db_path, create=False)
    try:
        row = store.story(story_id)
        if row is None:
            raise StoreError(f"no story {story_id}")
        steps = store.story_steps(story_id)
        notes = store.story_notes(story_id)
    finally:
        store.close()
    out = {
        "id": story_id, "title": row["title"], "published": row["published"], "in_force": row["in_force"],
        "consolidated": row["consolidated"],
        "steps": [{"step": s, "how": how, "alert": a.id, "kind": a.kind, "source_id": a.source_id, "title": a.title,
                   "detected_at": local(a.detected_at, tz), "url": a.url} for s, how, a in steps],
        "notes": [note_json(n, tz) for n in notes],
    }
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"story {story_id}: {row['title']}")
    click.echo(f"  published {row['published'] or '—'}; in force {row['in_force'] or '—'}; consolidated {row['consolidated'] or '—'}")
    for s in out["steps"]:
        click.echo(f"  {s['detected_at']} {s['step']:12} #{s['alert']} {s['source_id']}: {s['title']}")
        click.echo(f"      linked: {s['how']}")
    for n in out["notes"]:
        click.echo(f"  note ({n['status']}, {n['by'] or 'anonymous'}, {n['at']}): {n['fr'] or ''} {n['nl'] or ''}".rstrip())


@story.command("unlink", context_settings=CONTEXT)
@click.argument("alert_id", type=int)
@click.pass_obj
def story_unlink(state: State, alert_id: int) -> None:
    """Take an alert out of its story for good (a wrong link); nothing is deleted.

    \b
    Example:
      watcher story unlink 42
    """
    from .lock import exclusive
    from .store import Store
    from .stories import unlink

    with exclusive(state.db_path):
        store = Store.open(state.db_path, create=False)
        try:
            with store.atomic():
                left = unlink(store, alert_id)
        finally:
            store.close()
    click.echo(f"alert {alert_id} taken out of story {left}" if left else f"alert {alert_id} was in no story; it stays out")


@story.command("rebuild", context_settings=CONTEXT)
@click.pass_obj
def story_rebuild(state: State) -> None:
    """Link every stored alert into stories again, from what the database holds (idempotent).

    \b
    Example:
      watcher story rebuild
    """
    from .lock import exclusive
    from .store import Store
    from .stories import rebuild

    with exclusive(state.db_path):
        store = Store.open(state.db_path, create=False)
        try:
            with progress(store.count_alerts(), "linking") as step:
                n = rebuild(store, step)
        finally:
            store.close()
    click.echo(f"{n} stories")


@cli.command(context_settings=CONTEXT)
@click.argument("target", metavar="ALERT_ID|story:ID")
@click.option("--status", type=click.Choice(["checked", "disputed", "irrelevant"]), required=True, help="The lawyer's word.")
@click.option("--fr", "fr", default="", help="The note in French.")
@click.option("--nl", "nl", default="", help="The note in Dutch.")
@click.option("--by", "author", default="", help="Who wrote it.")
@click.pass_obj
def note(state: State, target: str, status: str, fr: str, nl: str, author: str) -> None:
    """Record a lawyer's short note on an alert or a story (shown in digests, pages and feeds).

    "irrelevant" keeps the alert out of future digests and marks it in the
    archive; nothing is ever deleted.

    \b
    Example:
      watcher note 42 --status checked --fr "Change la portée de l'art. 458bis." --by "Juriste FCPAS"
      watcher note story:3 --status disputed --nl "Lees het advies van de Raad van State."
    """
    from .lock import exclusive
    from .store import Store, utcnow

    story_id = alert_id = None
    if target.startswith("story:") and target[6:].isdigit():
        story_id = int(target[6:])
    elif target.isascii() and target.isdigit():
        alert_id = int(target)
    else:
        raise click.BadParameter('an alert number such as 42, or "story:3"', param_hint="ALERT_ID|story:ID")
    if not fr.strip() and not nl.strip():
        raise click.BadParameter("give the note in French (--fr) or Dutch (--nl), or both", param_hint="--fr/--nl")
    with exclusive(state.db_path):
        store = Store.open(state.db_path, create=False)
        try:
            if alert_id is not None and store.alert(alert_id) is None:
                raise StoreError(f"no alert {alert_id}")
            if story_id is not None and store.story(story_id) is None:
                raise StoreError(f"no story {story_id}")
            with store.atomic():
                store.add_note(alert_id=alert_id, story_id=story_id, status=status, fr=fr.strip(), nl=nl.strip(),
                               author=author.strip(), when=utcnow())
        finally:
            store.close()
    click.echo(f"note recorded on {target}")


@cli.command(context_settings=CONTEXT)
@click.argument("digest_ids", nargs=-1, metavar="[DIGEST_ID ...]")
@click.option("--dry-run", is_flag=True, help="Write .eml files to --out instead of sending; records nothing.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder for --dry-run messages.")
@click.option("--force", is_flag=True, help="Send even if not due yet (send_empty still applies).")
@click.pass_obj
def digest(state: State, digest_ids: tuple[str, ...], dry_run: bool, out_dir: Path, force: bool) -> None:
    """Send the e-mail digests that are due (default: every [[digest]]).

    Exit status: 0 when every send succeeded or nothing was due, 1 when a
    send failed (its alerts stay pending and go out on the next run).

    \b
    Example:
      watcher digest
      watcher digest --dry-run --out /tmp/digests --force federation-fr
    """
    from .lock import exclusive
    from .notify.run import send_due
    from .store import Store

    config = state.config
    chosen = [config.digest(i) for i in digest_ids] if digest_ids else list(config.digests)
    if not chosen:
        raise ConfigError(f"{config.path.name}: no [[digest]] table; nothing to send")
    # A real send takes the database lock (so it never races `watcher run`,
    # which sends digests itself); a dry run records nothing and needs none.
    lock = contextlib.nullcontext() if dry_run else exclusive(state.db_path)
    with lock:
        # A dry run reads through a read-only connection: it records nothing.
        store = Store.open_readonly(state.db_path) if dry_run else Store.open(state.db_path)
        try:
            results = send_due(store, config, chosen, force=force, dry_run=dry_run, out=out_dir)
        finally:
            store.close()
    for r in results:
        click.echo(f"{r.digest_id:24} {r.alerts:4} alert(s)  {r.note}")
    if any(r.note.startswith("failed") for r in results):
        sys.exit(1)


@cli.command(context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Requests served at once.")
@click.pass_obj
def serve(state: State, host: str, port: int, threads: int) -> None:
    """Serve the alert archive (pages, search, Atom feeds, JSON API), read-only,
    on waitress, a production WSGI server (put a reverse proxy in front for TLS).

    \b
    Example:
      watcher serve
      watcher serve --host 127.0.0.1 --port 8000 --threads 8
    """
    from waitress import serve as waitress_serve

    from .store import Store
    from .web.app import create_app

    config = state.config
    Store.open_readonly(state.db_path).close()  # fail early, clearly, without a database
    click.echo(f"watcher archive on http://{host}:{port}/ (Ctrl-C to stop)")
    waitress_serve(create_app(config, state.db_path), host=host, port=port, threads=threads, ident="watcher")


@cli.command(context_settings=CONTEXT)
@click.argument("out_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def export(state: State, out_dir: Path | None) -> None:
    """Write the alert archive as a static site (default: [settings] archive_dir).

    \b
    Example:
      watcher export
      watcher export /var/www/veille
    """
    from .web.export import export as do_export

    config = state.config
    target = out_dir or config.archive_path
    with progress(None, "exporting") as step:
        count = do_export(config, state.db_path, target, step)
    click.echo(f"{count} files written to {target}")


def run_cli(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: the process's), mapping our errors to an exit code."""
    try:
        cli.main(argv, prog_name="watcher", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as e:
        e.show()
        return 2 if e.exit_code == 2 else e.exit_code
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except ConfigError as e:
        click.echo(f"error: {e}", err=True)
        return 2
    except (LockedError, StoreError) as e:
        click.echo(f"error: {e}", err=True)
        return 1
    except WatcherError as e:
        click.echo(f"error: {e}", err=True)
        return 1
    except SystemExit as e:  # a command's own exit status (`check` with a broken source)
        return e.code if isinstance(e.code, int) else 1
    return 0


def main() -> None:
    """Console entry point."""
    sys.exit(run_cli())


if __name__ == "__main__":
    main()
