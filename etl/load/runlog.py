"""The run log beside the warehouse: one JSON object per line for every run, published,
failed or with nothing new. Failed runs live only here (a failed load publishes nothing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def run_log_path(warehouse_path: Path) -> Path:
    return warehouse_path.parent / "etl-runs.jsonl"


def append(warehouse_path: Path, entry: dict[str, Any]) -> None:
    path = run_log_path(warehouse_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")


def entries(warehouse_path: Path) -> list[dict[str, Any]]:
    """Every readable entry, oldest first (a torn last line is skipped)."""
    path = run_log_path(warehouse_path)
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def last_failure(warehouse_path: Path) -> dict[str, Any] | None:
    failed = [e for e in entries(warehouse_path) if e.get("status") == "failed"]
    return failed[-1] if failed else None
