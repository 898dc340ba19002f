"""Load: export files → staged and validated rows → merged into the warehouse → published.

One run is all or nothing: the files are merged into a private copy of the warehouse, the
metric models are rebuilt there, consistency checks run, and only then is the copy
published (etl/warehouse/publish.py). Every record of every file is either loaded, set aside in
`rejects` with its reason, or skipped (its file was loaded before, it is an older or equal
version of a stored ticket, or a duplicate); each file reconciles:
rows_read = rows_loaded + rows_rejected + rows_skipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from etl.core import sqlfiles
from etl.core.errors import DeskError, InputError, LockHeldError, PublishError
from etl.core.kinds import KIND_TABLE
from etl.core.settings import Settings
from etl.ingest.canonical import Extracted, open_file
from etl.ingest.privacy import Privacy
from etl.ingest.privacy import privacy as load_privacy
from etl.ingest.profiles import Profile
from etl.ingest.read import bounded, file_format, file_sha256, first_line, visible
from etl.load import runlog
from etl.load.merge import SKIP_REASONS, merge
from etl.load.stage import stage
from etl.warehouse import checks, models, policy
from etl.warehouse import schema as warehouse
from etl.warehouse.publish import Build
from etl.warehouse.versions import next_version


@dataclass
class FileResult:
    path: str
    file_name: str
    sha256: str
    size_bytes: int
    kind: str | None
    source: str
    status: str
    rows_read: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    profile: str | None = None
    data_issues: dict[str, int] = field(default_factory=dict)  # rule → fields emptied in loaded records
    fields: list[str] | None = None  # the canonical fields its mapping fills (None: not opened)

    @property
    def rows_loaded(self) -> int:
        return self.rows_inserted + self.rows_updated

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected + self.rows_skipped


@dataclass
class FailedFile:
    """A file that could not be read as a whole (only with keep_going)."""

    path: str
    error: str


@dataclass
class RunResult:
    run_id: int
    as_of: dt.datetime
    started_at: dt.datetime
    finished_at: dt.datetime
    files: list[FileResult]
    warnings: list[str]
    counts: dict[str, int]
    version: int
    published: bool = True
    failed: list[FailedFile] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_loaded", "rows_inserted", "rows_updated", "rows_rejected",
                "rows_skipped")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}


# progress(message, done, total): units are bytes of input, plus a share for the final steps
Progress = Callable[[str, float, float], None]
FINAL_SHARE = {"metrics": 0.15, "checks": 0.05, "publish": 0.05}


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named, and the export files inside folders named (sorted by name).

    No symbolic link is followed to a file: a link named on the command line, or an export
    file in a folder that is a link, is refused (name the file it points to instead); a
    folder named may itself be reached through links (it is the user's own path). Entries
    of a folder that are not regular files (links to folders, pipes, devices) are not taken.
    """
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_symlink():
            if path.is_dir():
                path = Path(os.path.realpath(path))  # a folder the user named: their own path
            else:
                raise InputError(f"{visible(path.name)}: is a symbolic link; links are not followed: "
                                 "name the file it points to")
        if path.is_dir():
            found = []
            for child in sorted(path.iterdir()):
                if child.name.startswith("."):
                    continue
                try:
                    file_format(child)
                except InputError:
                    continue
                if child.is_symlink():
                    raise InputError(f"{visible(child.name)} in {visible(path.name)}/ is a symbolic link; "
                                     "links inside a folder are not followed (name the file it points "
                                     "to, or remove the link)")
                if not stat.S_ISREG(child.lstat().st_mode):
                    continue
                found.append(child)
            if not found:
                raise InputError(f"{visible(path)}: the folder holds no export files (.csv, .tsv, .json, "
                                 ".jsonl, .parquet, .xlsx)")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"{visible(path)}: no such file or folder")
    return out


def parse_as_of(text: str | None) -> dt.datetime:
    """--as-of as an aware UTC time; an offset-less value is read as UTC. Default: now."""
    if text is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of {text!r} is not an ISO 8601 time stamp such as "
                         "2026-10-01T00:00:00+08:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select coalesce(max(run_id), 0) + 1 from load_runs").fetchall()[0][0])


def _already_loaded(con: duckdb.DuckDBPyConnection, sha: str, source: str) -> int | None:
    row = con.execute("select min(run_id) from load_files where sha256 = ? and source = ? "
                      "and status = 'loaded'", [sha, source]).fetchall()[0]
    return row[0] if row and row[0] is not None else None


def load_one(con: duckdb.DuckDBPyConnection, ext: Extracted, result: FileResult, *,
             run_id: int, source: str, source_tz: str, future_limit: dt.datetime,
             privacy: Privacy) -> None:
    """Stage and merge one opened file; its counts and reasons go into `result`."""
    staged = stage(con, ext, run_id=run_id, source=source, source_tz=source_tz,
                   future_limit=future_limit, privacy=privacy)
    merged = merge(con, ext.kind, valid=staged.valid,
                   params={"source": source, "run_id": run_id, "source_tz": source_tz,
                           "source_file": ext.path.name, **privacy.params})
    result.warnings.extend(staged.warnings)
    result.rows_read = staged.rows
    result.rows_rejected = staged.rejected
    result.rows_inserted = merged.inserted
    result.rows_updated = merged.updated
    result.rows_skipped = staged.skipped + merged.skipped_in_file + merged.skipped_stored
    result.skipped_reasons = {**merged.skipped_reasons(ext.kind), **staged.skipped_reasons}
    result.rejected_reasons = staged.rejected_reasons
    if ext.kind in ("tickets", "qa_reviews"):  # the kinds whose fields are emptied one by one
        params = {"run_id": run_id, "source": source, "source_file": ext.path.name}
        sqlfiles.run(con, f"load/record_issues_{ext.kind}", params)
        result.data_issues = dict(con.execute(
            "select rule, count(*) from data_issues where run_id = $run_id and source = $source "
            "and source_file = $source_file group by 1 order by 2 desc, 1", params).fetchall())


def _stamp(path: Path) -> tuple[int, int]:
    st = path.lstat()  # never a link's target: a file swapped for a link reads as changed
    return st.st_size, st.st_mtime_ns


def hash_with_stamp(path: Path) -> tuple[str, tuple[int, int]]:
    """A file's SHA-256 and its (size, mtime) from before the hash was taken."""
    stamp = _stamp(path)
    return file_sha256(path), stamp


def _record_files(con: duckdb.DuckDBPyConnection, run_id: int, files: list[FileResult]) -> None:
    for f in files:
        con.execute(
            "insert into load_files (run_id, path, file_name, sha256, size_bytes, kind, source, status, "
            "rows_read, rows_loaded, rows_inserted, rows_updated, rows_rejected, rows_skipped, "
            "skipped_reasons, warnings, fields) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, f.path, f.file_name, f.sha256, f.size_bytes, f.kind, f.source, f.status,
             f.rows_read, f.rows_loaded, f.rows_inserted, f.rows_updated, f.rows_rejected,
             f.rows_skipped, json.dumps(f.skipped_reasons, ensure_ascii=False), f.warnings, f.fields])


@dataclass
class _Run:
    """One run's inputs and progress, passed between its steps."""

    settings: Settings
    command: str
    as_of: dt.datetime
    source: str
    files: list[Path]
    sizes: list[int]
    report: Progress
    started: float = field(default_factory=time.monotonic)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    done: float = 0.0

    @property
    def total(self) -> float:
        return max(1, sum(self.sizes)) * (1 + sum(FINAL_SHARE.values()))

    def say(self, message: str, advance: float = 0.0) -> None:
        self.report(message, self.done, self.total)
        self.done += advance

    def final_step(self, message: str, share: str) -> None:
        self.say(message, FINAL_SHARE[share] * max(1, sum(self.sizes)))

    def log(self, entry: dict[str, object]) -> None:
        runlog.append(self.settings.warehouse_path, {
            "command": self.command, "started_at": self.started_at,
            "finished_at": dt.datetime.now(dt.UTC), **entry})


def _load_files(con: duckdb.DuckDBPyConnection, run: _Run, hashes: list[Future[tuple[str, tuple[int, int]]]],
                *, run_id: int, kind: str | None, encoding: str | None, profile: Profile | None,
                keep_going: bool) -> tuple[list[FileResult], list[FailedFile]]:
    """Every file in its own transaction (a file that fails leaves no trace); files whose
    content this source loaded before are skipped."""
    results: list[FileResult] = []
    failed: list[FailedFile] = []
    future_limit = run.as_of + dt.timedelta(minutes=run.settings.future_tolerance_minutes)
    privacy = load_privacy(run.settings)
    seen: set[str] = set()
    count = len(run.files)
    for n, path in enumerate(run.files, start=1):
        size = run.sizes[n - 1]
        run.say(f"[{n}/{count}] {path.name}: checking", 0.1 * size)
        sha, stamp = hashes[n - 1].result()
        if _stamp(path) != stamp:  # written to since it was hashed: hash what is there now
            sha = file_sha256(path)
        res = FileResult(path=str(path.resolve()), file_name=path.name, sha256=sha,
                         size_bytes=path.stat().st_size, kind=kind, source=run.source, status="loaded")
        earlier = _already_loaded(con, sha, run.source)
        if earlier is not None or sha in seen:
            run.say(f"[{n}/{count}] {path.name}: already loaded", 0.9 * size)
            res.status = "skipped_already_loaded"
            res.warnings.append(f"{path.name}: the same content was loaded "
                                f"{f'in run {earlier}' if earlier else 'earlier in this run'}; skipped")
            results.append(res)
            continue
        seen.add(sha)
        con.execute("begin transaction")
        try:
            ext = _open(con, path, seq=n, kind=kind, encoding=encoding, workdir=run.settings.warehouse_path.parent,
                        profile=profile)
            res.kind, res.profile, res.fields = ext.kind, ext.profile, ext.present
            how = f"{ext.kind} with profile {ext.profile}" if ext.profile else ext.kind
            run.say(f"[{n}/{count}] {path.name}: loading as {how}", 0.9 * size)
            _stage_and_merge(con, ext, res, run_id=run_id, source=run.source,
                             source_tz=ext.timezone or run.settings.source_timezone,
                             future_limit=future_limit, privacy=privacy)
            companion = ext.mapping.companion() if ext.mapping is not None else None
            also: FileResult | None = None
            if companion is not None:  # an event log: the same rows as events too
                also = FileResult(path=res.path, file_name=res.file_name, sha256=sha, size_bytes=res.size_bytes,
                                  kind="events", source=run.source, status="loaded", profile=companion.name)
                events = _open(con, path, seq=n + 100_000, kind="events", encoding=encoding,
                               workdir=run.settings.warehouse_path.parent, profile=companion)
                _stage_and_merge(con, events, also, run_id=run_id, source=run.source,
                                 source_tz=events.timezone or run.settings.source_timezone,
                                 future_limit=future_limit, privacy=privacy)
                also.fields = events.present
                _fold_into_events(res, also)
            con.execute("commit")
        except InputError as exc:
            con.execute("rollback")
            exc.detail = bounded(exc.detail)  # the run log, load_runs and the screen quote it
            if not keep_going:
                raise
            failed.append(FailedFile(path=str(path), error=exc.detail))
            continue
        except BaseException:
            con.execute("rollback")
            raise
        results.append(res)
        if also is not None:
            results.append(also)
    return results, failed


def _fold_into_events(tickets: FileResult, events: FileResult) -> None:
    """An event log's older rows of a ticket are not skipped: they are loaded as that
    ticket's events (counted in `events`). The tickets' count then reads one row per
    ticket version kept, so that both counts reconcile and no row is counted as skipped."""
    older = SKIP_REASONS["tickets"][0]
    folded = tickets.skipped_reasons.pop(older, 0)
    if folded:
        tickets.rows_read -= folded
        tickets.rows_skipped -= folded
        tickets.warnings.append(f"{tickets.file_name}: an event log: {folded:,} older rows of its tickets "
                                f"are loaded as their events ({events.rows_loaded:,} events), not as tickets")


def _open(con: duckdb.DuckDBPyConnection, path: Path, **kw: Any) -> Extracted:
    try:
        return open_file(con, path, **kw)
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise InputError(f"{path.name}: cannot be read: {first_line(exc)}") from None


def _stage_and_merge(con: duckdb.DuckDBPyConnection, ext: Extracted, res: FileResult, **kw: Any) -> None:
    """load_one for an opened file, its view dropped afterwards. What the file's content
    makes DuckDB refuse (a CSV its parser cannot follow, a value it cannot convert) fails
    that file, not the run; a system error (disk, memory) still fails the run."""
    try:
        load_one(con, ext, res, **kw)
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise InputError(f"{ext.path.name}: reading stopped: {first_line(exc)}") from None
    finally:
        ext.cleanup()
        # after an error the transaction is aborted (its rollback drops the view): an
        # error here would hide the one that matters
        with contextlib.suppress(duckdb.TransactionException):
            con.execute(f"drop view if exists {ext.view}")




def _nothing_new(con: duckdb.DuckDBPyConnection, run: _Run, run_id: int, results: list[FileResult],
                 failed: list[FailedFile]) -> RunResult:
    """No file brought anything new: the published state (and its as_of) stays as it is."""
    stored_as_of = warehouse.get_meta(con, "as_of")
    result = RunResult(run_id=run_id - 1,
                       as_of=dt.datetime.fromisoformat(stored_as_of) if stored_as_of else run.as_of,
                       started_at=run.started_at, finished_at=dt.datetime.now(dt.UTC), files=results,
                       warnings=[w for f in results for w in f.warnings], counts=warehouse.table_counts(con),
                       version=int(warehouse.get_meta(con, "version") or 0), published=False, failed=failed)
    run.log({"status": "nothing_new" if not failed else "failed", "files": [str(p) for p in run.files],
             "error": _failed_text(failed)})
    return result


def _failed_text(failed: list[FailedFile]) -> str | None:
    return "; ".join(f"{Path(f.path).name}: {f.error}" for f in failed) or None


def _build_and_check(con: duckdb.DuckDBPyConnection, run: _Run, run_id: int, results: list[FileResult],
                     upgraded: list[str]) -> list[str]:
    """Policy tables, calendar, metric models and consistency checks; the run's warnings."""
    run.final_step("computing metrics", "metrics")
    warehouse.set_meta(con, "as_of", run.as_of.isoformat())
    policy.write_policy(con, run.settings)
    policy.write_calendar(con, run.settings, run.as_of)
    _record_files(con, run_id, results)  # before the models: ticket_completeness reads what each file maps
    mode = models.build_models(con, run_id=None if run.command == "rebuild" else run_id)
    warehouse.set_meta(con, "models_built", mode)
    run.final_step("checking consistency", "checks")
    warnings = [w for f in results for w in f.warnings]
    if upgraded:
        warnings.append(f"the warehouse was written by an earlier version of the ETL: added "
                        f"{', '.join(upgraded)} (empty for rows loaded before) and rebuilt the "
                        "metrics in full")
    return warnings + checks.fail_on_checks(checks.run_checks(con))


def _record_run(con: duckdb.DuckDBPyConnection, run: _Run, run_id: int, results: list[FileResult],
                failed: list[FailedFile], warnings: list[str], finished_at: dt.datetime) -> int:
    """The version number, the metadata `rollback` needs, and the load_runs row."""
    built_from = int(warehouse.get_meta(con, "version") or 0)
    version = next_version(run.settings.warehouse_path, built_from)
    warehouse.set_meta(con, "version", str(version))
    # what `rollback` returns to: the state this one was built on (0: an empty warehouse)
    warehouse.set_meta(con, "previous_version", str(built_from))
    warehouse.set_meta(con, "published_at", dt.datetime.now(dt.UTC).isoformat())
    totals = {k: sum(getattr(f, k) for f in results)
              for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_skipped")}
    con.execute(
        "insert into load_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, run.command, run.started_at, finished_at, run.as_of, "partial" if failed else "published",
         len(results), sum(f.status != "loaded" for f in results), totals["rows_read"],
         totals["rows_loaded"], totals["rows_rejected"], totals["rows_skipped"], warnings,
         _failed_text(failed)])
    return version


def load(paths: Iterable[str | os.PathLike[str]], settings: Settings, *, kind: str | None = None,
         source: str | None = None, as_of: dt.datetime | None = None, encoding: str | None = None,
         command: str = "load", progress: Progress | None = None, keep_going: bool = False,
         profile: Profile | None = None,
         before_publish: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None) -> RunResult:
    """Load export files (or folders of them) and publish the new warehouse state.

    Raises a DeskError (nothing published, the warehouse as it was) when a file cannot be
    read as a whole or a consistency check fails; rejected rows do not fail the run. With
    `keep_going`, a file that cannot be read is left out (in `RunResult.failed`) and the
    others are published. `before_publish(con, version)` runs on the finished build just
    before it is published, so that what it writes is published with it (the refresh's
    alert evaluation, etl/alerts/check.py).
    """
    files = expand_paths(paths)
    run = _Run(settings=settings, command=command,
               as_of=as_of or dt.datetime.now(dt.UTC).replace(microsecond=0),
               source=source or settings.source_name, files=files,
               sizes=[p.stat().st_size for p in files],
               report=progress or (lambda _msg, _done, _total: None))
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
    try:
        with Build(settings) as build:
            # the files' SHA-256 (to skip a file loaded before) are computed in a thread ahead
            # of the load, so that hashing a big file overlaps DuckDB's work on the ones before
            hashes = [hasher.submit(hash_with_stamp, path) for path in files]
            con = build.con
            assert con is not None
            upgraded = warehouse.apply_schema(con)
            sqlfiles.run(con, "staging/macros")
            run_id = _next_run_id(con)
            results, failed = _load_files(con, run, hashes, run_id=run_id, kind=kind, encoding=encoding,
                                          profile=profile, keep_going=keep_going)
            if files and not any(r.status == "loaded" for r in results):
                return _nothing_new(con, run, run_id, results, failed)
            warnings = _build_and_check(con, run, run_id, results, upgraded)
            finished_at = dt.datetime.now(dt.UTC)
            version = _record_run(con, run, run_id, results, failed, warnings, finished_at)
            counts = warehouse.table_counts(con)
            if before_publish is not None:
                before_publish(con, version)
            run.final_step("publishing", "publish")
            build.publish(version)
    except (duckdb.Error, OSError) as exc:
        # the disk filled up, the memory limit was hit, a file vanished …: nothing published
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        error = PublishError(f"{detail} (the previous warehouse is unchanged)",
                             title="The load stopped on a system error")
        run.log({"status": "failed", "as_of": run.as_of, "files": [str(p) for p in files],
                 "error": str(error), "seconds": round(time.monotonic() - run.started, 3)})
        raise error from exc
    except LockHeldError:
        raise  # another run is at work: not a failure of the data
    except DeskError as exc:
        run.log({"status": "failed", "as_of": run.as_of, "files": [str(p) for p in files],
                 "error": str(exc), "seconds": round(time.monotonic() - run.started, 3)})
        raise
    finally:
        # a hash still running finishes in its thread; nothing waits for it
        hasher.shutdown(wait=False, cancel_futures=True)
    result = RunResult(run_id=run_id, as_of=run.as_of, started_at=run.started_at, finished_at=finished_at,
                       files=results, warnings=warnings, counts=counts, version=version, failed=failed)
    run.log({"status": "partial" if failed else "published", "run_id": run_id,
             "failed": [asdict(f) for f in failed], "finished_at": finished_at, "as_of": run.as_of,
             "version": version, "seconds": round(time.monotonic() - run.started, 3),
             **result.totals, "files": [asdict(f) for f in results], "warnings": warnings[:50]})
    return result


def rebuild(settings: Settings, *, as_of: dt.datetime | None = None, command: str = "rebuild",
            progress: Progress | None = None) -> RunResult:
    """Recompute the metric models with the current configuration (and optionally a new
    as_of) without loading files: e.g. after an SLA target or a schedule changed."""
    if not settings.warehouse_path.exists():
        raise InputError(f"{settings.warehouse_path} does not exist; load data first")
    if as_of is None:
        with warehouse.open_readonly(settings.warehouse_path) as con:
            stored = warehouse.get_meta(con, "as_of")
        as_of = dt.datetime.fromisoformat(stored) if stored else dt.datetime.now(dt.UTC)
    return load([], settings, as_of=as_of, command=command, progress=progress)


__all__ = ["FileResult", "RunResult", "expand_paths", "load", "parse_as_of", "rebuild", "KIND_TABLE"]
