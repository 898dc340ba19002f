"""Extract: open one export file as a DuckDB view of text columns under canonical names.

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
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from etl.errors import InputError
from etl.kinds import KIND_COLUMNS, REQUIRED_COLUMNS, detect_kind, normalise_header

CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SNIFF_BYTES = 1 << 20


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
    _tempfile: Path | None = None

    def cleanup(self) -> None:
        if self._tempfile is not None:
            self._tempfile.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


def csv_dialect(path: Path, encoding: str) -> tuple[str, list[str]]:
    """(delimiter, header names) from the first record. The delimiter is whichever of
    , ; TAB | occurs most in the header line (TAB for .tsv): DuckDB's own sniffer can be
    misled by a malformed line, and we want such lines rejected, not the file."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding=encoding, errors="replace", newline="") as fh:
        head = fh.read(1 << 16)
    head = head.lstrip("\ufeff")
    first_line = head.split("\n", 1)[0]
    if any(s.lower() in (".tsv", ".tab") for s in path.suffixes):
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


def _excel_table(path: Path) -> pa.Table:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own types for broken workbooks
        raise InputError(f"{path.name}: not a readable spreadsheet ({exc})") from None
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


def open_file(con: duckdb.DuckDBPyConnection, path: Path, *, seq: int, kind: str | None = None,
              encoding: str | None = None, workdir: Path | None = None) -> Extracted:
    """Open `path` as the view `raw_<seq>` on `con`; raise InputError if it cannot be read."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is empty (0 bytes), not even a header")
    fmt = file_format(path)
    view = f"raw_{seq}"
    tmp: Path | None = None
    rejects_table: str | None = None
    used_encoding: str | None = None
    try:
        if fmt == "csv":
            used_encoding = detect_encoding(path, encoding)
            source_path = path
            if used_encoding not in ("utf-8", "utf_8"):
                tmp = _transcode(path, used_encoding, workdir or path.parent)
                source_path = tmp
            rejects_table = f"csv_rejects_{seq}"
            delim, headers = csv_dialect(source_path, "utf-8")
            columns = ", ".join(f"{_quote_literal(h)}: 'VARCHAR'" for h in headers)
            source = (f"read_csv({_quote_literal(str(source_path))}, delim = {_quote_literal(delim)}, "
                      f"quote = '\"', escape = '\"', header = true, auto_detect = false, "
                      f"columns = {{{columns}}}, ignore_errors = true, store_rejects = true, "
                      f"rejects_table = '{rejects_table}', rejects_scan = '{rejects_table}_scan')")
        elif fmt == "json":
            desc = con.sql(f"describe select * from read_json({_quote_literal(str(path))}, "
                           "format = 'auto', sample_size = 20480)").fetchall()
            headers = [r[0] for r in desc]
            cols = ", ".join(f"{_quote_literal(h)}: 'VARCHAR'" for h in headers)
            source = (f"read_json({_quote_literal(str(path))}, format = 'auto', "
                      f"columns = {{{cols}}})")
        elif fmt == "parquet":
            desc = con.sql(f"describe select * from read_parquet({_quote_literal(str(path))})").fetchall()
            headers = [r[0] for r in desc]
            casts = ", ".join(
                (f"array_to_string({_quote_ident(h)}, ';')" if t.endswith("[]") else
                 f"cast({_quote_ident(h)} as varchar)") + f" as {_quote_ident(h)}"
                for h, t, *_ in desc)
            source = f"(select {casts} from read_parquet({_quote_literal(str(path))}))"
        else:
            table = _excel_table(path)
            headers = table.column_names
            con.register(f"excel_{seq}", table)
            source = f"excel_{seq}"
    except duckdb.Error as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise InputError(f"{path.name}: cannot be read as {fmt.upper()} ({_first_line(exc)})") from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise

    normalised = [normalise_header(h) for h in headers]
    dupes = sorted({n for n in normalised if normalised.count(n) > 1})
    if dupes:
        _cleanup(tmp)
        raise InputError(f"{path.name}: columns {dupes} appear more than once in the header")
    detected = detect_kind(normalised)
    if kind is None:
        if detected is None:
            _cleanup(tmp)
            raise InputError(
                f"{path.name}: cannot tell which kind of export this is from its columns "
                f"({', '.join(headers[:12])}{' …' if len(headers) > 12 else ''}). The canonical "
                "kinds are tickets, events, qa_reviews and agents (docs/EXPORT_FORMAT.md); "
                "give --kind if the file is one of them.")
        kind = detected
    canon = KIND_COLUMNS[kind]
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in normalised]
    if missing:
        _cleanup(tmp)
        raise InputError(f"{path.name}: a {kind} file needs the column(s) {', '.join(missing)}; "
                         f"its header has {', '.join(headers[:12])}")
    by_norm = dict(zip(normalised, headers))
    select = []
    for col in canon:
        if col in by_norm:
            select.append(f"nullif(trim({_quote_ident(by_norm[col])}), '') as {col}")
        else:
            select.append(f"cast(null as varchar) as {col}")
    raw_struct = ", ".join(f"{_quote_literal(h)}: {_quote_ident(h)}" for h in headers)
    con.execute(f"create or replace temp view {view} as select row_number() over () as _record, "
                f"{', '.join(select)}, to_json({{{raw_struct}}}) as _raw from {source}")
    present = [c for c in canon if c in by_norm]
    ignored = [h for h, n in zip(headers, normalised) if n not in canon]
    ext = Extracted(path=path, fmt=fmt, kind=kind, view=view, headers=headers, present=present,
                    ignored=ignored, encoding=used_encoding, rejects_table=rejects_table,
                    _tempfile=tmp)
    if ignored:
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


def _cleanup(tmp: Path | None) -> None:
    if tmp is not None:
        tmp.unlink(missing_ok=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
