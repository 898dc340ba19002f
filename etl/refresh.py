"""Scheduled refresh: load what is new in the inbox, archive it, set aside what cannot load.

    python -m etl refresh [--inbox data/inbox]

One run: take the single-writer lock (or exit at once with code 3); leave in the inbox any
file whose size or time still changes (it is being written); load the others in one
publish, a file that cannot be read set aside without stopping the rest; only after the
publish, move each loaded (or already loaded) file to `archive/<date>/` and each failed
one to `failed/` with `<name>.reason.txt`. A run killed before its publish leaves the
warehouse and the inbox as they were; killed after it, the next run finds the same files
already loaded (by content) and only archives them, so every file is loaded exactly once.

Every step is logged as one JSON object per line on standard output (and the run in the
run log beside the warehouse), for cron mail or the systemd journal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from etl.alerts.check import InBuild
from etl.core.errors import ConfigError, DeskError, InputError, LockHeldError
from etl.core.settings import Settings
from etl.ingest.read import bounded, file_format, open_export, visible
from etl.load import runlog
from etl.load.run import RunResult, load
from etl.warehouse import schema as warehouse
from etl.warehouse.publish import writer_lock
from etl.warehouse.versions import (
    point_live_to,
    published_versions,
    resolve_live,
    version_number,
    version_path,
)

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_LOCKED, EXIT_PARTIAL = 0, 1, 2, 3, 4
EXIT_CODES = {
    EXIT_OK: "every settled file in the inbox was loaded (or there was nothing to do)",
    EXIT_FATAL: "the run failed; nothing was published and the inbox is as it was",
    EXIT_USAGE: "wrong arguments or configuration",
    EXIT_LOCKED: "another load or refresh holds the warehouse; nothing was done",
    EXIT_PARTIAL: "the others were loaded, but some files could not be: see <inbox>/failed/",
}

Log = Callable[..., None]


def json_logger(stream: TextIO = sys.stdout) -> Log:
    """log(event, **fields) → one JSON object per line."""

    def log(event: str, **fields: Any) -> None:
        entry = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        stream.write(_json_line(entry) + "\n")
        stream.flush()

    return log


# characters JSON leaves raw with ensure_ascii=False that a terminal or journal viewer would
# act on (bidi overrides, zero-width and line-separator characters): written as \uXXXX
_INVISIBLE = re.compile("[\u0080-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                        "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


def _json_line(entry: dict[str, Any]) -> str:
    text = json.dumps(entry, ensure_ascii=False, default=str)
    return _INVISIBLE.sub(lambda m: "".join(f"\\u{u:04x}" for u in _utf16(m.group())), text)


def _utf16(ch: str) -> list[int]:
    data = ch.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


@dataclass
class RefreshResult:
    exit_code: int
    loaded: list[str] = field(default_factory=list)
    already_loaded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    unsettled: list[str] = field(default_factory=list)
    run: RunResult | None = None
    alerts: InBuild | None = None  # the rules evaluated in the run's build (etl/alerts)


def inbox_files(inbox: Path) -> list[Path]:
    """Entries waiting in the inbox (top level; hidden files and folders are not exports).
    Symbolic links and other non-regular entries are listed too, to be refused by
    `refused()`: a folder (a link to one included) is never descended into."""
    if not inbox.is_dir():
        return []
    out = []
    for p in inbox.iterdir():
        if p.name.startswith("."):
            continue
        try:
            mode = p.lstat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(mode) or (stat.S_ISLNK(mode) and p.is_dir()):
            if stat.S_ISLNK(mode):
                out.append(p)  # a link to a folder: refused, never followed
            continue
        out.append(p)
    return sorted(out)


def refused(path: Path) -> str | None:
    """Why the inbox does not take `path` (None: a regular file of its own, readable):
    a symbolic link (never followed: it could point at the salt, /etc/passwd or another
    user's file), a pipe or device, a second name of another file (a hard link), or a file
    that cannot be opened. The reason names the entry by its own name only."""
    name = visible(path.name)
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return (f"{name}: is a symbolic link; the inbox does not follow links (put the file itself "
                "into the inbox)")
    if not stat.S_ISREG(st.st_mode):
        return f"{name}: not a regular file (a pipe, socket or device is not an export)"
    if st.st_nlink > 1:
        return (f"{name}: is one of {st.st_nlink} names of the same file (a hard link); the inbox "
                "takes only files of their own (copy the export into the inbox)")
    try:
        os.close(open_export(path))
    except InputError as exc:
        return exc.detail
    return None


def settled(files: list[Path], seconds: float) -> tuple[list[Path], list[Path]]:
    """(files whose size and time did not change over `seconds`, files still changing)."""
    def stamp(p: Path) -> tuple[int, int, int, int] | None:
        try:
            st = p.lstat()  # a file swapped for a link meanwhile reads as changed
        except FileNotFoundError:
            return None
        return st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode

    before = {p: stamp(p) for p in files}
    if seconds > 0 and files:
        time.sleep(seconds)
    still, moving = [], []
    for p in files:
        now = stamp(p)
        if now is None:
            continue
        (still if now == before[p] and time.time() - now[1] / 1e9 >= seconds else moving).append(p)
    return still, moving


def _private_dir(folder: Path) -> None:
    """`folder` created (with its parents) or tightened to 0700: archived and failed exports
    are customer data. A link planted under its name is refused: files would be moved, and
    reasons written, wherever it points."""
    if folder.is_symlink():
        raise ConfigError(f"{visible(folder)} is a symbolic link; the refresh does not move files "
                          "through links: remove it (it is created as a folder)")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        if stat.S_IMODE(folder.stat().st_mode) & 0o077 and folder.stat().st_uid == os.getuid():
            folder.chmod(0o700)
    except OSError:
        pass


def _move(path: Path, folder: Path) -> Path:
    _private_dir(folder)
    name = path.name
    if name.lower().endswith(".reason.txt"):  # an export never passes for a reason file
        name += ".export"
        path_stem, path_suffix = name, ""
    else:
        path_stem, path_suffix = path.stem, path.suffix
    target = folder / name
    n = 1
    while target.exists() or target.is_symlink():
        target = folder / f"{path_stem}.{n}{path_suffix}"
        n += 1
    shutil.move(str(path), target)
    try:  # the export itself: customer data, kept private in the archive and failed/
        st = target.lstat()
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
            target.chmod(0o600)
    except OSError:
        pass
    return target


def _set_aside(path: Path, inbox: Path, reason: str) -> Path:
    if path.is_symlink():
        # a link holds nothing of its own: removed (its target untouched), never moved where
        # someone (or the Data health page) would read through it
        _private_dir(inbox / "failed")
        target = inbox / "failed" / path.name
        n = 1
        while Path(f"{target}.reason.txt").exists() or Path(f"{target}.reason.txt").is_symlink():
            target = inbox / "failed" / f"{path.name}.{n}"
            n += 1
        path.unlink()
        reason = f"{reason}\nThe link was removed from the inbox; what it pointed to was not read or touched."
    else:
        target = _move(path, inbox / "failed")
    text = (f"{visible(path.name)} could not be loaded ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC):\n"
            f"{bounded(reason)}\n\n"
            "Fix the file (or the settings) and put it back into the inbox; rows already loaded "
            "from other files are not affected.\n")
    reason_path = f"{target}.reason.txt"
    # 0600, and never through a link someone left under that name
    fd = os.open(reason_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return target


def refresh(settings: Settings, *, inbox: Path | None = None, log: Log | None = None) -> RefreshResult:
    """One scheduled refresh of `inbox` (default: the settings' [refresh] inbox)."""
    log = log or json_logger()
    inbox = inbox or settings.inbox
    # everything a refresh creates (versions, run log, lock, salt, archive, reasons) is 0600/0700
    umask = os.umask(0o077)
    try:
        return _refresh(settings, inbox, log)
    finally:
        os.umask(umask)


def _refresh(settings: Settings, inbox: Path, log: Log) -> RefreshResult:
    inbox.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log("refresh_started", inbox=str(inbox), warehouse=str(settings.warehouse_path))
    try:
        with writer_lock(settings.warehouse_path) as previous:
            if previous:
                log("lock_taken_over", previous_pid=previous,
                    detail="the previous holder ended without releasing the lock (killed?)")
            result = _refresh_locked(settings, inbox, log)
    except LockHeldError as exc:
        log("lock_held", detail=exc.detail, exit_code=EXIT_LOCKED)
        return RefreshResult(exit_code=EXIT_LOCKED)
    if result.alerts is not None and result.run is not None and result.run.published:
        # after the publish and the lock: a slow or failing destination holds up, fails and
        # changes nothing; deliver_published never raises (etl/alerts/deliver.py)
        result.alerts.deliver_published()
    log("refresh_finished", exit_code=result.exit_code, meaning=EXIT_CODES[result.exit_code],
        loaded=len(result.loaded), already_loaded=len(result.already_loaded), failed=len(result.failed),
        left_in_inbox=len(result.unsettled), seconds=round(time.monotonic() - started, 3))
    return result


def _refresh_locked(settings: Settings, inbox: Path, log: Log) -> RefreshResult:
    out = RefreshResult(exit_code=EXIT_OK)
    for sub in ("failed", "archive"):
        if (inbox / sub).is_symlink():
            raise ConfigError(f"{visible(inbox / sub)} is a symbolic link; the refresh does not move "
                              "files through links: remove it (it is created as a folder)")
    candidates = inbox_files(inbox)
    loadable = []
    for path in candidates:
        why = refused(path)
        if why is None:
            try:
                file_format(path)
            except InputError as exc:
                why = exc.detail
        if why is not None:
            why = bounded(why)
            out.failed[path.name] = why
            _set_aside(path, inbox, why)
            log("file_failed", file=visible(path.name), reason=why)
            continue
        loadable.append(path)
    stable, moving = settled(loadable, settings.settle_seconds)
    for path in moving:
        out.unsettled.append(path.name)
        log("file_still_being_written", file=path.name, detail="left in the inbox for the next run")
    if not stable:
        if out.failed:
            out.exit_code = EXIT_PARTIAL
        log("nothing_to_load", files_waiting=len(out.unsettled))
        return out
    alerts = InBuild(settings, log)  # evaluated on the build just before its publish
    try:
        run = load(stable, settings, command="refresh", keep_going=True, before_publish=alerts)
    except DeskError as exc:
        log("load_failed", error=bounded(exc), detail="nothing was published; the files stay in the inbox")
        out.exit_code = EXIT_FATAL
        return out
    out.run = run
    out.alerts = alerts
    for failure in run.failed:
        path = Path(failure.path)
        out.failed[path.name] = bounded(failure.error)
        _set_aside(path, inbox, failure.error)
        log("file_failed", file=visible(path.name), reason=bounded(failure.error))
    _private_dir(inbox / "archive")
    archive = inbox / "archive" / dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    by_path = {Path(f.path): f for f in run.files}
    for path in stable:
        f = by_path.get(path.resolve())
        if f is None:
            continue
        moved = _move(path, archive)
        if f.status == "loaded":
            out.loaded.append(path.name)
            extra = {"note": "header only: no records (an empty export)"} if f.rows_read == 0 else {}
            log("file_loaded", file=visible(path.name), kind=f.kind, rows_read=f.rows_read, loaded=f.rows_loaded,
                rejected=f.rows_rejected, skipped=f.rows_skipped, reconciles=f.reconciles,
                rejected_reasons=f.rejected_reasons, archived_to=visible(moved), **extra)
        else:
            out.already_loaded.append(path.name)
            log("file_already_loaded", file=visible(path.name), archived_to=visible(moved))
    if run.published:
        log("published", version=run.version, run_id=run.run_id, as_of=run.as_of, counts=run.counts)
    if out.failed:
        out.exit_code = EXIT_PARTIAL
    return out


def _previous(live: Path, current: Path, versions: list[Path]) -> Path:
    """The version `current` was built from (its `previous_version`): after a rollback and a
    new publish, that is the state rolled back to, not the newer one rolled back from.
    Versions written before that was recorded: the next older kept version."""
    with warehouse.open_readonly(current) as con:
        recorded = warehouse.get_meta(con, "previous_version")
    previous = int(recorded) if recorded is not None else None
    if previous is not None:
        target = version_path(live, previous)
        if previous == 0 or not target.exists():
            raise InputError(f"{current.name} was built from "
                             f"{'an empty warehouse' if previous == 0 else target.name}, which is not "
                             f"kept (the oldest version kept is {versions[0].name}); nothing to roll back to")
        return target
    older = [p for p in versions if p.name < current.name]
    if not older:
        raise InputError(f"{current.name} is the oldest version kept; nothing to roll back to")
    return older[-1]


def rollback(settings: Settings, *, to_version: int | None = None) -> tuple[Path, Path]:
    """Point the live warehouse at an earlier kept version (default: the one before the
    current). Returns (from, to)."""
    live = settings.warehouse_path
    with writer_lock(live):
        versions = published_versions(live)
        if not live.exists() or not versions:
            raise InputError(f"{live} has no kept versions to roll back to")
        current = resolve_live(live)
        if to_version is not None:
            target = version_path(live, to_version)
            if not target.exists():
                kept = ", ".join(str(version_number(p)) for p in versions)
                raise InputError(f"version {to_version} is not kept (kept: {kept})")
        else:
            target = _previous(live, current, versions)
        point_live_to(live, target)
        runlog.append(live, {"status": "rollback", "command": "rollback",
                             "finished_at": dt.datetime.now(dt.UTC), "from": current.name, "to": target.name})
        return current, target
