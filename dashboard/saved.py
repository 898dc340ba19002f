"""Saved SQL queries, kept beside the warehouse (the warehouse itself is read-only) in a
JSON file written atomically, so they survive restarts and new published versions."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path


def path_for(warehouse: Path) -> Path:
    return warehouse.parent / "saved-queries.json"


def load(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return []
    return [q for q in data if isinstance(q, dict) and "name" in q and "sql" in q]


def _write(path: Path, queries: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".saved-queries-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(queries, fh, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


def save(path: Path, name: str, sql: str, author: str) -> None:
    """Add a query, or replace the one of the same name."""
    name = name.strip()
    if not name or not sql.strip():
        raise ValueError("a saved query needs a name and a text")
    queries = [q for q in load(path) if q["name"] != name]
    queries.append({"name": name, "sql": sql, "saved_by": author,
                    "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    _write(path, sorted(queries, key=lambda q: q["name"].lower()))


def delete(path: Path, name: str) -> None:
    _write(path, [q for q in load(path) if q["name"] != name])


def examples(folder: Path) -> list[tuple[str, str]]:
    """(title, sql) of the shipped example queries (a '-- title:' line names each)."""
    out = []
    for file in sorted(folder.glob("*.sql")):
        text = file.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.removeprefix("-- title:").strip() if first.startswith("-- title:") else file.stem
        out.append((title, text))
    return out
