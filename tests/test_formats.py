"""Every supported file format and encoding loads the same rows; bad files fail clearly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.core.errors import InputError
from etl.load.run import load
from tests.helpers import SAMPLE, SAMPLE_AS_OF, metrics_by_ticket, query

COLUMNS = ("ticket_id", "created_at", "first_response_at", "frt_sla", "resolution_minutes",
           "channel", "category", "status", "escalation_level", "csat")


def sample_rows(name: str = "tickets.csv") -> tuple[list[str], list[dict[str, str | None]]]:
    """The well-formed records of a sample file (the malformed line T17 left out)."""
    with (SAMPLE / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [dict(zip(header, (v if v != "" else None for v in r))) for r in reader if len(r) == len(header)]
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[dict], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if r[h] is None else r[h] for h in header])
    return path


def reference(settings_factory) -> dict:  # type: ignore[no-untyped-def]
    header, rows = sample_rows()
    folder = settings_factory.tmp / "ref"
    folder.mkdir()
    write_csv(folder / "tickets.csv", header, rows)
    s = settings_factory.make("ref")
    load([folder], s, as_of=SAMPLE_AS_OF)
    return project(s)


def project(settings) -> dict:  # type: ignore[no-untyped-def]
    return {k: tuple(v[c] for c in COLUMNS) for k, v in metrics_by_ticket(settings).items()}


class Factory:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp

    def make(self, name: str):  # type: ignore[no-untyped-def]
        from etl.core.settings import load_settings

        return load_settings(db=self.tmp / f"wh-{name}" / "warehouse.duckdb")


@pytest.fixture
def factory(tmp_path: Path) -> Factory:
    return Factory(tmp_path)


def _jsonl(path: Path, header: list[str], rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _json_array(path: Path, header: list[str], rows: list[dict]) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _parquet(path: Path, header: list[str], rows: list[dict]) -> Path:
    pq.write_table(pa.table({h: [r[h] for r in rows] for h in header}), path)
    return path


def _xlsx(path: Path, header: list[str], rows: list[dict]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([r[h] for h in header])
    wb.save(path)
    return path


WRITERS = {
    "tickets.jsonl": _jsonl,
    "tickets.json": _json_array,
    "tickets.parquet": _parquet,
    "tickets.xlsx": _xlsx,
    "tickets-gbk.csv": lambda p, h, r: write_csv(p, h, r, encoding="gbk"),
    "tickets-bom.csv": lambda p, h, r: write_csv(p, h, r, encoding="utf-8-sig"),
    "tickets-utf16.csv": lambda p, h, r: write_csv(p, h, r, encoding="utf-16"),
    "tickets-semicolon.csv": lambda p, h, r: write_csv(p, h, r, delimiter=";"),
    "tickets.tsv": lambda p, h, r: write_csv(p, h, r, delimiter="\t"),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_format_loads_same_metrics(factory: Factory, name: str) -> None:
    expected = reference(factory)
    header, rows = sample_rows()
    folder = factory.tmp / "in"
    folder.mkdir()
    WRITERS[name](folder / name, header, rows)
    s = factory.make(name)
    result = load([folder / name], s, as_of=SAMPLE_AS_OF)
    assert result.files[0].kind == "tickets"
    assert project(s) == expected


def test_excel_dates_as_cells(factory: Factory) -> None:
    """A spreadsheet whose time cells are real dates (not text) loads the same instants."""
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ticket_id", "created_at", "first_response_at"])
    ws.append(["X1", dt.datetime(2026, 1, 5, 9, 0), dt.datetime(2026, 1, 5, 9, 45)])
    path = factory.tmp / "cells.xlsx"
    wb.save(path)
    s = factory.make("cells")
    load([path], s, as_of=SAMPLE_AS_OF)
    assert metrics_by_ticket(s)["X1"]["first_response_minutes"] == 45


def test_kind_given_explicitly(factory: Factory) -> None:
    """--kind tickets on a file whose header alone would not say so."""
    path = factory.tmp / "x.csv"
    path.write_text("ticket_id,created_at\nK1,2026-01-05 09:00\n", encoding="utf-8")
    s = factory.make("kind")
    result = load([path], s, kind="tickets", as_of=SAMPLE_AS_OF)
    assert result.files[0].kind == "tickets" and result.files[0].rows_loaded == 1


def test_extra_columns_ignored_with_warning(factory: Factory) -> None:
    path = factory.tmp / "extra.csv"
    path.write_text("Ticket ID,Created At,Mood\nK1,2026-01-05 09:00,grumpy\n", encoding="utf-8")
    s = factory.make("extra")
    result = load([path], s, as_of=SAMPLE_AS_OF)
    assert any("Mood" in w for w in result.warnings)
    assert query(s, "select ticket_id from tickets") == [("K1",)]


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"foo,bar\n1,2\n", "no mapping profile fits"),
    (b"ticket_id,updated_at\n1,2026-01-01\n", "no mapping profile fits"),
])
def test_unreadable_files_fail_clearly(factory: Factory, content: bytes, message: str) -> None:
    path = factory.tmp / "bad.csv"
    path.write_bytes(content)
    s = factory.make("bad")
    with pytest.raises(InputError, match=message):
        load([path], s, as_of=SAMPLE_AS_OF)
    assert not s.warehouse_path.exists()


def test_missing_required_column_with_kind(factory: Factory) -> None:
    path = factory.tmp / "norequired.csv"
    path.write_text("ticket_id,channel\n1,chat\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs the column"):
        load([path], factory.make("req"), kind="tickets", as_of=SAMPLE_AS_OF)


def test_unknown_extension(factory: Factory) -> None:
    path = factory.tmp / "tickets.docx"
    path.write_bytes(b"PK")
    with pytest.raises(InputError, match="unknown file type"):
        load([path], factory.make("ext"), as_of=SAMPLE_AS_OF)


def test_truncated_json_fails_and_leaves_warehouse(factory: Factory) -> None:
    s = factory.make("json")
    load([SAMPLE], s, as_of=SAMPLE_AS_OF)
    before = s.warehouse_path.read_bytes()
    path = factory.tmp / "cut.json"
    path.write_text('[{"ticket_id": "Z1", "created_at": "2026-01-05 09:00"}, {"ticket_id": "Z2", "crea',
                    encoding="utf-8")
    with pytest.raises(InputError, match="cut.json"):
        load([path], s, as_of=SAMPLE_AS_OF)
    assert s.warehouse_path.read_bytes() == before


def test_bad_bytes_in_declared_encoding(factory: Factory) -> None:
    path = factory.tmp / "latin.csv"
    path.write_bytes("ticket_id,created_at,subject\nL1,2026-01-05 09:00,caf\xe9\nL2,2026-01-05 09:00,ok\n"
                     .encode("latin-1"))
    # declared wrongly as UTF-8: the bad line is set aside with a reason naming the option
    s1 = factory.make("enc1")
    result = load([path], s1, as_of=SAMPLE_AS_OF, encoding="utf-8")
    assert result.files[0].rejected_reasons == {"bad_encoding": 1}
    assert query(s1, "select ticket_id from tickets") == [("L2",)]
    reason = query(s1, "select line_no, reason from rejects")[0]
    assert reason[0] == 2 and "--encoding" in reason[1]
    s = factory.make("enc2")
    load([path], s, as_of=SAMPLE_AS_OF, encoding="latin-1")
    assert query(s, "select subject from tickets order by 1") == [("café",), ("ok",)]


def test_gbk_detected_without_option(factory: Factory) -> None:
    header, rows = sample_rows()
    path = write_csv(factory.tmp / "gbk.csv", header, rows, encoding="gbk")
    s = factory.make("gbk")
    load([path], s, as_of=SAMPLE_AS_OF)
    assert query(s, "select subject from tickets where ticket_id = 'T3'") == [("转账一直在确认中",)]


def test_record_numbers_follow_file_order_in_large_files(factory: Factory) -> None:
    """Reject record numbers point at the right record even when DuckDB reads in parallel."""
    path = factory.tmp / "big.csv"
    n = 300_000
    con = duckdb.connect()
    con.execute(f"""copy (select 'B' || i as ticket_id,
                          case when i % 50000 = 7 then 'broken' else '2026-01-05 09:00:00' end as created_at
                          from range(1, {n + 1}) t(i)) to '{path}' (header)""")
    s = factory.make("big")
    load([path], s, as_of=SAMPLE_AS_OF)
    got = query(s, "select record_no, raw_record from rejects order by record_no")
    assert [r[0] for r in got] == [i for i in range(1, n + 1) if i % 50000 == 7]
    for record_no, raw in got:
        assert json.loads(raw)["ticket_id"] == f"B{record_no}"
