"""Real exports as they come: time stamps in the form the tool or a spreadsheet wrote them,
placeholders, blank rows. Files of ../shared/realdata are read where that folder exists."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from etl.core.errors import InputError
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


def test_reported_figures_are_compared_with_ours(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An export's own durations ([reported], here in hours and as H:MM:SS) are kept beside
    ours: agreeing within a minute, off by 10 minutes, reported but not computable, and
    unreadable (emptied and recorded, the ticket loads)."""
    from etl.ingest import profiles

    own = tmp_path / "own.toml"
    own.write_text('[profile]\nname = "own"\nkind = "tickets"\n\n[columns]\nticket_id = "Nr"\n'
                   'created_at = "Opened"\nfirst_response_at = "Answered"\nresolved_at = "Solved"\n\n'
                   '[reported]\nresolution_minutes = { column = "Hours to solve", unit = "hours" }\n'
                   'first_response_minutes = { column = "Wait", unit = "minutes" }\n', encoding="utf-8")
    export = _write(tmp_path / "own.csv", ["Nr", "Opened", "Answered", "Solved", "Hours to solve", "Wait"], [
        ["R1", "2026-01-05 09:00:00", "2026-01-05 09:30:00", "2026-01-05 11:00:00", "2.01", "0:30:40"],
        ["R2", "2026-01-05 09:00:00", "2026-01-05 09:30:00", "2026-01-05 11:10:00", "2", "41"],
        ["R3", "2026-01-05 09:00:00", "", "", "3.5", ""],
        ["R4", "2026-01-05 09:00:00", "2026-01-05 09:30:00", "2026-01-05 10:00:00", "soon", "30"],
    ])
    result = load([export], settings, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF)
    assert result.files[0].rows_loaded == 4
    assert query(settings, "select ticket_id, first_response_minutes_reported, resolution_minutes_reported "
                           "from tickets order by 1") == [
        ("R1", 30 + 40 / 60, 120.6), ("R2", 41.0, 120.0), ("R3", None, 210.0), ("R4", 30.0, None)]
    assert query(settings, "select ticket_id, field, raw_value, rule from data_issues") == [
        ("R4", "resolution_minutes_reported", "soon", "bad_duration")]
    got = query(settings, "select figure, tickets_reported, tickets_compared, tickets_agreeing, agreeing_pct, "
                          "max_difference_minutes from reported_agreement order by figure")
    assert got[0][:5] == ("first_response_minutes", 3, 3, 2, 100 * 2 / 3)
    assert got[0][5] == pytest.approx(11.0)
    # R1 within 0.6 min, R2 off by 10 min, R3 not computable (not resolved)
    assert got[1][:5] == ("resolution_minutes", 3, 2, 1, 50.0)
    assert got[1][5] == pytest.approx(10.0)


def test_a_reported_figure_agrees_within_one_minute(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The rule of agreement, at its edge: ours 30 min to respond; the export's 29 and 31 agree
    (a minute off), 31.5 and 28.5 do not, and Data health's source (reported_comparisons)
    says by how much."""
    from etl.ingest import profiles

    own = tmp_path / "own.toml"
    own.write_text('[profile]\nname = "own"\nkind = "tickets"\n\n[columns]\nticket_id = "Nr"\n'
                   'created_at = "Opened"\nfirst_response_at = "Answered"\n\n'
                   '[reported]\nfirst_response_minutes = { column = "Wait", unit = "minutes" }\n', encoding="utf-8")
    waits = {"E1": "30", "E2": "31", "E3": "29", "E4": "31.5", "E5": "28.5"}
    export = _write(tmp_path / "own.csv", ["Nr", "Opened", "Answered", "Wait"],
                    [[n, "2026-01-05 09:00:00", "2026-01-05 09:30:00", w] for n, w in waits.items()])
    load([export], settings, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF)
    assert query(settings, "select ticket_id, agrees, difference_minutes, tolerance_minutes "
                           "from reported_comparisons order by ticket_id") == [
        ("E1", True, 0.0, 1.0), ("E2", True, -1.0, 1.0), ("E3", True, 1.0, 1.0),
        ("E4", False, -1.5, 1.0), ("E5", False, 1.5, 1.0)]
    assert query(settings, "select tickets_compared, tickets_agreeing, agreeing_pct from reported_agreement") == [
        (5, 3, 60.0)]


def test_suggest_keeps_a_full_resolution_time_to_compare(tmp_path: Path) -> None:
    """A Zendesk-like export with Solved at and both resolution figures: the time stamp is
    the resolution, Zendesk's full resolution time (to the last solve) the figure compared
    with ours, the business-hours one only named."""
    import tomllib

    from etl.ingest.profiles.suggest import suggest

    export = _write(tmp_path / "view.csv", ["Ticket number", "Created at", "Solved at",
                                            "First resolution time in minutes", "Full resolution time in minutes",
                                            "Full resolution time in minutes within business hours"],
                    [["1", "2026-01-05 09:00", "2026-01-05 11:00", "60", "120", "100"]])
    profile = tomllib.loads(suggest(export))
    assert profile["columns"]["resolved_at"] == "Solved at"
    assert profile["reported"] == {"resolution_minutes": {"column": "Full resolution time in minutes",
                                                          "unit": "minutes"}}
    assert "durations" not in profile


def test_date_and_time_of_day_in_two_columns(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The creation's date and its time of day in separate columns (as the FCC's Comcast
    file has them): suggest joins them, the format is inferred on the joined value; no time
    leaves the date alone, no date is no creation time (rejected)."""
    import tomllib

    from etl.ingest import profiles
    from etl.ingest.profiles.suggest import suggest

    export = _write(tmp_path / "log.csv", ["Ticket #", "Date", "Time", "Status"], [
        ["1", "22-04-15", "3:53:50 PM", "Closed"], ["2", "04-08-15", "10:22:56 AM", "Open"],
        ["3", "13-05-15", "", "Open"], ["4", "", "9:00:00 AM", "Open"]])
    text = suggest(export, timezone="UTC")
    assert tomllib.loads(text)["columns"]["created_at"] == {"date": "Date", "time": "Time"}
    own = tmp_path / "log.toml"
    own.write_text(text, encoding="utf-8")
    f = load([export], settings, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF).files[0]
    assert (f.rows_loaded, f.rows_rejected) == (3, 1) and f.rejected_reasons == {"missing_created_at": 1}
    assert query(settings, "select ticket_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') from tickets order by 1") == [
        ("1", "2015-04-22 15:53:50"), ("2", "2015-08-04 10:22:56"), ("3", "2015-05-13 00:00:00")]


def test_comcast_file_gets_its_time_of_day(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = REALDATA / "comcast-fcc-complaints" / "Comcast_telecom_complaints_data.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared real-data folder is not beside this checkout)")
    from etl.ingest import profiles
    from etl.ingest.profiles.suggest import suggest

    own = tmp_path / "comcast.toml"
    own.write_text(suggest(path, timezone="America/New_York"), encoding="utf-8")
    f = load([path], settings, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF).files[0]
    assert f.rows_loaded == 2224
    # ticket 250635: 22-04-15 3:53:50 PM, New York (EDT, UTC-4)
    assert query(settings, "select strftime(created_at, '%Y-%m-%d %H:%M:%S') from tickets "
                           "where ticket_id = '250635'") == [("2015-04-22 19:53:50",)]
    assert query(settings, "select count(*) from tickets where strftime(created_at at time zone "
                           "'America/New_York', '%H:%M:%S') <> '00:00:00'")[0][0] > 2000


def test_process_mining_log_created_at_its_first_event(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A process-mining log (a row per activity of a case, as the Verenich helpdesk log):
    through suggest, each case is one ticket created at its first activity, not its last,
    and every row is an event (numeric activity codes: status changes, the code in detail);
    the older rows count as loaded events, not as skipped tickets."""
    from etl.ingest import profiles
    from etl.ingest.profiles.suggest import suggest

    export = _write(tmp_path / "helpdesk.csv", ["CaseID", "ActivityID", "CompleteTimestamp"], [
        ["2", "1", "2012-04-03 16:55:38"], ["2", "8", "2012-04-03 16:55:53"], ["2", "6", "2012-04-05 17:15:52"],
        ["3", "1", "2010-10-29 18:14:06"], ["3", "6", "2010-11-04 15:27:00"]])
    own = tmp_path / "helpdesk.toml"
    own.write_text(suggest(export, timezone="UTC"), encoding="utf-8")
    f, events = load([export], settings, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF).files
    assert (f.kind, f.rows_read, f.rows_loaded, f.rows_skipped) == ("tickets", 2, 2, 0)
    assert (events.kind, events.rows_read, events.rows_loaded, events.rows_rejected, events.rows_skipped) == (
        "events", 5, 5, 0, 0)
    assert query(settings, "select ticket_id, event_type, detail from ticket_events order by event_at") == [
        ("3", "status_change", "1"), ("3", "status_change", "6"), ("2", "status_change", "1"),
        ("2", "status_change", "8"), ("2", "status_change", "6")]
    assert query(settings, "select ticket_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') from tickets order by 1") == [
        ("2", "2012-04-03 16:55:38"), ("3", "2010-10-29 18:14:06")]


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_workbook_sheet_whose_header_fits(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A workbook whose first sheet is a cover of totals: the load reads the sheet a profile
    fits (here Freshdesk's columns), says so, and suggest names the sheet in [read]."""
    import tomllib

    from etl.ingest import profiles
    from etl.ingest.profiles.suggest import suggest

    export = _workbook(tmp_path / "report.xlsx", {
        "Summary": [["Report", "Tickets"], ["January", 2]],
        "Tickets": [["Ticket ID", "Subject", "Status", "Priority", "Source", "Agent", "Group", "Created time",
                     "Resolved time", "Closed time", "First response time (in hrs)", "Resolution time (in hrs)",
                     "First response status"],
                    [101, "Withdrawal pending", "Resolved", "High", "Email", "Li Na", "Payments",
                     dt.datetime(2026, 1, 5, 9, 0), dt.datetime(2026, 1, 5, 15, 0), None, 1.5, 6.0, "Within SLA"],
                    [102, "Cannot log in", "Open", "Medium", "Portal", "Wang Wei", "Frontline",
                     dt.datetime(2026, 1, 6, 9, 0), None, None, 0.25, None, "Within SLA"]],
        "Notes": [["note"], ["exported by the desk"]]})
    f = load([export], settings, as_of=SAMPLE_AS_OF).files[0]
    assert (f.profile, f.rows_loaded) == ("freshdesk_csv", 2)
    assert any("sheet 'Tickets' read" in w for w in f.warnings)
    assert query(settings, "select ticket_id, first_response_minutes from ticket_metrics order by 1") == [
        ("101", 90.0), ("102", 15.0)]
    text = suggest(export)
    assert tomllib.loads(text)["read"]["sheet"] == "Tickets"
    own = tmp_path / "own.toml"
    own.write_text(text, encoding="utf-8")
    other = settings_for(tmp_path / "b")
    g = load([export], other, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF).files[0]
    assert g.rows_loaded == 2
    # a sheet the profile names that the workbook lacks: said in words
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(text.replace('sheet = "Tickets"', 'sheet = "Tickets 2026"'), encoding="utf-8")
    with pytest.raises(InputError, match="has no sheet 'Tickets 2026'"):
        load([export], settings_for(tmp_path / "c"), profile=profiles.find(str(wrong)), as_of=SAMPLE_AS_OF)


def settings_for(folder: Path):  # type: ignore[no-untyped-def]
    from etl.core.settings import load_settings

    return load_settings(db=folder / "warehouse.duckdb")
