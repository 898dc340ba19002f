"""Every CSV the project writes goes through `write_csv`: safe to open in a spreadsheet.

CSV ("formula") injection (OWASP): a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return is read as a formula by Excel, LibreOffice and Google Sheets; a ticket's
subject or an agent's name from an export could then run `=HYPERLINK(...)` or worse on the
machine of whoever opens the download. `write_csv` puts a `'` before such a *text* cell
(the spreadsheet shows the text as typed). Typed numbers are left alone: a negative number
in a numeric column stays a number. Nested values (MAP, STRUCT, LIST: e.g. the
`duckdb_settings()` columns) and other types a CSV writer cannot hold are written as text
(JSON for nested values), then checked like any other text. Parquet and JSON outputs are
not touched (they carry types, not formulas).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

if TYPE_CHECKING:  # pandas is imported when a frame is written (the SQL worker starts without it)
    import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """`value` with a leading `'` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _nested_text(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_nested(t: pa.DataType) -> bool:
    return (pa.types.is_nested(t) or pa.types.is_dictionary(t) and pa.types.is_nested(t.value_type))


def _safe_column(col: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type) if not _is_nested(t.value_type) else col
        t = col.type
    if _is_nested(t):
        values = col.to_pylist()
        if pa.types.is_map(t):  # [(k, v), …] → {k: v}
            values = [None if v is None else {str(k): x for k, x in v} for v in values]
        col = pa.array([_nested_text(v) for v in values], type=pa.string())
        t = col.type
    elif pa.types.is_interval(t) or pa.types.is_null(t) or isinstance(t, pa.ExtensionType):
        col = pa.array([None if v is None else str(v) for v in col.to_pylist()], type=pa.string())
        t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        if pa.types.is_string_view(t):
            col = col.cast(pa.string())
        risky = pc.fill_null(pc.starts_with(col, "="), False)
        for p in FORMULA_PREFIXES[1:]:
            risky = pc.or_(risky, pc.fill_null(pc.starts_with(col, p), False))
        if pc.any(risky).as_py():
            col = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
    return col


def safe_batch(batch: pa.RecordBatch | pa.Table) -> pa.Table:
    """`batch` as a table whose text cells cannot start a formula."""
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    names = [str(neutralise(n)) for n in table.column_names]  # a header cell is a cell too
    return pa.table([_safe_column(c) for c in table.columns], names=names)


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every text cell neutralised (numeric columns untouched)."""
    import pandas as pd

    out = df.copy()
    out.columns = [neutralise(c) for c in out.columns]
    for name in out.columns:
        col = out[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col) \
                or pd.api.types.is_bool_dtype(col):
            continue
        out[name] = col.map(neutralise, na_action="ignore").astype(object) \
            if not pd.api.types.is_string_dtype(col) else col.map(neutralise, na_action="ignore")
    return out


def write_csv(data: pd.DataFrame | pa.Table | pa.RecordBatchReader | Iterable[pa.RecordBatch], *,
              bom: bool = False) -> bytes:
    """The one CSV writer: a pandas frame (the dashboard's ticket lists, written as pandas
    does, UTF-8 with a BOM for spreadsheets when `bom`) or Arrow data (the SQL export and
    `etl sql --format csv`, written by Arrow), with formula cells neutralised."""
    if type(data).__module__.startswith("pandas"):  # a DataFrame
        # CRLF line ends (RFC 4180): the csv module then quotes a cell holding a lone \r too
        text = safe_frame(data).to_csv(index=False, lineterminator="\r\n")
        return text.encode("utf-8-sig" if bom else "utf-8")
    sink = io.BytesIO()
    if bom:
        sink.write("\ufeff".encode())
    batches = [data] if isinstance(data, pa.Table) else data
    writer = None
    try:
        for batch in batches:
            safe = safe_batch(batch)
            if writer is None:
                writer = pacsv.CSVWriter(sink, safe.schema)
            writer.write_table(safe)
        if writer is None:  # no batch at all: the header alone
            schema = getattr(data, "schema", None)
            if schema is not None:
                empty = safe_batch(schema.empty_table())
                writer = pacsv.CSVWriter(sink, empty.schema)
    finally:
        if writer is not None:
            writer.close()
    return sink.getvalue()
