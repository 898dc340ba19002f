"""Stage one file: its canonical view → typed rows with a reason each rejected one is
rejected (etl/sql/staging/stg_<kind>.sql), the rejects stored, the enumeration values
mapped through the vocabulary (temp table enum_map) for the merge.

The staged rows are the temp view `stg`: `_record` (1 = first record of the file), the
typed columns, `reason_code`/`reason` (NULL when the row loads), `skip_reason` (a
profile's reason to skip the row) and `raw_record` (the record as JSON, rejected rows only).

Personal data is scrubbed or hashed before anything is stored, rejects included (the
[privacy] settings; docs/DECISIONS.md, "Personal data"): a rejected row's raw record holds
the columns the kind maps (not the ignored ones), its customer id as the same salted hash as
the tickets' customer_id, its ids as they are and every other value scrubbed (scrub_pii); a
malformed CSV line is stored scrubbed, its customer id field hashed and its ignored columns'
fields emptied (by position, as far as the line keeps them); the reasons and the
warnings that quote a value quote it scrubbed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from etl.core import sqlfiles
from etl.core.errors import InputError
from etl.core.sqlfiles import quote_ident, quote_literal
from etl.core.vocab import map_values, split_list
from etl.ingest.canonical import Extracted, MalformedLine, malformed_lines
from etl.ingest.privacy import Privacy
from etl.ingest.read import first_line, raw_columns

# The enumeration fields each kind maps through the vocabulary: (field, staged column).
ENUM_FIELDS = {
    "tickets": (("channel", "channel_raw"), ("category", "category_raw"),
                ("priority", "priority_raw"), ("status", "status_raw"),
                ("sla_reported", "frt_sla_reported_raw")),
    "events": (("event_type", "event_type_raw"), ("actor_role", "actor_role_raw")),
    "qa_reviews": (),
    "agents": (),
}

# The identifiers of each kind's records: kept as they are in a rejected row's raw record (as
# in the loaded rows). The customer's id is hashed instead: a ticket's customer_id, and an
# event's actor_id (a rejected event's role is not mapped yet: hashed whoever acted).
ID_COLUMNS = {
    "tickets": ("ticket_id", "agent_id"),
    "events": ("ticket_id",),
    "qa_reviews": ("review_id", "ticket_id", "agent_id", "reviewer_id"),
    "agents": ("agent_id",),
}
CUSTOMER_COLUMN = {"tickets": "customer_id", "events": "actor_id"}
# other identifiers of a person, hashed with the same salt (a ticket's account)
HASHED_COLUMNS = {"tickets": ("account_id",)}


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
          source_tz: str, future_limit: dt.datetime, privacy: Privacy) -> Staged:
    """Stage `ext` as the view `stg`, store its rejects, build enum_map. `privacy`: the load's
    (etl/ingest/privacy.py), so that rejects are treated as the loaded rows are."""
    kind = ext.kind
    params: dict[str, object] = {**privacy.params, "future_limit": future_limit}
    con.execute(f"set TimeZone = {sqlfiles.quote_literal(source_tz)}")
    try:
        # the staging table keeps the file's order: its rowid + 1 is the record number
        sql = ("create or replace temp table stg_rows as\n"
               + sqlfiles.query(f"staging/stg_{kind}", raw=ext.view, raw_columns=raw_columns(ext.headers),
                                raw_json=private_raw_json(ext)))
        sqlfiles.execute(con, sql, params, f"staging/stg_{kind}.sql")
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
    if bad_lines:
        _store_malformed(con, ext, bad_lines, privacy, [run_id, kind, source, ext.path.name])
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
    warnings = [*ext.warnings, *enum_map(con, kind, ext.path.name)]
    result.warnings = scrub_texts(con, warnings) if privacy.scrub_text else warnings
    return result


def scrub_texts(con: duckdb.DuckDBPyConnection, texts: list[str]) -> list[str]:
    """Texts through scrub_pii (the staging macros are defined on `con`)."""
    if not texts:
        return texts
    return list(con.execute("select list_transform(?::varchar[], lambda t: scrub_pii(t))", [texts]).fetchall()[0][0])


def _customer_columns(ext: Extracted) -> set[int]:
    """The positions of the source columns the customer id (or a ticket's account id) is read
    from (tickets, events)."""
    columns = [c for c in (CUSTOMER_COLUMN.get(ext.kind), *HASHED_COLUMNS.get(ext.kind, ())) if c in ext.present]
    # the mapping as the file was opened with it
    return {i for i, h in enumerate(ext.headers) for c in columns if quote_ident(h) in ext.exprs.get(c, "")}


def private_raw_json(ext: Extracted) -> str:
    """The SQL of a rejected row's record as JSON keyed by the file's own column names, with
    personal data treated as in the loaded rows: the columns the kind ignores left out; the
    customer id hashed ($hash_customers, $salt), both the columns it is read from and any
    value equal to it; the kind's ids as they are; every other value scrubbed ($scrub_text).
    The values are scrubbed as one list, so that the query binds scrub_pii once."""
    ignored = set(ext.ignored)
    customer = CUSTOMER_COLUMN.get(ext.kind)
    kept = ", ".join([*ID_COLUMNS[ext.kind], *([customer] if customer else [])])
    customer_positions = _customer_columns(ext)
    entries = []
    for i, header in enumerate(ext.headers):
        if header in ignored:
            continue
        v = f"_c{i}"
        value, keep = v, f"trim({v}) in ({kept})"
        if i in customer_positions:  # a column the id is read from, whatever it holds
            value = f"case when not $hash_customers then {v} when trim({v}) = {customer} " \
                    f"then hash_customer({customer}, $salt) else hash_customer(nullif(trim({v}), ''), $salt) end"
            keep = "true"
        elif customer:  # the value of the customer id elsewhere: the key the loaded row gets
            value = f"case when $hash_customers and trim({v}) = {customer} then hash_customer({customer}, $salt) " \
                    f"else {v} end"
        entries.append(f"{{'k': {quote_literal(header)}, 'v': {value}, 'keep': coalesce({keep}, false)}}")
    if not entries:
        return "'{}'"
    return (f"to_json(map_from_entries(list_transform([{', '.join(entries)}], lambda e: "
            "{'key': e.k, 'value': case when e.keep or not $scrub_text then e.v else scrub_pii(e.v) end})))")


def _store_malformed(con: duckdb.DuckDBPyConnection, ext: Extracted, bad_lines: list[MalformedLine],
                     privacy: Privacy, head: list[object]) -> None:
    """Store CSV lines that do not split into the header's columns in rejects, treated as a
    rejected record is, by the positions of the header's columns (as far as the line keeps
    them): the customer id's field(s) hashed, the ignored columns' emptied, the line scrubbed."""
    customer = _customer_columns(ext) if privacy.hash_customers else set()
    ignored = {i for i, h in enumerate(ext.headers) if h in set(ext.ignored)}
    delimiter = ext.delimiter or ","
    lines = [_treat_fields(con, bad.raw, delimiter, customer, ignored, privacy.salt)
             if (customer or ignored) and bad.raw is not None else bad.raw for bad in bad_lines]
    table = pa.table({"line_no": pa.array([b.line for b in bad_lines], pa.int64()),
                      "code": pa.array([b.code for b in bad_lines], pa.string()),
                      "reason": pa.array([b.reason for b in bad_lines], pa.string()),
                      "raw": pa.array(lines, pa.string())})
    con.register("_malformed", table)
    try:
        # the reason quotes the reader's message: scrubbed whatever the settings, as quoted() does
        con.execute("insert into rejects select ?, ?, ?, ?, null, line_no, code, scrub_pii(reason), "
                    "scrub_if(raw, ?) from _malformed order by line_no", [*head, privacy.scrub_text])
    finally:
        con.unregister("_malformed")


def _treat_fields(con: duckdb.DuckDBPyConnection, line: str, delimiter: str, customer: set[int],
                  ignored: set[int], salt: str) -> str:
    """`line` with its fields (as the CSV reader splits it) at `customer` hashed, at
    `ignored` emptied."""
    try:
        fields = next(csv.reader(io.StringIO(line), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return line
    for i in ignored:
        if i < len(fields):
            fields[i] = ""
    for i in customer:
        if i < len(fields) and fields[i].strip():
            fields[i] = con.execute("select hash_customer(?, ?)", [fields[i].strip(), salt]).fetchall()[0][0]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(fields)
    return out.getvalue()


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
        # every distinct raw value, mapped or not (value NULL), so that the merge finds each
        # one's scrubbed form (`stored`) here, scrubbed once per value instead of once per row
        for raw in counts:
            fields.append(fld)
            raws.append(raw)
            values.append(result.mapping.get(raw))
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
    # `stored`: the raw value as the merge stores it in a *_raw column when free text is scrubbed
    con.execute("create or replace temp table enum_map as select *, scrub_pii(raw) as stored from _enum_map")
    con.unregister("_enum_map")
    return warnings


