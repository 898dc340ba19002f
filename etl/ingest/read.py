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
import errno
import gzip
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa

from etl.core.errors import InputError
from etl.core.kinds import normalise_header
from etl.core.sqlfiles import quote_ident, quote_literal

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SNIFF_BYTES = 1 << 20
EXCERPT_CHARS = 200            # the most of a file's content any message quotes at a time
MESSAGE_CHARS = 1000           # the most of one error or warning a log, reason file or screen shows
MAX_HEADER_NAME = 200          # a "column name" longer than this is not a header
LINE_WINDOW = 1 << 20          # a CSV export has its first line break within the first MiB


def visible(text: object) -> str:
    """`text` with every control or format character (ESC, CR, NUL, bidi overrides, zero-width
    characters, line separators, stray surrogates) replaced by a visible escape such as
    \\x1b or \\u202e: data never reaches a terminal, a log or a reason file raw."""
    s = "" if text is None else str(text)
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            n = ord(ch)
            out.append(f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}")
        else:
            out.append(ch)
    return "".join(out)


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """At most `limit` characters of `text`, made visible, with how much was left out."""
    s = visible(text)
    if len(s) <= limit:
        return s
    return f"{s[:limit]}… ({len(s) - limit:,} more characters)"


def bounded(message: object) -> str:
    """An error or warning as logs, reason files and the screen show it: visible, at most
    MESSAGE_CHARS characters."""
    return excerpt(message, MESSAGE_CHARS)


def open_export(path: Path) -> int:
    """A read-only descriptor of `path`, which must be a regular file reached without a
    symbolic link at its last step (O_NOFOLLOW: no race between a check and the open).
    Errors name the file by its own name only, never a link's target or its content."""
    name = visible(path.name)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise InputError(f"{name}: is a symbolic link; links are not followed (put the file itself "
                             "there, or name the file it points to)") from None
        if exc.errno == errno.ENOENT:
            raise InputError(f"{name}: no such file") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise InputError(f"{name}: cannot be opened (permission denied)") from None
        raise InputError(f"{name}: cannot be opened ({os.strerror(exc.errno or 0)})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{name}: not a regular file (a folder, pipe or device is not an export)")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_binary(path: Path) -> BinaryIO:
    """`path` opened for reading in binary, through `open_export`."""
    return os.fdopen(open_export(path), "rb")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open_binary(path) as fh:
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
    raise InputError(f"{visible(path.name)}: unknown file type {excerpt(last, 40) or '(no extension)'}; "
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
    with open_binary(path) as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\0" in head:
        raise InputError(f"{visible(path.name)}: holds NUL bytes: a binary file, not text in any encoding "
                         "an export uses (UTF-16 needs its byte-order mark)")
    if _is_utf8(path, head):
        return "utf-8"
    # not UTF-8: a maintained detector picks among the encodings exports come in (Excel's
    # Windows code page in the West, GB18030/GBK and Big5 in Chinese, Shift-JIS, EUC-KR),
    # judged on the text's coherence, not on whether the bytes merely decode: Dutch text in
    # cp1252 also decodes as GB18030 without an error
    import charset_normalizer

    best = charset_normalizer.from_bytes(head, cp_isolation=list(DETECTED_ENCODINGS)).best()
    if best is not None:
        return codecs.lookup(best.encoding).name
    raise InputError(f"{visible(path.name)}: the text encoding could not be recognised (not UTF-8, UTF-16, "
                     "a Windows code page, GB18030 or Big5); give it with --encoding, e.g. --encoding latin-1")


# what the detector chooses among, most likely first
DETECTED_ENCODINGS = ("cp1252", "gb18030", "big5", "latin_1", "shift_jis", "euc_kr")
# how much of a file is checked for UTF-8 as a whole: a Windows export can hold its first
# non-ASCII byte megabytes into the file
UTF8_CHECK_BYTES = 64 << 20


def _is_utf8(path: Path, head: bytes) -> bool:
    """Whether the file (its first 64 MiB) is UTF-8: the sniffed head, then the rest."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head)
        if len(head) < SNIFF_BYTES:
            decoder.decode(b"", final=True)
            return True
        with open_binary(path) as fh:
            fh.seek(len(head))
            seen = len(head)
            while seen < UTF8_CHECK_BYTES:
                block = fh.read(1 << 20)
                if not block:
                    decoder.decode(b"", final=True)
                    return True
                decoder.decode(block)
                seen += len(block)
        return True  # the checked part is UTF-8; a bad byte later is a line's bad_encoding
    except UnicodeDecodeError:
        return False


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """Write a UTF-8 copy of `path`; a byte that does not decode is a file-level error."""
    fd, name = tempfile.mkstemp(prefix=".transcode-", suffix=".csv", dir=workdir)
    out = Path(name)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with open_binary(path) as src, open(fd, "w", encoding="utf-8", newline="") as dst:
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
    with open_binary(path) as raw:
        stream: BinaryIO = gzip.open(raw, "rb") if path.suffix.lower() == ".gz" else raw  # type: ignore[assignment]
        with io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="") as fh:
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
        raise InputError(f"{visible(path.name)}: no header row found")
    check_header_names(path, headers)
    return delim, headers


def check_header_names(path: Path, headers: list[str]) -> None:
    """A header is column names, not text: refuse one whose "name" is paragraph-long."""
    for i, h in enumerate(headers, start=1):
        if len(h) > MAX_HEADER_NAME:
            raise InputError(f"{visible(path.name)}: column {i} of the header is {len(h):,} characters "
                             f"long (a column name has at most {MAX_HEADER_NAME}): this is not a header "
                             f"row; it begins {excerpt(h, 40)!r}")


def require_line_break(path: Path, *, skip: int = 0) -> None:
    """A CSV export is a header line and one line per record: refuse a file with no line break
    after the header within LINE_WINDOW bytes (e.g. 100 MB on one line, or a lone header
    with no end of line), instead of loading "0 rows"."""
    with open_binary(path) as raw:
        stream: BinaryIO = gzip.open(raw, "rb") if path.suffix.lower() == ".gz" else raw  # type: ignore[assignment]
        try:
            head = stream.read(LINE_WINDOW)
            more = bool(stream.read(1))
        except (OSError, EOFError, gzip.BadGzipFile):
            raise InputError(f"{visible(path.name)}: not a readable gzip file") from None
    lines = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n", skip + 1)
    if len(lines) > skip + 1:
        return
    if more:
        raise InputError(f"{visible(path.name)}: no line break in its first {LINE_WINDOW >> 20} MiB: not a "
                         "line-structured export (a CSV file is a header line, then one line per record)")
    raise InputError(f"{visible(path.name)}: has no line break at all, so no header line and no records "
                     "(a CSV file is a header line, then one line per record)")


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in their order ([] for a file that is not one)."""
    from python_calamine import CalamineWorkbook

    if file_format(path) != "excel":
        return []
    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own types for broken workbooks
        raise InputError(f"{visible(path.name)}: not a readable spreadsheet ({excerpt(first_line(exc))})") from None


def _excel_table(path: Path, header_row: int = 1, sheet: str | None = None) -> pa.Table:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        if sheet is not None and sheet not in book.sheet_names:
            raise InputError(f"{visible(path.name)}: has no sheet {excerpt(sheet, 60)!r} (its sheets: "
                             f"{', '.join(excerpt(n, 40) for n in book.sheet_names[:10])})")
        rows = (book.get_sheet_by_name(sheet) if sheet is not None else book.get_sheet_by_index(0)).to_python(
            skip_empty_area=False)
    except InputError:
        raise
    except Exception as exc:  # calamine raises its own types for broken workbooks
        raise InputError(f"{visible(path.name)}: not a readable spreadsheet ({excerpt(first_line(exc))})") from None
    rows = rows[header_row - 1:]
    if not rows:
        which = f"sheet {excerpt(sheet, 60)!r}" if sheet is not None else "the first sheet"
        raise InputError(f"{visible(path.name)}: {which} is empty (no header row)")
    header = [str(h).strip() for h in rows[0]]
    columns: list[list[str | None]] = [[] for _ in header]
    # empty rows are kept (all fields NULL): the canonical view skips them as "blank row", so
    # that a sheet's rows read still add up (as a CSV's blank lines do)
    for row in rows[1:]:
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
    sheet: str | None = None       # the sheet of a workbook (default: the first whose header fits)


@dataclass
class RawFile:
    path: Path
    fmt: str
    source: str                    # a SQL relation of text columns named by the header
    headers: list[str]
    encoding: str | None = None
    rejects_table: str | None = None
    tempfile: Path | None = None
    delimiter: str | None = None   # the CSV delimiter the file was read with
    sheet: str | None = None       # the workbook's sheet it was read from (None: the first)

    def cleanup(self) -> None:
        """Remove the transcoded copy, if one was made."""
        if self.tempfile is not None:
            self.tempfile.unlink(missing_ok=True)


def read_raw(con: duckdb.DuckDBPyConnection, path: Path, *, seq: int, options: ReadOptions | None = None,
             workdir: Path | None = None) -> RawFile:
    """A SQL relation over the file with every column as text, named by its header."""
    options = options or ReadOptions()
    fd = open_export(path)  # a symbolic link, a folder or an unreadable file stops here
    try:
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size == 0:
        raise InputError(f"{visible(path.name)}: the file is empty (0 bytes), not even a header")
    fmt = file_format(path)
    tmp: Path | None = None
    rejects_table: str | None = None
    used_encoding: str | None = None
    delim: str | None = None
    lit = quote_literal(str(path))
    try:
        if fmt == "csv":
            used_encoding = detect_encoding(path, options.encoding)
            source_path = path
            if used_encoding not in ("utf-8", "utf_8"):
                tmp = _transcode(path, used_encoding, workdir or path.parent)
                source_path = tmp
            rejects_table = f"csv_rejects_{seq}"
            require_line_break(source_path, skip=options.header_row - 1)
            delim, headers = csv_dialect(source_path, "utf-8", skip=options.header_row - 1,
                                         delimiter=options.delimiter)
            headers = renamed_headers(headers)  # by position: a repeated name is numbered
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
            table = _excel_table(path, header_row=options.header_row, sheet=options.sheet)
            headers = table.column_names
            con.register(f"excel_{seq}", table)
            source = f"excel_{seq}"
    except duckdb.Error as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise InputError(f"{visible(path.name)}: cannot be read as {fmt.upper()} "
                         f"({excerpt(first_line(exc))})") from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    try:
        check_header_names(path, [str(h) for h in headers])
    except InputError:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    headers, source = _distinct_headers(headers, source)
    return RawFile(path=path, fmt=fmt, source=source, headers=headers, encoding=used_encoding,
                   rejects_table=rejects_table, tempfile=tmp, delimiter=delim,
                   sheet=options.sheet if fmt == "excel" else None)


def _json_records(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions) -> tuple[list[str], str]:
    """Records under `json_path` of a JSON object (e.g. Zendesk's {"tickets": [...]}; with
    `[*]`, each element's wrapped object, e.g. Udesk's "tickets[*].ticket"), each key a text
    column (nested values as JSON text); `json_join` adds a sibling array's record matched by
    key (e.g. "metric_sets" by ticket_id) as one JSON column."""
    lit = quote_literal(str(path))
    assert options.json_path is not None
    key = quote_literal(_json_path(options.json_path))
    if "[*]" in options.json_path:  # the path's wildcard makes the list of records itself
        records = f"(select unnest(json_extract(content, {key})) as rec from read_text({lit}))"
    else:
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


def _json_path(path: str) -> str:
    """A [read] json_path ("tickets", "data.items", "tickets[*].ticket", "[*].ticket") as a
    JSON path from the document's root."""
    return "$" + ("" if path.startswith("[") else ".") + path


def json_record_paths(con: duckdb.DuckDBPyConnection, path: Path, depth: int = 3) -> list[tuple[str, list[str]]]:
    """Where a JSON document keeps arrays of records, for a file whose top level is not the
    records themselves: each (json_path, the records' keys), found from the document's
    structure up to `depth` keys deep. A record that wraps one object under a single key
    ({"ticket": {...}}, as Udesk lists them) is read as that object."""
    try:  # JSON lines, or no JSON at all: no one document to look into
        rows = con.execute(f"select json_structure(content) from read_text({quote_literal(str(path))})").fetchall()
        structure = json.loads(rows[0][0]) if rows and rows[0][0] else None
    except (duckdb.Error, ValueError):
        return []
    found: list[tuple[str, list[str]]] = []

    def records(at: str, element: object) -> None:
        if not isinstance(element, dict) or not element:
            return
        if len(element) == 1:
            (only, inner), = element.items()
            if isinstance(inner, dict) and inner:
                found.append((f"{at}[*].{only}", list(inner)))
                return
        found.append((at, list(element)))

    def walk(node: object, at: str, level: int) -> None:
        if not isinstance(node, dict) or level >= depth:
            return
        for name, value in node.items():
            step = f"{at}.{name}" if at else name
            if isinstance(value, list) and value:
                records(step, value[0])
            else:
                walk(value, step, level + 1)

    if isinstance(structure, list) and structure and isinstance(structure[0], dict) and len(structure[0]) == 1:
        records("", structure[0])   # an array of wrapped records: "[*].ticket"
    else:
        walk(structure, "", 0)
    # a path step has to be a plain name for the [read] table to say it
    return [(p, keys) for p, keys in found
            if p and all(not step or step.replace("_", "").isalnum() for step in re.split(r"\[\*\]\.|\.", p))]


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


def renamed_headers(headers: list[str]) -> list[str]:
    """The header with repeated names (compared as canonical names) numbered: "Notes",
    "Notes (2)" …"""
    seen: dict[str, int] = {}
    renamed: list[str] = []
    for h in headers:
        key = normalise_header(h)
        seen[key] = seen.get(key, 0) + 1
        renamed.append(h if seen[key] == 1 else f"{h} ({seen[key]})")
    return renamed


def _distinct_headers(headers: list[str], source: str) -> tuple[list[str], str]:
    """A header that names a column twice (OTRS exports do; so do spreadsheets with two
    "Notes") keeps both: the second and later get " (2)", " (3)" … so that no value is
    lost and mappings can name either."""
    renamed = renamed_headers(headers)
    if renamed == headers:
        return headers, source
    if len({h for h in headers}) == len(headers):  # only their normalised forms clash: names stay usable
        cols = ", ".join(f"{quote_ident(old)} as {quote_ident(new)}" for old, new in zip(headers, renamed, strict=True))
        return renamed, f"(select {cols} from {source})"
    # the same text twice: the reader already told them apart by position (DuckDB names them
    # with a suffix), so select them by position
    cols = ", ".join(f"#{i + 1} as {quote_ident(new)}" for i, new in enumerate(renamed))
    return renamed, f"(select {cols} from {source})"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (DuckDB's carry context lines after it)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
