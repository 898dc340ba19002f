"""Load: export files → staged and validated rows → merged into the warehouse → published.

One run is all or nothing: the files are merged into a private copy of the warehouse, the
metric models are rebuilt there, consistency checks run, and only then is the copy
published (etl/publish.py). Every record of every file is either loaded, set aside in
`rejects` with its reason, or skipped (its file was loaded before, it is an older or equal
version of a stored ticket, or a duplicate); each file reconciles:
rows_read = rows_loaded + rows_rejected + rows_skipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from etl import runlog, sqlfiles, warehouse
from etl.errors import DeskError, InputError, LockHeldError, PublishError
from etl.extract import Extracted, file_format, file_sha256, malformed_lines, open_file, raw_columns, raw_json
from etl.kinds import KIND_TABLE
from etl.privacy import customer_salt
from etl.publish import Build, next_version
from etl.settings import Settings
from etl.vocab import map_values, split_list

# The enumeration fields each kind maps through the vocabulary: (field, staged column).
ENUM_FIELDS = {
    "tickets": (("channel", "channel_raw"), ("category", "category_raw"),
                ("priority", "priority_raw"), ("status", "status_raw"),
                ("sla_reported", "frt_sla_reported_raw")),
    "events": (("event_type", "event_type_raw"), ("actor_role", "actor_role_raw")),
    "qa_reviews": (),
    "agents": (),
}
KEY_COLUMN = {"tickets": "ticket_id", "events": "row_hash", "qa_reviews": "review_id",
              "agents": "agent_id"}
SKIP_REASONS = {
    "tickets": ("older version of the ticket in the same file", "stored version is as new or newer"),
    "events": ("duplicate event in the same file", "event already stored"),
    "qa_reviews": ("earlier record of the review in the same file", "identical review already stored"),
    "agents": ("earlier record of the agent in the same file", "identical agent already stored"),
}


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
    """Files named, and the export files inside folders named (sorted by name)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = []
            for child in sorted(path.iterdir()):
                if child.name.startswith(".") or not child.is_file():
                    continue
                try:
                    file_format(child)
                except InputError:
                    continue
                found.append(child)
            if not found:
                raise InputError(f"{path}: the folder holds no export files (.csv, .tsv, .json, "
                                 ".jsonl, .parquet, .xlsx)")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
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


def _enum_map(con: duckdb.DuckDBPyConnection, kind: str, file_name: str) -> list[str]:
    """Map the staged file's distinct enumeration values; create temp table enum_map."""
    fields: list[str] = []
    raws: list[str] = []
    values: list[str] = []
    warnings: list[str] = []
    sources: list[tuple[str, dict[str, int]]] = []
    if ENUM_FIELDS[kind]:
        # every field's distinct values in one scan of the staged rows (one grouping set each)
        columns = [column for _fld, column in ENUM_FIELDS[kind]]
        rows = con.execute(f"select grouping_id({', '.join(columns)}), {', '.join(columns)}, count(*) from stg "
                           "where reason_code is null and skip_reason is null "
                           f"group by grouping sets ({', '.join(f'({c})' for c in columns)})").fetchall()
        full = (1 << len(columns)) - 1
        for i, (fld, _column) in enumerate(ENUM_FIELDS[kind]):
            # grouping_id has a 1 bit for every column not grouped; the first column is the highest bit
            gid = full ^ (1 << (len(columns) - 1 - i))
            sources.append((fld, {row[1 + i]: row[-1] for row in rows if row[0] == gid and row[1 + i] is not None}))
    if kind == "qa_reviews":
        counts: Counter[str] = Counter()
        for raw, n in con.execute("select error_types_raw, count(*) from stg where reason_code "
                                  "is null and error_types_raw is not null group by 1").fetchall():
            for part in split_list(raw):
                counts[part] += n
        sources.append(("error_type", dict(counts)))
    for fld, counts in sources:
        # an unknown SLA verdict means "no verdict" (NULL), not a category of its own
        result = map_values(fld, counts, fallback=None if fld == "sla_reported" else "other")
        for raw, value in result.mapping.items():
            if value is None:
                continue
            fields.append(fld)
            raws.append(raw)
            values.append(value)
        if result.unknown:
            shown = ", ".join(f"{raw!r} ×{n}" for raw, n in result.unknown.most_common(5))
            more = len(result.unknown) - 5
            kept = "ignored" if fld == "sla_reported" else "kept as 'other'"
            warnings.append(f"{file_name}: {sum(result.unknown.values())} rows have a {fld} that is "
                            f"not a known value, {kept} with the raw value: {shown}"
                            f"{f' and {more} more' if more > 0 else ''}")
    table = pa.table({"field": pa.array(fields, pa.string()), "raw": pa.array(raws, pa.string()),
                      "value": pa.array(values, pa.string())})
    con.register("_enum_map", table)
    con.execute("create or replace temp table enum_map as select * from _enum_map")
    con.unregister("_enum_map")
    return warnings


def _load_file(con: duckdb.DuckDBPyConnection, ext: Extracted, result: FileResult, *,
               run_id: int, source: str, source_tz: str, future_limit: dt.datetime,
               privacy: dict[str, object]) -> None:
    kind = ext.kind
    con.execute(f"set TimeZone = '{source_tz}'")
    try:
        # the staging table keeps the file's order: its rowid + 1 is the record number
        con.execute("create or replace temp table stg_rows as\n"
                    + sqlfiles.query(f"staging/stg_{kind}", raw=ext.view, raw_columns=raw_columns(ext.headers),
                                     raw_json=raw_json(ext.headers)),
                    {"future_limit": future_limit} if kind != "agents" else None)
    except duckdb.Error as exc:
        raise InputError(f"{ext.path.name}: reading stopped: {str(exc).splitlines()[0]}") from None
    finally:
        con.execute("set TimeZone = 'UTC'")
    # inside the file's transaction rowids start at a large offset: count from the first one
    first_rowid = con.execute("select coalesce(min(rowid), 0) from stg_rows").fetchall()[0][0]
    con.execute(f"create or replace temp view stg as select rowid - {int(first_rowid)} + 1 as _record, * "
                "from stg_rows")

    staged, rejected, profile_skipped = con.execute(
        "select count(*), count(reason_code), count(skip_reason) from stg").fetchall()[0]
    bad_lines = malformed_lines(con, ext)
    for bad in bad_lines:
        con.execute("insert into rejects values (?, ?, ?, ?, null, ?, ?, ?, ?)",
                    [run_id, kind, source, ext.path.name, bad.line, bad.code, bad.reason, bad.raw])
    con.execute("insert into rejects select ?, ?, ?, ?, _record, null, reason_code, reason, raw_record "
                "from stg where reason_code is not null", [run_id, kind, source, ext.path.name])
    result.warnings.extend(ext.warnings)
    result.warnings.extend(_enum_map(con, kind, ext.path.name))

    actions, incoming = _merge(con, kind, valid=staged - rejected - profile_skipped,
                               params={"source": source, "run_id": run_id, "source_tz": source_tz,
                                       "source_file": ext.path.name, **privacy})
    valid = staged - rejected - profile_skipped
    in_file, stored = SKIP_REASONS[kind]
    result.rows_read = staged + len(bad_lines)
    result.rows_rejected = rejected + len(bad_lines)
    result.rows_inserted = actions.get("insert", 0)
    result.rows_updated = actions.get("update", 0)
    result.rows_skipped = profile_skipped + (valid - incoming) + actions.get("skip", 0)
    result.skipped_reasons = {k: v for k, v in ((in_file, valid - incoming),
                                                (stored, actions.get("skip", 0))) if v}
    if profile_skipped:
        result.skipped_reasons.update(dict(con.execute(
            "select skip_reason, count(*) from stg where skip_reason is not null group by 1").fetchall()))
    result.rejected_reasons = dict(con.execute(
        "select reason_code, count(*) from stg where reason_code is not null group by 1").fetchall())
    for bad in bad_lines:
        result.rejected_reasons[bad.code] = result.rejected_reasons.get(bad.code, 0) + 1


# what makes two staged rows the same thing, for the within-file duplicate check
DUPLICATE_KEY = {
    "tickets": "ticket_id",
    "events": "hash(ticket_id, event_at, event_type_raw, actor_id, actor_role_raw, detail)",
    "qa_reviews": "review_id",
    "agents": "agent_id",
}


def _merge(con: duckdb.DuckDBPyConnection, kind: str, *, valid: int,
           params: dict[str, object]) -> tuple[dict[str, int], int]:
    """Run load/merge_<kind>.sql: ({action: rows}, rows after the within-file dedupe).

    Two shortcuts keep a big first load to one pass: the within-file dedupe window runs only
    when the file repeats a key, and when the source has no stored rows yet every row is an
    insert, so `incoming` stays a view that the insert reads once."""
    table = KIND_TABLE[kind]
    repeats = con.execute(f"select count(*) - count(distinct {DUPLICATE_KEY[kind]}) from stg "
                          "where reason_code is null and skip_reason is null").fetchall()[0][0]
    stored = con.execute(f"select count(*) from (select 1 from {table} where source = ? limit 1)",
                         [params["source"]]).fetchall()[0][0] > 0
    fast = not stored and repeats == 0
    text = sqlfiles.query(f"load/merge_{kind}",
                          dedupe="" if repeats else "--",  # "--" comments the window out
                          stored=table if stored else f"(select * from {table} where false)")
    statements = sqlfiles.statements(text)
    if fast:  # nothing stored to replace: one insert straight from the staged rows
        body = statements[0].split(" incoming as", 1)[1]
        statements = [statements[-1].replace("from incoming i", f"from ({body}) i")]
    for stmt in statements:
        used = set(sqlfiles.PARAM.findall(stmt))
        bound = {k: v for k, v in params.items() if k in used}
        con.execute(stmt, bound) if bound else con.execute(stmt)
    if fast:
        return {"insert": valid}, valid
    actions = dict(con.execute("select action, count(*) from incoming group by 1").fetchall())
    return actions, sum(actions.values())


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _hash_with_stamp(path: Path) -> tuple[str, tuple[int, int]]:
    """A file's SHA-256 and its (size, mtime) from before the hash was taken."""
    stamp = _stamp(path)
    return file_sha256(path), stamp


def _record_files(con: duckdb.DuckDBPyConnection, run_id: int, files: list[FileResult]) -> None:
    for f in files:
        con.execute(
            "insert into load_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, f.path, f.file_name, f.sha256, f.size_bytes, f.kind, f.source, f.status,
             f.rows_read, f.rows_loaded, f.rows_inserted, f.rows_updated, f.rows_rejected,
             f.rows_skipped, json.dumps(f.skipped_reasons, ensure_ascii=False), f.warnings])


def _log(settings: Settings, entry: dict[str, object]) -> None:
    runlog.append(settings.warehouse_path, entry)


def load(paths: Iterable[str | os.PathLike[str]], settings: Settings, *, kind: str | None = None,
         source: str | None = None, as_of: dt.datetime | None = None, encoding: str | None = None,
         command: str = "load", progress: Progress | None = None, keep_going: bool = False,
         profile: object | None = None) -> RunResult:
    """Load export files (or folders of them) and publish the new warehouse state.

    Raises a DeskError (nothing published, the warehouse as it was) when a file cannot be
    read as a whole or a consistency check fails; rejected rows do not fail the run. With
    `keep_going`, a file that cannot be read is left out (in `RunResult.failed`) and the
    others are published.
    """
    report = progress or (lambda _msg, _done, _total: None)
    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    as_of = as_of or dt.datetime.now(dt.UTC).replace(microsecond=0)
    source = source or settings.source_name
    files = expand_paths(paths)
    sizes = [p.stat().st_size for p in files]
    total = max(1, sum(sizes)) * (1 + sum(FINAL_SHARE.values()))
    done = 0.0

    def say(message: str, advance: float = 0.0) -> None:
        nonlocal done
        report(message, done, total)
        done += advance

    future_limit = as_of + dt.timedelta(minutes=settings.future_tolerance_minutes)
    results: list[FileResult] = []
    failed: list[FailedFile] = []
    privacy_params: dict[str, object] = {
        "salt": customer_salt(settings) if settings.hash_customer_ids else "",
        "hash_customers": settings.hash_customer_ids, "scrub_text": settings.scrub_free_text}
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
    try:
        with Build(settings) as build:
            # the files' SHA-256 (to skip a file loaded before) are computed in a thread ahead
            # of the load, so that hashing a big file overlaps DuckDB's work on the ones before
            hashes = [hasher.submit(_hash_with_stamp, path) for path in files]
            con = build.con
            assert con is not None
            upgraded = warehouse.apply_schema(con)
            sqlfiles.run(con, "staging/macros")
            run_id = _next_run_id(con)
            seen: set[str] = set()
            for n, path in enumerate(files, start=1):
                say(f"[{n}/{len(files)}] {path.name}: checking", 0.1 * sizes[n - 1])
                sha, stamp = hashes[n - 1].result()
                if _stamp(path) != stamp:  # written to since it was hashed: hash what is there now
                    sha = file_sha256(path)
                res = FileResult(path=str(path.resolve()), file_name=path.name, sha256=sha,
                                 size_bytes=path.stat().st_size, kind=kind, source=source,
                                 status="loaded")
                earlier = _already_loaded(con, sha, source)
                if earlier is not None or sha in seen:
                    say(f"[{n}/{len(files)}] {path.name}: already loaded", 0.9 * sizes[n - 1])
                    res.status = "skipped_already_loaded"
                    res.warnings.append(f"{path.name}: the same content was loaded "
                                        f"{f'in run {earlier}' if earlier else 'earlier in this run'}; skipped")
                    results.append(res)
                    continue
                seen.add(sha)
                # each file in its own transaction: a file that fails leaves no trace
                con.execute("begin transaction")
                try:
                    ext = open_file(con, path, seq=n, kind=kind, encoding=encoding,
                                    workdir=settings.warehouse_path.parent, profile=profile)
                    res.kind, res.profile = ext.kind, ext.profile
                    try:
                        how = f"{ext.kind} with profile {ext.profile}" if ext.profile else ext.kind
                        say(f"[{n}/{len(files)}] {path.name}: loading as {how}", 0.9 * sizes[n - 1])
                        _load_file(con, ext, res, run_id=run_id, source=source,
                                   source_tz=ext.timezone or settings.source_timezone,
                                   future_limit=future_limit, privacy=privacy_params)
                    finally:
                        ext.cleanup()
                        # after an error the transaction is aborted (its rollback drops the
                        # view): an error here would hide the one that matters
                        with contextlib.suppress(duckdb.TransactionException):
                            con.execute(f"drop view if exists {ext.view}")
                    con.execute("commit")
                except InputError as exc:
                    con.execute("rollback")
                    if not keep_going:
                        raise
                    failed.append(FailedFile(path=str(path), error=exc.detail))
                    continue
                except BaseException:
                    con.execute("rollback")
                    raise
                results.append(res)

            if files and not any(r.status == "loaded" for r in results):
                # nothing new: keep the published state (and its as_of) exactly as it is
                version = int(warehouse.get_meta(con, "version") or 0)
                counts = warehouse.table_counts(con)
                warnings = [w for f in results for w in f.warnings]
                finished_at = dt.datetime.now(dt.UTC)
                stored_as_of = warehouse.get_meta(con, "as_of")
                result = RunResult(run_id=run_id - 1,
                                   as_of=dt.datetime.fromisoformat(stored_as_of) if stored_as_of else as_of,
                                   started_at=started_at, finished_at=finished_at, files=results,
                                   warnings=warnings, counts=counts, version=version,
                                   published=False, failed=failed)
                _log(settings, {"status": "nothing_new" if not failed else "failed", "command": command,
                                "started_at": started_at, "finished_at": finished_at,
                                "files": [str(p) for p in files],
                                "error": "; ".join(f"{Path(f.path).name}: {f.error}" for f in failed) or None})
                return result
            say("computing metrics", FINAL_SHARE["metrics"] * max(1, sum(sizes)))
            warehouse.set_meta(con, "as_of", as_of.isoformat())
            warehouse.write_policy(con, settings)
            warehouse.write_calendar(con, settings, as_of)
            mode = warehouse.build_models(con, run_id=None if command == "rebuild" else run_id)
            warehouse.set_meta(con, "models_built", mode)
            _record_files(con, run_id, results)
            say("checking consistency", FINAL_SHARE["checks"] * max(1, sum(sizes)))
            warnings = [w for f in results for w in f.warnings]
            if upgraded:
                warnings.append(f"the warehouse was written by an earlier version of the ETL: added "
                                f"{', '.join(upgraded)} (empty for rows loaded before) and rebuilt the "
                                "metrics in full")
            warnings += warehouse.fail_on_checks(warehouse.run_checks(con))
            built_from = int(warehouse.get_meta(con, "version") or 0)
            version = next_version(settings.warehouse_path, built_from)
            warehouse.set_meta(con, "version", str(version))
            # what `rollback` returns to: the state this one was built on (0: an empty warehouse)
            warehouse.set_meta(con, "previous_version", str(built_from))
            warehouse.set_meta(con, "published_at", dt.datetime.now(dt.UTC).isoformat())
            finished_at = dt.datetime.now(dt.UTC)
            totals = {k: sum(getattr(f, k) for f in results)
                      for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_skipped")}
            con.execute(
                "insert into load_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, command, started_at, finished_at, as_of, "partial" if failed else "published",
                 len(results),
                 sum(f.status != "loaded" for f in results), totals["rows_read"],
                 totals["rows_loaded"], totals["rows_rejected"], totals["rows_skipped"], warnings,
                 "; ".join(f"{Path(f.path).name}: {f.error}" for f in failed) or None])
            counts = warehouse.table_counts(con)
            say("publishing", FINAL_SHARE["publish"] * max(1, sum(sizes)))
            build.publish(version)
    except (duckdb.Error, OSError) as exc:
        # the disk filled up, the memory limit was hit, a file vanished …: nothing published
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        error = PublishError(f"{detail} (the previous warehouse is unchanged)",
                             title="The load stopped on a system error")
        _log(settings, {"status": "failed", "command": command, "started_at": started_at,
                        "finished_at": dt.datetime.now(dt.UTC), "as_of": as_of,
                        "files": [str(p) for p in files], "error": str(error),
                        "seconds": round(time.monotonic() - started, 3)})
        raise error from exc
    except LockHeldError:
        raise  # another run is at work: not a failure of the data
    except DeskError as exc:
        _log(settings, {"status": "failed", "command": command, "started_at": started_at,
                        "finished_at": dt.datetime.now(dt.UTC), "as_of": as_of,
                        "files": [str(p) for p in files], "error": str(exc),
                        "seconds": round(time.monotonic() - started, 3)})
        raise
    finally:
        # a hash still running finishes in its thread; nothing waits for it
        hasher.shutdown(wait=False, cancel_futures=True)
    result = RunResult(run_id=run_id, as_of=as_of, started_at=started_at, finished_at=finished_at,
                       files=results, warnings=warnings, counts=counts, version=version, failed=failed)
    _log(settings, {"status": "partial" if failed else "published", "command": command, "run_id": run_id,
                    "failed": [asdict(f) for f in failed],
                    "started_at": started_at, "finished_at": finished_at, "as_of": as_of,
                    "version": version, "seconds": round(time.monotonic() - started, 3),
                    **result.totals, "files": [asdict(f) for f in results],
                    "warnings": warnings[:50]})
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
