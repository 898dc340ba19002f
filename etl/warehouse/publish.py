"""Publish: build the next warehouse state beside the live one, then swap it in atomically.

DuckDB lets one read-write process lock out every reader, so the ETL never opens a published
file for writing. It copies the current state to a private build file in the same folder,
works there, checkpoints and closes it, and checks that no write-ahead log is left behind (a
WAL that a rename would not carry along). The build file becomes an immutable version,
`.<name>.versions/v000042.duckdb`, and the live name (`data/warehouse.duckdb`) is a relative
symlink that is swapped to it with one atomic rename.

Why versions behind a symlink rather than renaming over one file: inside one process, DuckDB
hands a new connection to a path the *same* database instance as a connection still open on
that path, so a dashboard holding a connection would never see a new state. Each version has
its own path: readers open `resolve_live(path)`, a connection opened before a publish keeps
its consistent old version, the next one sees the new. The last few versions are kept for
`rollback`. A stale WAL of the live name (left by someone who opened it read-write) would
make every open of that name fail, so it is removed at publish.

DuckDB never shrinks a file: a full rebuild of the marts leaves their old blocks free (a
third of the file), and every later refresh would copy them. A build with a quarter or more
of its file free (and at least 64 MiB) is therefore written out afresh at publish (COPY FROM
DATABASE into a new file: the same tables, views, macros and comments) before it becomes a
version.

A load killed at any moment leaves the live link untouched; its build file is removed by the
next load. One writer at a time: an exclusive `flock` on a lock file beside the warehouse,
which the kernel releases when the holder dies, so a killed load never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl.core.errors import LockHeldError, PublishError
from etl.core.settings import Settings
from etl.core.sqlfiles import quote_ident, quote_literal
from etl.warehouse.versions import (
    build_path,
    fsync_path,
    lock_path,
    point_live_to,
    prune_versions,
    version_path,
)


def connect_writer(path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-write connection for building a new state (never on the live file)."""
    # one checkpoint, at publish: the build file is private, so earlier ones (DuckDB's default
    # after 16 MiB of log, e.g. at every file's commit) would only write the same blocks twice
    con = duckdb.connect(str(path), config={"memory_limit": settings.memory_limit,
                                            "checkpoint_threshold": "1GB"})
    con.execute("set TimeZone = 'UTC'")
    return con


# locks this process holds, by lock file: a refresh holds the lock across its loads
_HELD: dict[str, int] = {}


@contextlib.contextmanager
def writer_lock(live: Path) -> Iterator[str | None]:
    """Hold the single-writer lock of `live`, or raise LockHeldError at once. Re-entrant
    within one process. Yields the pid of a holder that died without releasing the lock
    (the kernel released it; we take it over), or None."""
    live.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(live)
    key = str(path.resolve())
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield None
        finally:
            _HELD[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise LockHeldError(f"process {holder} is writing {live.name}; try again when it "
                                "has finished") from None
        previous = os.pread(fd, 64, 0).decode(errors="replace").strip()
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _HELD[key] = 1
        try:
            # a clean holder empties the file on release: a pid left in it is a killed holder
            yield previous or None
        finally:
            del _HELD[key]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def _remove_leftovers(live: Path) -> None:
    """Build files of loads that were killed (we hold the lock: nobody else is building)."""
    for leftover in [*live.parent.glob(f".{live.name}.build-*"), *live.parent.glob(f".{live.name}.link-*")]:
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


# A build whose file has at least this share of free blocks, and this many bytes of them, is
# written out afresh at publish (after a full rebuild a third of the file is the old marts'
# blocks: a file that never shrinks would be copied whole at every later refresh).
COMPACT_FREE_SHARE = 0.25
COMPACT_FREE_BYTES = 64 << 20


def free_space(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(bytes of free blocks, bytes of all blocks) of the connection's database file."""
    block_size, total, free = con.execute(
        "select block_size, total_blocks, free_blocks from pragma_database_size() "
        "where database_name = current_database()").fetchall()[0]
    return int(free) * int(block_size), int(total) * int(block_size)


class Build:
    """Context manager: a writable copy of the live warehouse, published on `publish()`.

        with Build(settings) as build:
            build.con.execute(...)
            build.publish(version)
    Leaving the block without `publish(version)` (or with an exception) discards the copy.
    """

    def __init__(self, settings: Settings) -> None:
        self.keep_versions = settings.keep_versions  # [refresh] keep_versions
        self.settings = settings
        self.live = settings.warehouse_path
        self.path = build_path(self.live)
        self.con: duckdb.DuckDBPyConnection | None = None
        self.published = False
        self._lock: contextlib.AbstractContextManager[None] | None = None

    def __enter__(self) -> Build:
        self._lock = writer_lock(self.live)
        self._lock.__enter__()
        try:
            _remove_leftovers(self.live)
            if self.live.exists():
                try:
                    shutil.copyfile(self.live, self.path)
                except OSError as exc:
                    raise PublishError(f"cannot copy the warehouse to build the next state "
                                       f"({exc.strerror}); the live warehouse is unchanged") from None
            self.con = connect_writer(self.path, self.settings)
        except BaseException:
            self._discard()
            self._lock.__exit__(None, None, None)
            raise
        return self

    def publish(self, version: int) -> None:
        """Checkpoint and close the build file, keep it as `version`, and atomically point
        the live name at it."""
        assert self.con is not None
        try:
            self.con.execute("checkpoint")
            source = self.path
            free, total = free_space(self.con)
            if free >= COMPACT_FREE_BYTES and free >= COMPACT_FREE_SHARE * total:
                source = self._compact()
            self.con.close()
            self.con = None
            for written in {self.path, source}:
                wal = Path(f"{written}.wal")
                if wal.exists():
                    raise PublishError(f"{wal.name} is left after the checkpoint; publishing would "
                                       "lose its changes")
            fsync_path(source)
            target = version_path(self.live, version)
            target.parent.mkdir(exist_ok=True)
            os.replace(source, target)
            if source != self.path:
                self.path.unlink(missing_ok=True)
            point_live_to(self.live, target)
            prune_versions(self.live, self.keep_versions)
        except OSError as exc:
            raise PublishError(f"{exc.strerror or exc} while publishing; the live warehouse "
                               "is unchanged") from None
        except duckdb.Error as exc:
            raise PublishError(f"{str(exc).splitlines()[0]} while publishing; the live "
                               "warehouse is unchanged") from None
        self.published = True

    def _compacted_path(self) -> Path:
        return self.path.with_name(f"{self.path.name}.compact")

    def _compact(self) -> Path:
        """Write the checkpointed build into a fresh file (same tables, views, macros and
        comments, no free blocks) and return its path."""
        assert self.con is not None
        fresh = self._compacted_path()
        fresh.unlink(missing_ok=True)
        name = self.con.execute("select current_database()").fetchall()[0][0]
        self.con.execute(f"attach {quote_literal(str(fresh))} as compacted")
        try:
            self.con.execute(f"copy from database {quote_ident(name)} to compacted")
            self.con.execute("checkpoint compacted")
        finally:
            self.con.execute("detach compacted")
        return fresh

    def _discard(self) -> None:
        if self.con is not None:
            with contextlib.suppress(Exception):
                self.con.close()
            self.con = None
        for leftover in (self.path, Path(f"{self.path}.wal"), self._compacted_path(),
                         Path(f"{self._compacted_path()}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(Path(f"{self.path}.tmp"), ignore_errors=True)

    def __exit__(self, *exc: object) -> None:
        try:
            if not self.published:
                self._discard()
            else:
                shutil.rmtree(Path(f"{self.path}.tmp"), ignore_errors=True)
        finally:
            assert self._lock is not None
            self._lock.__exit__(None, None, None)
