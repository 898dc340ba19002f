"""Stage one file: its canonical view → typed rows with a reason each rejected one is
rejected (etl/sql/staging/stg_<kind>.sql), the rejects stored, the enumeration values
mapped through the vocabulary (temp table enum_map) for the merge.

The staged rows are the temp view `stg`: `_record` (1 = first record of the file), the
typed columns, `reason_code`/`reason` (NULL when the row loads), `skip_reason` (a
profile's reason to skip the row) and `raw_record` (the record as JSON, rejected rows only).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from etl.core import sqlfiles
from etl.core.errors import InputError
from etl.core.vocab import map_values, split_list
from etl.ingest.canonical import Extracted, malformed_lines
from etl.ingest.read import first_line, raw_columns, raw_json

# The enumeration fields each kind maps through the vocabulary: (field, staged column).
ENUM_FIELDS = {
    "tickets": (("channel", "channel_raw"), ("category", "category_raw"),
                ("priority", "priority_raw"), ("status", "status_raw"),
                ("sla_reported", "frt_sla_reported_raw")),
    "events": (("event_type", "event_type_raw"), ("actor_role", "actor_role_raw")),
    "qa_reviews": (),
    "agents": (),
}


@dataclass
class Staged:
    """What staging found in one file."""

    rows: int                      # records staged (lines that split into the header's columns)
    rejected: int                  # rows set aside in rejects (malformed lines included)
    skipped: int                   # rows a profile skips
    malformed: int                 # CSV lines that do not split (counted in rows read too)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> int:
        """Rows that go on to the merge."""
        return self.rows - self.rejected - self.skipped


def stage(con: duckdb.DuckDBPyConnection, ext: Extracted, *, run_id: int, source: str,
          source_tz: str, future_limit: dt.datetime) -> Staged:
    """Stage `ext` as the view `stg`, store its rejects, build enum_map."""
    kind = ext.kind
    con.execute(f"set TimeZone = {sqlfiles.quote_literal(source_tz)}")
    try:
        # the staging table keeps the file's order: its rowid + 1 is the record number
        con.execute("create or replace temp table stg_rows as\n"
                    + sqlfiles.query(f"staging/stg_{kind}", raw=ext.view, raw_columns=raw_columns(ext.headers),
                                     raw_json=raw_json(ext.headers)),
                    {"future_limit": future_limit} if kind != "agents" else None)
    except duckdb.Error as exc:
        raise InputError(f"{ext.path.name}: reading stopped: {first_line(exc)}") from None
    finally:
        con.execute("set TimeZone = 'UTC'")
    # inside the file's transaction rowids start at a large offset: count from the first one
    first_rowid = con.execute("select coalesce(min(rowid), 0) from stg_rows").fetchall()[0][0]
    con.execute(f"create or replace temp view stg as select rowid - {int(first_rowid)} + 1 as _record, * "
                "from stg_rows")

    rows, rejected, skipped = con.execute(
        "select count(*), count(reason_code), count(skip_reason) from stg").fetchall()[0]
    bad_lines = malformed_lines(con, ext)
    for bad in bad_lines:
        con.execute("insert into rejects values (?, ?, ?, ?, null, ?, ?, ?, ?)",
                    [run_id, kind, source, ext.path.name, bad.line, bad.code, bad.reason, bad.raw])
    con.execute("insert into rejects select ?, ?, ?, ?, _record, null, reason_code, reason, raw_record "
                "from stg where reason_code is not null", [run_id, kind, source, ext.path.name])
    result = Staged(rows=rows + len(bad_lines), rejected=rejected + len(bad_lines), skipped=skipped,
                    malformed=len(bad_lines))
    result.rejected_reasons = dict(con.execute(
        "select reason_code, count(*) from stg where reason_code is not null group by 1").fetchall())
    for bad in bad_lines:
        result.rejected_reasons[bad.code] = result.rejected_reasons.get(bad.code, 0) + 1
    if skipped:
        result.skipped_reasons = dict(con.execute(
            "select skip_reason, count(*) from stg where skip_reason is not null group by 1").fetchall())
    result.warnings = [*ext.warnings, *enum_map(con, kind, ext.path.name)]
    return result


def enum_map(con: duckdb.DuckDBPyConnection, kind: str, file_name: str) -> list[str]:
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


