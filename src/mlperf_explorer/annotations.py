"""Reproducibility reports and notes attached to results.

An annotation keys on a result's stable uid, so it survives every re-import of its round.
Each one is kept twice: in the store (for `show`, `find` and exports) and appended to a plain
JSON Lines file next to the database (`results.annotations.jsonl` beside
`results.duckdb`), which a team can commit to git and merge; `annotations import` reads such
a file back, skipping annotations already present (same id).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .records import AnnotationError

if TYPE_CHECKING:
    from .api import Store

STATUSES = ("reproduced", "failed", "partial")
CREATED_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass
class Annotation:
    id: str
    uid: str
    report: str | None
    note: str | None
    status: str | None
    by: str | None
    created_at: str  # ISO 8601, UTC

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_annotation(uid: str, report: str | None = None, note: str | None = None, status: str | None = None,
                   by: str | None = None, now: _dt.datetime | None = None) -> Annotation:
    if not (report or note):
        raise AnnotationError("an annotation needs a --report (URL or file) or a --note")
    if status is not None and status not in STATUSES:
        raise AnnotationError(f"status {status!r}: use one of {', '.join(STATUSES)}")
    for label, text in (("report", report), ("note", note), ("by", by)):
        if text is not None and len(text) > 10000:
            raise AnnotationError(f"{label} is longer than 10,000 characters")
    created = (now or _dt.datetime.now(_dt.UTC)).strftime(CREATED_FORMAT)
    ident = hashlib.sha1("|".join((uid, report or "", note or "", status or "", by or "", created)).encode()).hexdigest()[:16]
    return Annotation(ident, uid, report, note, status, by, created)


def from_dict(d: dict[str, Any], where: str) -> Annotation:
    try:
        a = Annotation(str(d["id"]), str(d["uid"]), d.get("report"), d.get("note"), d.get("status"), d.get("by"),
                       str(d["created_at"]))
    except (KeyError, TypeError) as exc:
        raise AnnotationError(f"{where}: not an annotation (missing {exc})") from None
    if a.status is not None and a.status not in STATUSES:
        raise AnnotationError(f"{where}: status {a.status!r} is not one of {', '.join(STATUSES)}")
    try:  # any ISO 8601 time; stored in one form
        when = _dt.datetime.fromisoformat(a.created_at.strip().replace("Z", "+00:00"))
    except ValueError:
        raise AnnotationError(f"{where}: created_at {a.created_at[:40]!r} is not a time like "
                              "2026-01-31T12:00:00Z") from None
    if when.tzinfo is not None:
        when = when.astimezone(_dt.UTC).replace(tzinfo=None)
    a.created_at = when.strftime(CREATED_FORMAT)
    for name in ("id", "uid", "report", "note", "status", "by"):
        value = getattr(a, name)
        if value is not None and not isinstance(value, str):
            raise AnnotationError(f"{where}: {name} is not text")
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise AnnotationError(f"{where}: {name} holds text that is not valid UTF-8") from None
    return a


def jsonl_path(db_path: str) -> str | None:
    """The shared file next to a database file (none for an in-memory store)."""
    if not db_path or db_path == ":memory:":
        return None
    base = db_path[:-7] if db_path.endswith(".duckdb") else db_path
    return base + ".annotations.jsonl"


def append_jsonl(path: str, annotations: Iterable[Annotation]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        for a in annotations:
            f.write(json.dumps(a.as_dict(), sort_keys=True, ensure_ascii=False) + "\n")


def read_jsonl(path: str) -> list[Annotation]:
    out = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except (ValueError, RecursionError):
                raise AnnotationError(f"{path}:{lineno}: not JSON") from None
            if not isinstance(d, dict):
                raise AnnotationError(f"{path}:{lineno}: not an annotation object")
            out.append(from_dict(d, f"{path}:{lineno}"))
    return out


# ---- in the store ---------------------------------------------------------------------

def annotate(store: Store, uid: str, report: str | None = None, note: str | None = None, status: str | None = None,
             by: str | None = None) -> Annotation:
    """See `Store.annotate`."""
    if store.get(uid) is None:
        raise AnnotationError(f"no result with uid {uid!r}")
    if report and "://" not in report and os.path.isfile(os.path.expanduser(report)):
        report = "file://" + os.path.abspath(os.path.expanduser(report))
    a = new_annotation(uid, report, note, status, by)
    _store(store, [a])
    path = jsonl_path(store.path)
    if path:
        append_jsonl(path, [a])
    return a


def listed(store: Store, uid: str | None = None) -> list[dict[str, Any]]:
    """Annotations (of one result, or all), oldest first."""
    from .store.database import cursor

    created = "strftime(created_at, '%Y-%m-%dT%H:%M:%S.%fZ') AS created_at"
    sql = f'SELECT id, uid, report, note, status, "by", {created} FROM annotations'
    sql += (" WHERE uid = ?" if uid else "") + " ORDER BY created_at, id"
    with cursor(store.con) as cur:
        return cur.sql(sql, params=[uid] if uid else None).to_arrow_table().to_pylist()


def export_file(store: Store, path: str) -> int:
    """Write every annotation to a JSON Lines file; returns how many."""
    rows = listed(store)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n")
    return len(rows)


def import_file(store: Store, path: str) -> int:
    """Merge a JSON Lines file of annotations (ids already present are skipped)."""
    incoming = read_jsonl(path)
    have = {r["id"] for r in listed(store)}
    new = [a for a in incoming if a.id not in have]
    _store(store, new)
    mine = jsonl_path(store.path)
    if mine and new and os.path.abspath(mine) != os.path.abspath(path):
        append_jsonl(mine, new)
    return len(new)


def _store(store: Store, items: list[Annotation]) -> None:
    """All or nothing: a failure leaves the store's annotations as they were."""
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        for a in items:
            created = _dt.datetime.strptime(a.created_at, CREATED_FORMAT)
            con.execute("INSERT OR REPLACE INTO annotations VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [a.id, a.uid, a.report, a.note, a.status, a.by, created])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
