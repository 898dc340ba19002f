"""Published versions of the warehouse: where they live and how the live name points to one.

The live name (data/warehouse.duckdb) is a relative symlink to an immutable version file,
`.<name>.versions/v000042.duckdb`, swapped with one atomic rename (etl/warehouse/publish.py
explains why). Readers open `resolve_live(path)`; rollback points the live name back.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def lock_path(live: Path) -> Path:
    return live.parent / f".{live.name}.lock"


def build_path(live: Path) -> Path:
    return live.parent / f".{live.name}.build-{os.getpid()}"


def versions_dir(live: Path) -> Path:
    return live.parent / f".{live.name}.versions"


def version_path(live: Path, version: int) -> Path:
    return versions_dir(live) / f"v{version:06d}.duckdb"


def resolve_live(live: Path) -> Path:
    """The file of the published version the live name points to (itself if a plain file)."""
    return Path(os.path.realpath(live))


def published_versions(live: Path) -> list[Path]:
    """Kept versions, oldest first."""
    folder = versions_dir(live)
    return sorted(folder.glob("v*.duckdb")) if folder.is_dir() else []


def version_number(path: Path) -> int | None:
    """The number of a version file (v000042.duckdb → 42); None for another name."""
    m = re.fullmatch(r"v(\d+)", path.stem)
    return int(m.group(1)) if m else None


def next_version(live: Path, stored: int) -> int:
    """The number of the next version: above the stored one and above every kept one. After
    a rollback the live version is older than the newest kept one, whose file a running
    dashboard may still hold open, and cache results for, under its name: never reuse it."""
    kept = [n for n in map(version_number, published_versions(live)) if n is not None]
    return max([stored, *kept]) + 1


def point_live_to(live: Path, target: Path) -> None:
    """Atomically make the live name a relative symlink to `target`."""
    tmp_link = live.parent / f".{live.name}.link-{os.getpid()}"
    tmp_link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, live.parent), tmp_link)
    os.replace(tmp_link, live)
    Path(f"{live}.wal").unlink(missing_ok=True)
    fsync_path(live.parent, directory=True)


def prune_versions(live: Path, keep: int) -> None:
    """Remove all but the newest `keep` versions, never the one that is live."""
    current = resolve_live(live)
    for old in published_versions(live)[:-keep] if keep > 0 else []:
        if old.resolve() != current:
            old.unlink(missing_ok=True)


def fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


