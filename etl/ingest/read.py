"""Read: one export file as a DuckDB relation of text columns named by its own header.

Formats: CSV (any delimiter DuckDB sniffs; UTF-8, UTF-8 with BOM, UTF-16, GB18030/GBK and
other encodings by transcoding), JSON Lines or a JSON array, Parquet, and .xlsx/.xls.
Every value reaches the view as text: parsing and validation happen in the staging SQL,
where each failure becomes a reject with its reason instead of a failed file.

The view `raw_<n>` has `_record` (1 = first data record), one VARCHAR column per canonical
column of the kind (NULL where the file lacks it) and `_raw` (the record as JSON, used
only for rejected rows). CSV lines that cannot be split into the header's columns are
collected by DuckDB's reject store and returned by `malformed_lines()`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from etl.core.errors import InputError
from etl.core.kinds import normalise_header
from etl.core.sqlfiles import quote_ident, quote_literal

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SNIFF_BYTES = 1 << 20


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in {".gz", ".zst"}:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in CSV_SUFFIXES:
        return "csv"
    if last in JSON_SUFFIXES:
        return "json"
    if last == ".parquet":
        return "parquet"
    if last in EXCEL_SUFFIXES:
        return "excel"
    raise InputError(f"{path.name}: unknown file type {last or '(no extension)'}; "
                     "use .csv, .tsv, .json, .jsonl, .parquet or .xlsx")


def detect_encoding(path: Path, given: str | None = None) -> str:
    """'utf-8' when DuckDB can read the file as it is, else the codec to transcode from."""
    if given:
        try:
            return codecs.lookup(given).name
        except LookupError:
            raise InputError(f"{path.name}: unknown encoding {given!r}") from None
    if path.suffix.lower() in {".gz", ".zst"}:
        return "utf-8"
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is not an error.
        if exc.start >= len(head) - 3 and len(head) == SNIFF_BYTES:
            return "utf-8"
    for codec in ("gb18030", "big5"):
        try:
            head.decode(codec)
            return codec
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path.name}: the text encoding could not be recognised (not UTF-8, "
                     "UTF-16 or GBK); give it with --encoding, e.g. --encoding latin-1")


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """Write a UTF-8 copy of `path`; a byte that does not decode is a file-level error."""
    fd, name = tempfile.mkstemp(prefix=".transcode-", suffix=".csv", dir=workdir)
    out = Path(name)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with path.open("rb") as src, open(fd, "w", encoding="utf-8", newline="") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                try:
                    dst.write(decoder.decode(block))
                except UnicodeDecodeError as exc:
                    raise InputError(f"{path.name}: byte {offset + exc.start} is not valid "
                                     f"{encoding}; give the right one with --encoding") from None
                offset += len(block)
            dst.write(decoder.decode(b"", final=True))
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return out


def csv_dialect(path: Path, encoding: str, *, skip: int = 0,
                delimiter: str | None = None) -> tuple[str, list[str]]:
    """(delimiter, header names) from the first record after `skip` lines. The delimiter is
    whichever of , ; TAB | occurs most in the header line (TAB for .tsv), unless given:
    DuckDB's own sniffer can be misled by a malformed line, and we want such lines
    rejected, not the file."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(skip):
            fh.readline()
        head = fh.read(1 << 16)
    head = head.lstrip("\ufeff")
    first_line = head.split("\n", 1)[0]
    if delimiter:
        delim = "\t" if delimiter in ("\\t", "tab", "TAB") else delimiter
    elif any(s.lower() in (".tsv", ".tab") for s in path.suffixes):
        delim = "\t"
    else:
        delim = max((",", ";", "\t", "|"), key=lambda d: first_line.count(d))
    try:
        record = next(csv.reader(io.StringIO(head), delimiter=delim))
    except (StopIteration, csv.Error):
        record = []
    headers = [h.strip() or f"column{i + 1}" for i, h in enumerate(record)]
    if not any(headers):
        raise InputError(f"{path.name}: no header row found")
    return delim, headers


def _excel_table(path: Path, header_row: int = 1) -> pa.Table:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own types for broken workbooks
        raise InputError(f"{path.name}: not a readable spreadsheet ({exc})") from None
    rows = rows[header_row - 1:]
    if not rows:
        raise InputError(f"{path.name}: the first sheet is empty (no header row)")
    header = [str(h).strip() for h in rows[0]]
    columns: list[list[str | None]] = [[] for _ in header]
    for row in rows[1:]:
        if all(v in ("", None) for v in row):
            continue
        for i in range(len(header)):
            columns[i].append(_cell_text(row[i]) if i < len(row) else None)
    return pa.table({h or f"column{i}": pa.array(c, pa.string()) for i, (h, c) in enumerate(zip(header, columns))})


def _cell_text(value: object) -> str | None:
    import datetime as dt

    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


@dataclass
class ReadOptions:
    """How to read a file: what a mapping profile's [read] table can say."""

    encoding: str | None = None
    delimiter: str | None = None
    header_row: int = 1            # 1-based line (CSV) or row (spreadsheet) of the header
    json_path: str | None = None   # the records are the array under this key of a JSON object
    json_join: dict[str, str] | None = None  # {path, key, on, as}: a sibling array joined in


@dataclass
class RawFile:
    path: Path
    fmt: str
    source: str                    # a SQL relation of text columns named by the header
    headers: list[str]
    encoding: str | None = None
    rejects_table: str | None = None
    tempfile: Path | None = None

    def cleanup(self) -> None:
        """Remove the transcoded copy, if one was made."""
        if self.tempfile is not None:
            self.tempfile.unlink(missing_ok=True)


def read_raw(con: duckdb.DuckDBPyConnection, path: Path, *, seq: int, options: ReadOptions | None = None,
             workdir: Path | None = None) -> RawFile:
    """A SQL relation over the file with every column as text, named by its header."""
    options = options or ReadOptions()
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty (0 bytes), not even a header")
    fmt = file_format(path)
    tmp: Path | None = None
    rejects_table: str | None = None
    used_encoding: str | None = None
    lit = quote_literal(str(path))
    try:
        if fmt == "csv":
            used_encoding = detect_encoding(path, options.encoding)
            source_path = path
            if used_encoding not in ("utf-8", "utf_8"):
                tmp = _transcode(path, used_encoding, workdir or path.parent)
                source_path = tmp
            rejects_table = f"csv_rejects_{seq}"
            delim, headers = csv_dialect(source_path, "utf-8", skip=options.header_row - 1,
                                         delimiter=options.delimiter)
            columns = ", ".join(f"{quote_literal(h)}: 'VARCHAR'" for h in headers)
            source = (f"read_csv({quote_literal(str(source_path))}, delim = {quote_literal(delim)}, "
                      f"quote = '\"', escape = '\"', header = true, auto_detect = false, "
                      f"skip = {options.header_row - 1}, columns = {{{columns}}}, ignore_errors = true, "
                      f"store_rejects = true, rejects_table = '{rejects_table}', "
                      f"rejects_scan = '{rejects_table}_scan')")
        elif fmt == "json" and options.json_path:
            headers, source = _json_records(con, path, options)
        elif fmt == "json":
            desc = con.sql(f"describe select * from read_json({lit}, format = 'auto', "
                           "sample_size = 20480)").fetchall()
            headers = [r[0] for r in desc]
            cols = ", ".join(f"{quote_literal(h)}: 'VARCHAR'" for h in headers)
            source = f"read_json({lit}, format = 'auto', columns = {{{cols}}})"
        elif fmt == "parquet":
            desc = con.sql(f"describe select * from read_parquet({lit})").fetchall()
            headers = [r[0] for r in desc]
            casts = ", ".join(
                (f"array_to_string({quote_ident(h)}, ';')" if t.endswith("[]") else
                 f"cast({quote_ident(h)} as varchar)") + f" as {quote_ident(h)}"
                for h, t, *_ in desc)
            source = f"(select {casts} from read_parquet({lit}))"
        else:
            table = _excel_table(path, header_row=options.header_row)
            headers = table.column_names
            con.register(f"excel_{seq}", table)
            source = f"excel_{seq}"
    except duckdb.Error as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise InputError(f"{path.name}: cannot be read as {fmt.upper()} ({first_line(exc)})") from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    normalised = [normalise_header(h) for h in headers]
    dupes = sorted({n for n in normalised if normalised.count(n) > 1})
    if dupes:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise InputError(f"{path.name}: columns {dupes} appear more than once in the header")
    return RawFile(path=path, fmt=fmt, source=source, headers=headers, encoding=used_encoding,
                   rejects_table=rejects_table, tempfile=tmp)


def _json_records(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> tuple[list[str], str]:
    """Records under `json_path` of a JSON object (e.g. Zendesk's {"tickets": [...]}), each key
    a text column (nested values as JSON text); `json_join` adds a sibling array's record
    matched by key (e.g. "metric_sets" by ticket_id) as one JSON column."""
    lit = quote_literal(str(path))
    key = quote_literal("$." + options.json_path)
    records = (f"(select unnest(from_json(json_extract(content, {key}), '[\"JSON\"]')) as rec "
               f"from read_text({lit}))")
    keys = con.execute(f"select distinct unnest(json_keys(rec)) from {records} order by 1").fetchall()
    headers = [k[0] for k in keys]
    cols = [f"json_extract_string(r.rec, {quote_literal('$.' + json_key_path(h))}) as {quote_ident(h)}"
            for h in headers]
    join = ""
    if options.json_join:
        j = options.json_join
        other = (f"(select unnest(from_json(json_extract(content, {quote_literal('$.' + j['path'])}), "
                 f"'[\"JSON\"]')) as rec from read_text({lit}))")
        join = (f" left join {other} o on json_extract_string(o.rec, {quote_literal('$.' + j['key'])}) "
                f"= json_extract_string(r.rec, {quote_literal('$.' + j['on'])})")
        cols.append(f"cast(o.rec as varchar) as {quote_ident(j['as'])}")
        headers.append(j["as"])
    return headers, f"(select {', '.join(cols)} from {records} r{join})"


def json_key_path(key: str) -> str:
    """A JSON path step for a key that may hold characters a bare path does not allow."""
    return key if key.replace("_", "").isalnum() else '"' + key.replace('"', '\\"') + '"'


def raw_columns(headers: list[str]) -> str:
    """The source columns as the canonical view passes them on: _c0, _c1, …"""
    return ", ".join(f"_c{i}" for i in range(len(headers)))


def raw_json(headers: list[str]) -> str:
    """The record as JSON keyed by the file's own column names (kept with a rejected row);
    staging evaluates it only for the rows it rejects."""
    return "to_json({" + ", ".join(f"{quote_literal(h)}: _c{i}" for i, h in enumerate(headers)) + "})"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (DuckDB's carry context lines after it)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
