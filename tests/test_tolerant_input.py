"""Real exports as they come: time stamps in the form the tool or a spreadsheet wrote them,
placeholders, blank rows. Files of ../shared/realdata are read where that folder exists."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from etl.load.run import load
from tests.helpers import REALDATA, SAMPLE_AS_OF, query

KAGGLE = REALDATA / "kaggle-customer-support-tickets" / "customer_support_tickets.csv"


def _write(path: Path, header: list[str], rows: list[list[str]], *, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def test_spreadsheet_times_placeholders_and_blank_rows(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A canonical tickets file re-saved by a spreadsheet: M/D/YYYY H:MM times, a 1900-01-01
    'not solved' placeholder, and blank rows after the data."""
    header = ["ticket_id", "created_at", "first_response_at", "resolved_at"]
    rows = [["A1", "6/13/2023 9:05", "6/13/2023 9:35", "6/14/2023 9:05"],
            ["A2", "6/1/2023 12:15", "", "1900-01-01 00:00:00"],
            ["A3", "6/2/2023 8:00", "N/A", "-"]] + [["", "", "", ""]] * 50 + [[" ", "", "\t", ""]]
    export = _write(tmp_path / "resaved.csv", header, rows, bom=True)
    result = load([export], settings, as_of=SAMPLE_AS_OF)
    f = result.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_rejected, f.rows_skipped) == (54, 3, 0, 51)
    assert f.skipped_reasons == {"blank row": 51}
    assert any("created_at read as M/D/YYYY H:MM" in w for w in f.warnings)
    got = query(settings, "select ticket_id, created_at, first_response_at, resolution_at, first_response_minutes, "
                          "resolution_minutes from ticket_metrics order by 1")
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert got[0][:4] == ("A1", dt.datetime(2023, 6, 13, 9, 5, tzinfo=shanghai),
                          dt.datetime(2023, 6, 13, 9, 35, tzinfo=shanghai), dt.datetime(2023, 6, 14, 9, 5, tzinfo=shanghai))
    assert got[0][4:] == (30.0, 1440.0)
    assert got[1][2:] == (None, None, None, None)  # the placeholder is no time, not 1900
    assert got[2][2:] == (None, None, None, None)


def test_day_first_file(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """D/M/YYYY decided from a day above 12 anywhere in the sample, for every row."""
    export = _write(tmp_path / "eu.csv", ["ticket_id", "created_at", "resolved_at"],
                    [["E1", "02/03/2024 10:00", "25/03/2024 10:00"], ["E2", "13/03/2024 10:00", ""]])
    result = load([export], settings, as_of=SAMPLE_AS_OF)
    assert result.files[0].rows_loaded == 2
    assert query(settings, "select ticket_id, strftime(created_at at time zone 'Asia/Shanghai', '%Y-%m-%d') "
                           "from tickets order by 1") == [("E1", "2024-03-02"), ("E2", "2024-03-13")]


@pytest.fixture
def kaggle() -> Path:
    if not KAGGLE.exists():
        pytest.skip(f"{KAGGLE} is absent (the shared real-data folder is not beside this checkout)")
    return KAGGLE


def _resave(source: Path, out: Path, blank_tail: int = 0) -> Path:
    """The Kaggle export as a spreadsheet re-saves it: M/D/YYYY H:MM, a UTF-8 BOM."""
    rows = list(csv.reader(source.open(encoding="utf-8", newline="")))
    header = rows[0]
    times = {header.index("First Response Time"), header.index("Time to Resolution")}

    def excel(v: str) -> str:
        if not v:
            return v
        d = dt.datetime.fromisoformat(v)
        return f"{d.month}/{d.day}/{d.year} {d.hour}:{d.minute:02d}"

    body = [[excel(c) if i in times else c for i, c in enumerate(r)] for r in rows[1:]]
    return _write(out, header, body + [[""] * len(header)] * blank_tail, bom=True)


def test_kaggle_resaved_by_a_spreadsheet_loads_like_the_original(settings, tmp_path: Path, kaggle: Path) -> None:  # type: ignore[no-untyped-def]
    original = load([kaggle], settings, as_of=SAMPLE_AS_OF).files[0]
    resaved = _resave(kaggle, tmp_path / "kaggle_resaved.csv", blank_tail=7969)
    again = load([resaved], settings, source="resaved", as_of=SAMPLE_AS_OF).files[0]
    assert again.rows_read == original.rows_read + 7969
    assert again.rows_loaded == original.rows_loaded > 4000
    assert again.skipped_reasons.get("blank row") == 7969
    assert again.rejected_reasons == original.rejected_reasons
    # the same tickets, to the minute (the re-save dropped the seconds)
    differ = query(settings, """
        select count(*) from ticket_metrics a join ticket_metrics b using (ticket_id)
        where a.source = 'warehouse' and b.source = 'resaved'
          and (date_trunc('minute', a.created_at) <> b.created_at
               or date_trunc('minute', a.resolution_at) is distinct from b.resolution_at)""")
    assert differ == [(0,)]


CFPB = REALDATA / "cfpb-complaints-sample" / "complaints_sample.csv"
CHINESE_HEADERS = {"Date received": "收到日期", "Product": "产品", "Sub-product": "子产品", "Issue": "问题",
                   "Sub-issue": "子问题", "Consumer complaint narrative": "投诉描述",
                   "Company public response": "公司公开回复", "Company": "公司", "State": "州",
                   "ZIP code": "邮编", "Tags": "标签", "Consumer consent provided?": "是否同意公开",
                   "Submitted via": "提交渠道", "Date sent to company": "转交公司日期",
                   "Company response to consumer": "公司回复", "Timely response?": "是否及时回复",
                   "Consumer disputed?": "是否争议", "Complaint ID": "投诉编号"}


def test_chinese_regulator_file_in_gb18030_with_semicolons_loads_through_suggest(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A regulator's complaint file with Chinese headers, GB18030, ';': suggest maps the id
    and the received date, and the suggested profile loads every row, unedited."""
    from etl.ingest import profiles
    from etl.ingest.profiles.suggest import suggest

    if CFPB.exists():
        rows = list(csv.reader(CFPB.open(encoding="utf-8", newline="")))
    else:  # a few rows of the same shape, so that CI without the real file still checks the path
        rows = [list(CHINESE_HEADERS), ["2020/3/18", "Debt collection", "", "Attempts to collect debt", "", "",
                                        "", "ACME", "FL", "330XX", "", "Other", "Web", "2020/3/18",
                                        "Closed with explanation", "Yes", "N/A", "3571115"],
                ["2019/9/24", "Mortgage", "", "Trouble during payment", "", "", "", "ACME", "CA", "90000", "",
                 "Other", "Phone", "2019/9/25", "Closed", "No", "Yes", "3380000"]]
    header = [CHINESE_HEADERS[h] for h in rows[0]]
    export = tmp_path / "complaints_cn.csv"
    with export.open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([header, *rows[1:]])
    text = suggest(export)
    assert 'ticket_id = "投诉编号"' in text and 'created_at = "收到日期"' in text
    assert 'encoding = "gb18030"' in text and 'delimiter = ";"' in text
    own = tmp_path / "cn.toml"
    own.write_text(text, encoding="utf-8")
    result = load([export], settings, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF)
    f = result.files[0]
    assert f.rows_read == len(rows) - 1 and f.reconciles
    assert f.rows_loaded >= 0.95 * f.rows_read


def test_a_column_named_twice_keeps_both(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """OTRS exports name a column twice; the second is numbered, not a failed file."""
    from etl.ingest import profiles
    from etl.ingest.profiles.suggest import suggest

    export = tmp_path / "twice.csv"
    export.write_text("Ticket#,Criado,Notes,notes\nA1,2026-01-05 09:00,first,second\n", encoding="utf-8")
    own = tmp_path / "twice.toml"
    own.write_text(suggest(export).replace('[columns]', '[columns]\nsubject = "notes (2)"'), encoding="utf-8")
    f = load([export], settings, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF).files[0]
    assert (f.rows_read, f.rows_loaded) == (1, 1)
    assert query(settings, "select ticket_id, subject from tickets") == [("A1", "second")]
