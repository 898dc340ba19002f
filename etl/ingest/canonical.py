"""Canonical: one export file as the view `raw_<n>` of the canonical text columns of its kind.

The mapping is the canonical format when the header is one (etl/core/kinds.py), else the
mapping profile given or the one whose header signature fits (etl/ingest/profiles). Every
value stays text: the staging SQL parses and validates, so a failure becomes a reject
with its reason instead of a failed file. CSV lines that cannot be split into the
header's columns are collected by DuckDB's reject store and returned by
`malformed_lines()`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl.core.errors import InputError
from etl.core.kinds import (
    KIND_COLUMNS,
    OPTIONAL_RECORD_FIELDS,
    REQUIRED_COLUMNS,
    detect_kind,
    normalise_header,
)
from etl.core.sqlfiles import quote_ident
from etl.ingest import profiles
from etl.ingest.profiles import Profile
from etl.ingest.read import RawFile, ReadOptions, read_raw, sheet_names
from etl.ingest.timeformats import Inference, infer

# how many records the time-format inference looks at (the first ones of the file)
TIME_SAMPLE_ROWS = 20_000
TIME_FIELDS = frozenset({"created_at", "updated_at", "first_response_at", "resolved_at", "closed_at",
                         "escalated_at", "event_at", "reviewed_at", "hired_on", "transaction_at"})


@dataclass
class Extracted:
    path: Path
    fmt: str
    kind: str
    view: str
    headers: list[str]
    present: list[str]
    ignored: list[str]
    encoding: str | None = None
    rejects_table: str | None = None
    warnings: list[str] = field(default_factory=list)
    temp_copy: Path | None = None   # a transcoded copy of the file, removed by cleanup()
    delimiter: str | None = None    # the CSV delimiter the file was read with
    time_formats: dict[str, str] = field(default_factory=dict)  # file column → how its times were read
    mapping: Profile | None = None  # the profile it was read with (None: the canonical format)
    exprs: dict[str, str] = field(default_factory=dict)  # canonical column → its SQL over the file
    profile: str | None = None
    timezone: str | None = None

    def cleanup(self) -> None:
        if self.temp_copy is not None:
            self.temp_copy.unlink(missing_ok=True)


def identity_columns(raw: RawFile, kind: str | None) -> tuple[str, dict[str, str], list[str]]:
    """(kind, canonical column → SQL expression, ignored headers) for a file in the canonical
    format; raises InputError if the header is not one."""
    normalised = [normalise_header(h) for h in raw.headers]
    detected = detect_kind(normalised)
    kind = kind or detected
    if kind is None:
        raise InputError(f"{raw.path.name}: not in the canonical format")
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in normalised]
    if missing:
        raise InputError(f"{raw.path.name}: a {kind} file needs the column(s) {', '.join(missing)}; "
                         f"its header has {', '.join(raw.headers[:12])}")
    by_norm = dict(zip(normalised, raw.headers, strict=True))
    exprs = {col: quote_ident(by_norm[col]) for col in KIND_COLUMNS[kind] if col in by_norm}
    ignored = [h for h, n in zip(raw.headers, normalised, strict=True) if n not in KIND_COLUMNS[kind]]
    return kind, exprs, ignored


# white space a blank field may hold: space, tab, line breaks, no-break and ideographic space
_BLANKS = "' \t\r\n' || chr(160) || chr(12288)"

TRIMMED = {"ticket_id", "review_id", "agent_id", "actor_id", "customer_id", "escalation_level",
           "reopen_count", "csat", "score", "account_id", "transaction_id"}


def create_canonical_view(con: duckdb.DuckDBPyConnection, raw: RawFile, view: str, kind: str,
                          exprs: dict[str, str], *, joins: str = "", skip_sql: str | None = None) -> None:
    """The view `view`: one text column per canonical column of `kind` (NULL where
    the mapping has none), the source columns as _c0, _c1 … (for the JSON of a rejected
    row) and _skip (a reason to skip the row, from a profile, or NULL)."""
    select = []
    for col in KIND_COLUMNS[kind]:
        expr = exprs.get(col)
        if not expr:
            select.append(f"cast(null as varchar) as {col}")
        elif col in TRIMMED:  # keys and numbers: a stray blank must not make a new ticket
            select.append(f"nullif(trim(cast({expr} as varchar)), '') as {col}")
        else:  # text, enumerations (the vocabulary trims) and times (parse_ts trims)
            select.append(f"nullif(cast({expr} as varchar), '') as {col}")
    # a record whose every field is empty or blank (spreadsheets leave thousands after the
    # data) is skipped as a blank row, not rejected for its missing id; coalesce stops at the
    # first non-empty field, so a real record costs one test
    empty = [f"nullif(trim(cast(src.{quote_ident(h)} as varchar), {_BLANKS}), '')" for h in raw.headers]
    blank = (f"coalesce({', '.join(empty)})" if len(empty) > 1 else empty[0]) + " is null"
    reasons = [f"case when {blank} then 'blank row' end"]
    if skip_sql:
        reasons.append(f"cast({skip_sql} as varchar)")
    skip = f"coalesce({', '.join(reasons)})" if len(reasons) > 1 else reasons[0]
    passed = ", ".join(f"src.{quote_ident(h)} as _c{i}" for i, h in enumerate(raw.headers))
    # no row number here: numbering in a window would serialise the parallel CSV scan; the
    # staging table keeps the file's order, so its rowid + 1 is the record number
    con.execute(f"create or replace temp view {view} as select {', '.join(select)}, {passed}, "
                f"{skip} as _skip from {raw.source} src{joins}")


def combine_date_time(raw: RawFile, profile: Profile) -> RawFile:
    """The file with a column added for each mapping given as a date column and a separate
    time-of-day column: "22-04-15" and "3:53:50 PM" → "22-04-15 3:53:50 PM" (no date: no
    value; no time: the date alone), so that its format is inferred as one time stamp."""
    by_norm = {normalise_header(h): h for h in raw.headers}
    added = []
    for name, (date, time) in profile.date_time_pairs().items():
        d = date if date in raw.headers else by_norm.get(normalise_header(date))
        if d is None or name in raw.headers:
            continue  # the mapping then says which column the file lacks
        t = time if time in raw.headers else by_norm.get(normalise_header(time))
        day = f"nullif(trim(cast({quote_ident(d)} as varchar)), '')"
        clock = f"coalesce(' ' || nullif(trim(cast({quote_ident(t)} as varchar)), ''), '')" if t else "''"
        added.append((name, f"case when {day} is not null then {day} || {clock} end as {quote_ident(name)}"))
    if not added:
        return raw
    return dataclasses.replace(raw, source=f"(select *, {', '.join(sql for _, sql in added)} from {raw.source})",
                               headers=[*raw.headers, *(name for name, _ in added)])


def infer_times(con: duckdb.DuckDBPyConnection, raw: RawFile, headers: list[str],
                day_first: bool | None = None) -> tuple[RawFile, dict[str, Inference]]:
    """The time format of each of `headers` (file columns holding time stamps), from the
    distinct values of the file's first records; the file with those columns rewritten as
    ISO text where they are written otherwise, and placeholders emptied."""
    if not headers:
        return raw, {}
    cols = ", ".join(f"list(distinct cast({quote_ident(h)} as varchar))" for h in headers)
    row = con.execute(f"select {cols} from (select * from {raw.source} limit {TIME_SAMPLE_ROWS})").fetchall()[0]
    found = {h: infer(values or [], day_first=day_first) for h, values in zip(headers, row, strict=True)}
    rewrites = [f"{inference.sql(f'cast({quote_ident(h)} as varchar)')} as {quote_ident(h)}"
                for h, inference in found.items() if inference.needs_conversion or inference.placeholders]
    if not rewrites:
        return raw, found
    return dataclasses.replace(raw, source=f"(select * replace ({', '.join(rewrites)}) from {raw.source})"), found


def _time_notes(path: Path, found: dict[str, Inference]) -> list[str]:
    """Warnings about how time columns were read, where a person should know."""
    notes = []
    for header, inference in found.items():
        if inference.needs_conversion or inference.ambiguous:
            notes.append(f"{path.name}: {header} read as {inference.label}")
        if inference.unfit:
            notes.append(f"{path.name}: {header} has values in no time format it was read in, e.g. "
                         + ", ".join(repr(v[:40]) for v in inference.unfit[:3]))
    return notes


def _nested_json_profile(con: duckdb.DuckDBPyConnection, path: Path, seq: int,
                         workdir: Path | None) -> tuple[Profile, RawFile] | None:
    """A profile whose records sit inside a JSON object (e.g. {"tickets": [...]}), with the
    file read as that profile reads it."""
    for candidate in profiles.available():
        if not candidate.read.json_path:
            continue
        try:
            nested = read_raw(con, path, seq=seq, options=candidate.read_options(), workdir=workdir)
        except InputError:
            continue
        if candidate.fits(nested.headers, path):
            return candidate, nested
        nested.cleanup()
    return None


def _recognise(con: duckdb.DuckDBPyConnection, raw: RawFile, *, seq: int, encoding: str | None,
               workdir: Path | None) -> tuple[Profile, RawFile]:
    """The profile whose signature fits a file that is not in the canonical format, and the
    file as that profile reads it (read again only when its [read] options differ)."""
    profile = profiles.detect(raw.headers, raw.path)
    if profile is not None:
        if profile.read in (ReadOptions(), ReadOptions(encoding=encoding)):
            return profile, raw
        raw.cleanup()
        return profile, read_raw(con, raw.path, seq=seq, options=profile.read_options(encoding),
                                 workdir=workdir)
    if raw.fmt == "json":
        found = _nested_json_profile(con, raw.path, seq, workdir)
        if found is not None:
            raw.cleanup()
            return found
    raise profiles.no_profile_error(raw.headers, raw.path)


def _another_sheet(con: duckdb.DuckDBPyConnection, raw: RawFile, *, seq: int, encoding: str | None,
                   workdir: Path | None) -> tuple[Profile | None, RawFile, tuple | None] | None:
    """For a workbook whose first sheet is not an export (a cover sheet, totals): the first
    other sheet in the canonical format (profile None, its columns) or that a profile fits."""
    for name in sheet_names(raw.path)[1:]:
        try:
            other = read_raw(con, raw.path, seq=seq, options=ReadOptions(encoding=encoding, sheet=name),
                             workdir=workdir)
        except InputError:
            continue
        try:
            return None, other, identity_columns(other, None)
        except InputError:
            pass
        profile = profiles.detect(other.headers, other.path)
        if profile is not None and profile.read.header_row == 1:
            return profile, other, None
    return None


def open_file(con: duckdb.DuckDBPyConnection, path: Path, *, seq: int, kind: str | None = None,
              encoding: str | None = None, workdir: Path | None = None,
              profile: Profile | None = None) -> Extracted:
    """Open `path` as the view `raw_<seq>` of canonical text columns; raise InputError if it
    cannot be read. The mapping is `profile` when given (the file is then read once, with
    its options); else the canonical format if the header is one; else the shipped or user
    profile whose header signature fits."""
    view = f"raw_{seq}"
    notes: list[str] = []
    options = profile.read_options(encoding) if profile is not None else ReadOptions(encoding=encoding)
    raw = read_raw(con, path, seq=seq, options=options, workdir=workdir)
    try:
        if profile is None:
            try:
                kind, exprs, ignored = identity_columns(raw, kind)
            except InputError as canonical_error:
                if kind is not None:
                    raise
                try:
                    profile, raw = _recognise(con, raw, seq=seq, encoding=encoding, workdir=workdir)
                except InputError as no_profile:
                    found = _another_sheet(con, raw, seq=seq, encoding=encoding, workdir=workdir)
                    if found is None:
                        raise no_profile from canonical_error
                    raw.cleanup()
                    profile, raw, canonical = found
                    notes.append(f"{path.name}: sheet {raw.sheet!r} read: the first sheet's header is neither "
                                 "the canonical format nor fits a profile")
                    if canonical is not None:
                        kind, exprs, ignored = canonical
        if profile is not None:
            raw = combine_date_time(raw, profile)
            raw, times = infer_times(con, raw, profile.time_headers(raw.headers), profile.day_first)
            mapping = profile.mapping(raw.headers, path)
            kind, exprs, ignored = profile.kind, mapping.exprs, mapping.ignored
            absent = [c for c in mapping.absent if c not in OPTIONAL_RECORD_FIELDS]
            if absent:
                notes.append(f"{path.name}: the file has no column for {', '.join(absent)} "
                             f"(mapped by profile {profile.name}); left empty")
            create_canonical_view(con, raw, view, kind, exprs, joins=mapping.joins, skip_sql=mapping.skip)
        else:
            by_norm = {normalise_header(h): h for h in raw.headers}
            raw, times = infer_times(con, raw, [by_norm[c] for c in KIND_COLUMNS[kind]
                                                if c in TIME_FIELDS and c in by_norm])
            create_canonical_view(con, raw, view, kind, exprs)
    except BaseException:
        raw.cleanup()
        raise
    ext = Extracted(path=path, fmt=raw.fmt, kind=kind, view=view, headers=raw.headers,
                    present=sorted(exprs), exprs=exprs, ignored=ignored, encoding=raw.encoding,
                    rejects_table=raw.rejects_table, temp_copy=raw.tempfile, delimiter=raw.delimiter,
                    profile=profile.name if profile is not None else None,
                    timezone=profile.timezone if profile is not None else None,
                    time_formats={h: i.label for h, i in times.items() if i.layout is not None},
                    mapping=profile)
    ext.warnings.extend(notes + _time_notes(path, times))
    if ignored and profile is None:
        ext.warnings.append(f"{path.name}: columns not in the {kind} format were ignored: "
                            f"{', '.join(ignored[:10])}{' …' if len(ignored) > 10 else ''}")
    return ext


@dataclass
class MalformedLine:
    line: int
    raw: str
    code: str
    reason: str


def malformed_lines(con: duckdb.DuckDBPyConnection, ext: Extracted) -> list[MalformedLine]:
    """CSV lines the reader set aside, one per line, with a reason a person can act on."""
    if ext.rejects_table is None:
        return []
    try:
        rows = con.execute(f"select line, any_value(csv_line), string_agg(distinct error_type, ', '), "
                           f"any_value(error_message) from {ext.rejects_table} "
                           "group by line order by line").fetchall()
    except duckdb.CatalogException:
        return []
    out = []
    for line, raw, types, message in rows:
        if "INVALID ENCODING" in (types or "") or "INVALID UNICODE" in (types or ""):
            code = "bad_encoding"
            reason = (f"line {line} is not valid UTF-8; if the file is in another encoding, "
                      "load it with --encoding (e.g. --encoding gb18030)")
        else:
            code = "malformed_line"
            reason = (f"line {line} does not split into the header's {len(ext.headers)} columns "
                      f"({message})")
        out.append(MalformedLine(int(line), raw, code, reason))
    return out


