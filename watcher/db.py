"""The few table helpers the store uses, over the standard library's sqlite3.

watcher used sqlite-utils' ``Database`` for these; importing sqlite-utils
costs some 30 to 50 ms at every start (a quarter of a one-source `watcher
check`), for six methods.  These keep its behaviour where watcher relies on
it: rows as dicts, ``insert`` returning ``last_pk``, lists and dicts stored
as JSON.  sqlite-utils is still what migration 0003 ran with.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple


def _value(value: Any) -> Any:
    # As sqlite-utils stores them: lists, tuples and dicts as JSON.
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=repr, ensure_ascii=False)
    return value


def _statements(sql: str) -> Iterator[str]:
    """The complete statements of a script (a ";" inside a string or a
    trigger's body does not end one)."""
    pending = ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                yield pending
            pending = ""
    if pending.strip(" \n\t;"):
        yield pending


class Column(NamedTuple):
    cid: int
    name: str
    type: str
    notnull: int
    default_value: Any
    is_pk: int


class Table:
    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name
        self.last_pk: int | None = None

    def insert(self, record: dict[str, Any]) -> Table:
        columns = ", ".join(f"[{k}]" for k in record)
        marks = ", ".join("?" for _ in record)
        cursor = self.db.conn.execute(
            f"INSERT INTO [{self.name}] ({columns}) VALUES ({marks})", [_value(v) for v in record.values()]
        )
        self.last_pk = cursor.lastrowid
        return self

    def insert_all(self, records: Iterable[dict[str, Any]], pk: Sequence[str] | None = None) -> Table:
        for record in records:
            self.insert(record)
        return self

    def upsert(self, record: dict[str, Any], pk: Sequence[str]) -> Table:
        """Insert, or update the row with the same ``pk`` columns."""
        columns = ", ".join(f"[{k}]" for k in record)
        marks = ", ".join("?" for _ in record)
        updates = ", ".join(f"[{k}] = excluded.[{k}]" for k in record if k not in pk)
        conflict = ", ".join(f"[{k}]" for k in pk)
        self.db.conn.execute(
            f"INSERT INTO [{self.name}] ({columns}) VALUES ({marks}) "
            f"ON CONFLICT ({conflict}) DO " + (f"UPDATE SET {updates}" if updates else "NOTHING"),
            [_value(v) for v in record.values()],
        )
        return self

    def update(self, pk: int, values: dict[str, Any]) -> Table:
        """Update the row whose ``id`` is ``pk`` (every table updated this way has one)."""
        if values:
            sets = ", ".join(f"[{k}] = ?" for k in values)
            self.db.conn.execute(f"UPDATE [{self.name}] SET {sets} WHERE id = ?", [*map(_value, values.values()), pk])
        self.last_pk = pk
        return self

    @property
    def columns(self) -> list[Column]:
        return [Column(*row) for row in self.db.conn.execute(f"PRAGMA table_info([{self.name}])")]


class Database:
    """A sqlite3 connection with dict rows and small table helpers."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> sqlite3.Cursor:
        return self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)

    def executescript(self, sql: str) -> sqlite3.Cursor:
        """Several statements; inside a transaction one at a time, since
        sqlite3's executescript() would first commit it."""
        if not self.conn.in_transaction:
            return self.conn.executescript(sql)
        cursor = self.conn.cursor()
        for statement in _statements(sql):
            cursor.execute(statement)
        return cursor

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        cursor = self.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def table(self, name: str) -> Table:
        return Table(self, name)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """A savepoint: everything inside it, or nothing."""
        name = f"watcher_{uuid.uuid4().hex}"
        self.conn.execute(f"SAVEPOINT [{name}]")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # a failed statement may have ended it, savepoints and all
                self.conn.execute(f"ROLLBACK TO [{name}]")
                self.conn.execute(f"RELEASE [{name}]")
            raise
        else:
            self.conn.execute(f"RELEASE [{name}]")

    def close(self) -> None:
        self.conn.close()
