"""Mapping profiles on real exports nobody on the team wrote (../shared/realdata) and on
hand-made fixtures of the formats we have no public file for: exact counts loaded and
rejected with their reasons, spot-checked values, detection, suggest → load, encodings
and delimiters, and the message for a file no profile fits."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from etl.core.errors import InputError
from etl.ingest import profiles
from etl.ingest.profiles.suggest import suggest
from etl.load.run import load
from tests.helpers import REALDATA, ROOT, SAMPLE_AS_OF, metrics_by_ticket, query, settings_with

FIXTURES = ROOT / "tests" / "fixtures" / "profiles"
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
UTC = dt.UTC


def needs_realdata(*parts: str) -> Path:
    path = REALDATA.joinpath(*parts)
    if not REALDATA.is_dir():
        pytest.skip(f"{REALDATA} is absent: the real exports live beside the project, not in it")
    assert path.exists(), f"{path} should be in the real-data folder"
    return path


def load_one(tmp_path: Path, path: Path, as_of: dt.datetime = AS_OF, **kw):  # type: ignore[no-untyped-def]
    s = settings_with(tmp_path, {})
    result = load([path], s, as_of=as_of, **kw)
    return s, result.files[0]


def test_kaggle_support_tickets(tmp_path: Path) -> None:
    path = needs_realdata("kaggle-customer-support-tickets", "customer_support_tickets.csv")
    s, f = load_one(tmp_path, path)
    assert f.profile == "kaggle_customer_support" and f.kind == "tickets"
    # only the tickets without any time are rejected (no creation time: the first response
    # stands in for it); the 1,365 whose resolution precedes it load with the resolution emptied
    assert (f.rows_read, f.rows_loaded, f.rows_rejected, f.rows_skipped) == (8469, 5650, 2819, 0)
    assert f.rejected_reasons == {"missing_created_at": 2819}
    assert f.data_issues == {"resolution_before_creation": 1365}
    assert query(s, "select count(*) from tickets where resolved_at < first_response_at") == [(0,)]
    assert query(s, "select field, raw_value, reason from data_issues where source_record = 4") == [
        ("resolved_at", "2023-06-01 01:57:40",
         "resolution '2023-06-01 01:57:40' is before creation '2023-06-01 07:29:40'")]
    m = metrics_by_ticket(s)["3"]  # FRT 11:14:38, resolved 18:05:38: 411 minutes
    assert (m["resolution_minutes"], m["status"], m["channel"], m["category"], m["csat"]) == (
        411.0, "closed", "social", "app_usage", 3)


def test_cfpb_complaints(tmp_path: Path) -> None:
    path = needs_realdata("cfpb-complaints-sample", "complaints_sample.csv")
    s, f = load_one(tmp_path, path)
    assert f.profile == "cfpb_complaints"
    assert (f.rows_read, f.rows_loaded, f.rows_rejected) == (6623, 6623, 0)
    m = metrics_by_ticket(s)
    first = m["3571115"]
    assert first["created_at"] == dt.datetime(2020, 3, 18, 4, 0, tzinfo=UTC)  # midnight in New York
    assert (first["channel"], first["status"], first["frt_sla"], first["category"]) == ("web", "closed", "met", "other")
    assert first["subcategory"] == "Incorrect information on your report"
    assert m["3366475"]["category"] == "account_security"  # "Fraud or scam"
    # "Consumer disputed?" = Yes is a formal appeal; "Timely response?" = No a breach
    assert (m["2010655"]["escalation_level"], m["2010655"]["frt_sla"]) == (2, "breached")
    assert query(s, "select count(*) filter (where escalation_level = 2), "
                    "count(*) filter (where frt_sla = 'breached') from ticket_metrics") == [(9, 94)]
    # the regulator's verdict is shown as the source's own, but with dates only there is no response
    # time of ours to judge it by: reported on every complaint, compared on none
    assert query(s, "select figure, tickets_reported, tickets_compared, agreeing_pct from reported_agreement") == [
        ("frt_sla", 6623, 0, None)]
    # and a complaint not compared neither agrees nor disagrees (so Data health lists none)
    assert query(s, "select count(*) filter (where agrees is not null), count(*) from reported_comparisons") == [
        (0, 6623)]


@pytest.mark.parametrize("name", ["311_Service_Requests.csv", "311_Service_Requests.json"])
def test_nyc311(tmp_path: Path, name: str) -> None:
    path = needs_realdata("nyc311-sample", name)
    s, f = load_one(tmp_path, path)
    assert f.profile == "nyc311"
    assert (f.rows_read, f.rows_loaded, f.rows_rejected) == (1000, 1000, 0)
    m = metrics_by_ticket(s)["61276295"]
    assert m["created_at"] == dt.datetime(2024, 5, 27, 6, 8, 51, tzinfo=UTC)  # 02:08:51 in New York
    assert (m["status"], m["team"], m["subcategory"], m["channel"], m["category"]) == (
        "open", "DOT", "Street Condition", "other", "other")
    assert query(s, "select count(*) filter (where is_resolved), round(median(resolution_minutes), 2) "
                    "from ticket_metrics") == [(677, 21.78)]


def test_nyc311_csv_and_json_agree(tmp_path: Path) -> None:
    csv_path = needs_realdata("nyc311-sample", "311_Service_Requests.csv")
    json_path = needs_realdata("nyc311-sample", "311_Service_Requests.json")
    a, _ = load_one(tmp_path / "a", csv_path)
    b, _ = load_one(tmp_path / "b", json_path)
    cols = "ticket_id, created_at, status, channel, team, resolution_minutes"
    from_csv = query(a, f"select {cols} from ticket_metrics order by 1")
    assert len(from_csv) == 1000  # (two empty warehouses would agree too)
    assert from_csv == query(b, f"select {cols} from ticket_metrics order by 1")


def test_zendesk_fivetran_tables(tmp_path: Path) -> None:
    seeds = needs_realdata("zendesk-fivetran-seeds")
    s = settings_with(tmp_path, {})
    names = ["ticket_data.csv", "ticket_comment_data.csv", "ticket_field_history_data.csv", "user_data.csv"]
    result = load([seeds / n for n in names], s, as_of=AS_OF, source="zendesk")
    by = {f.file_name: f for f in result.files}
    assert {n: by[n].profile for n in names} == {
        "ticket_data.csv": "zendesk_fivetran_ticket", "ticket_comment_data.csv": "zendesk_fivetran_ticket_comment",
        "ticket_field_history_data.csv": "zendesk_fivetran_ticket_field_history",
        "user_data.csv": "zendesk_fivetran_user"}
    assert (by["ticket_data.csv"].rows_loaded, by["ticket_comment_data.csv"].rows_loaded) == (10, 20)
    history = by["ticket_field_history_data.csv"]
    assert (history.rows_read, history.rows_loaded, history.rows_skipped) == (38, 29, 9)
    users = by["user_data.csv"]
    assert (users.rows_read, users.rows_loaded, users.rows_skipped) == (10, 1, 9)
    assert users.skipped_reasons == {"an end user, not an agent": 9}
    assert all(f.reconciles for f in result.files)
    # the seeds' group table names none of the tickets' groups: the id stands in
    assert {r[0] for r in query(s, "select team from tickets")} == {"360006965034", "360008376313", "360013366274"}
    kinds = dict(query(s, "select event_type, count(*) from ticket_events where ticket_id = '11071' group by 1"))
    assert kinds.get("status_change", 0) + kinds.get("resolved", 0) + kinds.get("closed", 0) > 0


def test_zendesk_fivetran_group_lookup(tmp_path: Path) -> None:
    """With the ticket's group in group_data.csv beside it, the team is the group's name."""
    seeds = needs_realdata("zendesk-fivetran-seeds")
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copyfile(seeds / "ticket_data.csv", folder / "ticket_data.csv")
    groups = (seeds / "group_data.csv").read_text(encoding="utf-8")
    (folder / "group_data.csv").write_text(groups.rstrip("\n") + "\n360006965034,FALSE,2021-01-19 20:08:24.256,"
                                           "2020-02-04 00:03:11,Payments,2020-02-04 00:40:57,x\n", encoding="utf-8")
    s, f = load_one(tmp_path / "wh", folder / "ticket_data.csv")
    assert f.profile == "zendesk_fivetran_ticket"
    teams = dict(query(s, "select team, count(*) from tickets group by 1"))
    # every ticket of group 360006965034 in the export, counted from the file itself (8 of
    # the 10), carries the group's name; the two others keep their group ids
    with (folder / "ticket_data.csv").open(encoding="utf-8", newline="") as fh:
        in_group = sum(1 for row in csv.DictReader(fh) if row["group_id"] == "360006965034")
    assert in_group == 8
    assert teams == {"Payments": in_group, "360008376313": 1, "360013366274": 1}


def test_zendesk_view_csv(tmp_path: Path) -> None:
    s, f = load_one(tmp_path, FIXTURES / "zendesk_view_export.csv", as_of=SAMPLE_AS_OF)
    assert f.profile == "zendesk_view_csv"
    assert (f.rows_read, f.rows_loaded, f.rows_rejected) == (5, 5, 0)
    assert f.data_issues == {"response_before_creation": 1}  # a negative first reply time: emptied
    m = metrics_by_ticket(s)
    assert (m["5001"]["first_response_minutes"], m["5001"]["resolution_minutes"], m["5001"]["csat"]) == (45, 1500, 5)
    assert (m["5001"]["category"], m["5001"]["channel"], m["5001"]["team"]) == ("withdrawal", "web", "Payments")
    assert (m["5002"]["escalation_level"], m["5002"]["category"]) == (2, "account_security")
    assert (m["5004"]["escalation_level"], m["5004"]["reopen_count"], m["5004"]["csat"]) == (3, 1, 1)
    assert m["5003"]["frt_sla"] == "pending"


def test_zendesk_explore_report_csv(tmp_path: Path) -> None:
    """An Explore report (Support: Tickets, one row per ticket) with Explore's documented
    attribute and metric names: detected, times in the account's zone (Asia/Shanghai), the
    first reply from "First reply time (min)", the business-hours metric not read as an
    offset, Zendesk's full resolution time kept and compared with ours."""
    s, f = load_one(tmp_path, FIXTURES / "zendesk_explore_report.csv")  # as of 2026-11-01
    assert f.profile == "zendesk_explore_csv"
    assert (f.rows_read, f.rows_loaded, f.rows_rejected) == (6, 5, 1)
    assert f.rejected_reasons == {"missing_created_at": 1}  # "-" is a placeholder, not a time
    assert f.data_issues == {"response_before_creation": 1}  # 8005: a first reply time of -5 minutes
    m = metrics_by_ticket(s)
    assert m["8001"]["created_at"] == dt.datetime(2026, 10, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert (m["8001"]["first_response_minutes"], m["8001"]["resolution_minutes"], m["8001"]["csat"]) == (45, 1500, 5)
    assert (m["8001"]["channel"], m["8001"]["team"], m["8001"]["category"], m["8001"]["priority"]) == (
        "web", "Payments", "withdrawal", "high")
    # 22:30 → 09:40: 670 calendar minutes (the export's 40 business minutes are not an offset)
    assert (m["8002"]["first_response_minutes"], m["8002"]["escalation_level"], m["8002"]["csat"]) == (670, 1, None)
    assert (m["8003"]["channel"], m["8003"]["category"], m["8003"]["status"]) == ("ai_bot", "app_usage", "closed")
    assert (m["8004"]["channel"], m["8004"]["escalation_level"], m["8004"]["reopen_count"], m["8004"]["csat"]) == (
        "phone", 2, 1, 1)
    assert (m["8005"]["status"], m["8005"]["channel"], m["8005"]["first_response_minutes"]) == ("on_hold", "app", None)
    # Zendesk's full resolution time against ours: 8001 and 8003 agree, 8004 reports 1500 for 1440
    assert query(s, "select figure, tickets_reported, tickets_compared, tickets_agreeing, max_difference_minutes "
                    "from reported_agreement") == [("resolution_minutes", 3, 3, 2, 60.0)]
    # the disagreeing ticket, as Data health lists it
    assert query(s, "select ticket_id, figure, reported_minutes, computed_minutes, difference_minutes "
                    "from reported_comparisons where compared and not agrees") == [
        ("8004", "resolution_minutes", 1500.0, 1440.0, -60.0)]


def test_zendesk_incremental_json(tmp_path: Path) -> None:
    s, f = load_one(tmp_path, FIXTURES / "zendesk_incremental.json", as_of=SAMPLE_AS_OF)
    assert f.profile == "zendesk_incremental_json"
    assert (f.rows_read, f.rows_loaded) == (3, 3)
    m = metrics_by_ticket(s)
    assert (m["7001"]["first_response_minutes"], m["7001"]["resolution_minutes"], m["7001"]["reopen_count"],
            m["7001"]["csat"]) == (20, 1500, 1, 5)
    assert (m["7002"]["channel"], m["7002"]["escalation_level"], m["7002"]["is_resolved"]) == ("chat", 1, False)
    assert m["7003"]["category"] == "app_usage"


def test_udesk_ticket_json(tmp_path: Path) -> None:
    """Udesk's ticket list (Open API v2: {"tickets": [{"ticket": {...}}]}), shaped as a real
    one (corpus/udesk-worksheetmanagement): detected, the documented codes mapped, time
    stamps with their +08:00 offset, and the customer's name, phone and e-mail never stored."""
    s, f = load_one(tmp_path, FIXTURES / "udesk_tickets.json")
    assert f.profile == "udesk_ticket_json"
    assert (f.rows_read, f.rows_loaded, f.rows_rejected) == (4, 4, 0)
    assert query(s, "select ticket_id, created_at, status, priority, channel, team, agent_id from tickets "
                    "order by 1") == [
        ("101", dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC), "closed", "urgent", "phone", "热线组", "7"),
        ("102", dt.datetime(2026, 3, 2, 13, 10, tzinfo=UTC), "solved", "normal", "chat", "在线组", "8"),
        ("103", dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC), "open", "low", "social", "在线组", "8"),
        ("104", dt.datetime(2026, 3, 3, 4, 0, tzinfo=UTC), "open", "high", "email", "热线组", "7")]
    m = metrics_by_ticket(s)
    assert (m["101"]["resolution_minutes"], m["102"]["resolution_minutes"]) == (45.5, 660.0)
    # Udesk gives no first reply (agent_replied_at is the last one): none is made up
    assert [m[t]["first_response_minutes"] for t in ("101", "102", "103", "104")] == [None] * 4
    stored = Path(s.warehouse_path).resolve().read_bytes()
    for personal in ("13911112222", "b@example.com", "客户乙"):
        assert personal.encode() not in stored, personal


def test_suggest_finds_the_records_inside_a_json_document(tmp_path: Path) -> None:
    """An API's response keeps its records inside ({"data": {"items": [...]}}, camelCase
    keys, Unix milliseconds, as Sobot documents its ticket list; Udesk wraps each record in
    {"ticket": ...}): suggest names the path in [read] and the file loads unedited."""
    import json

    sobot = tmp_path / "sobot.json"
    sobot.write_text(json.dumps({"code": "000000", "data": {"items": [
        {"ticketId": "f1", "ticketCode": 1500877941, "ticketTitle": "提现", "ticketStatus": 3, "ticketLevel": 2,
         "dealGroupName": "一线组", "createTime": 1772413200000, "updateTime": 1772416800000},
        {"ticketId": "f2", "ticketCode": 1500877942, "ticketTitle": "密码", "ticketStatus": 0, "ticketLevel": 0,
         "dealGroupName": "一线组", "createTime": 1772420400000, "updateTime": 1772420400000}]}}),
        encoding="utf-8")
    text = suggest(sobot)
    assert 'json_path = "data.items"' in text and "# createTime: Unix milliseconds" in text
    assert 'ticket_id = "ticketId"' in text and 'team = "dealGroupName"' in text
    own = tmp_path / "sobot.toml"
    own.write_text(text, encoding="utf-8")
    s, f = load_one(tmp_path / "wh", sobot, profile=profiles.find(str(own)))
    assert (f.rows_read, f.rows_loaded) == (2, 2)
    assert query(s, "select ticket_id, created_at, updated_at from tickets order by 1") == [
        ("f1", dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC), dt.datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
        ("f2", dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC), dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC))]
    # Udesk's wrapped records, suggested (as if no profile shipped for it): the same four tickets
    text = suggest(FIXTURES / "udesk_tickets.json")
    assert 'json_path = "tickets[*].ticket"' in text and 'channel = "platform_name"' in text
    own = tmp_path / "udesk.toml"
    own.write_text(text, encoding="utf-8")
    s, f = load_one(tmp_path / "wh2", FIXTURES / "udesk_tickets.json",
                    profile=profiles.find(str(own)))
    assert (f.rows_read, f.rows_loaded) == (4, 4)
    assert query(s, "select ticket_id, channel from tickets order by 1") == [
        ("101", "phone"), ("102", "chat"), ("103", "social"), ("104", "email")]
    # a top-level array of wrapped records; JSON lines have no one document to look into
    from etl.ingest.read import json_record_paths

    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps([{"ticket": {"id": 1, "created_at": "2026-03-02"}}]), encoding="utf-8")
    lines = tmp_path / "lines.json"
    lines.write_text('{"id": 1}\n{"id": 2}\n', encoding="utf-8")
    import duckdb

    con = duckdb.connect()
    assert json_record_paths(con, wrapped) == [("[*].ticket", ["id", "created_at"])]
    assert json_record_paths(con, lines) == []


def test_freshdesk_csv(tmp_path: Path) -> None:
    s, f = load_one(tmp_path, FIXTURES / "freshdesk_tickets.csv", as_of=SAMPLE_AS_OF)
    assert f.profile == "freshdesk_csv"
    assert (f.rows_read, f.rows_loaded, f.rows_rejected) == (7, 6, 1)
    assert f.rejected_reasons == {"missing_created_at": 1}
    assert f.data_issues == {"resolution_before_creation": 1}
    m = metrics_by_ticket(s)
    assert (m["101"]["first_response_minutes"], m["101"]["resolution_minutes"]) == (90, 3270)  # "01:30:00"
    assert m["107"]["first_response_minutes"] == 15  # "0.25" hours
    assert (m["101"]["csat"], m["107"]["csat"], m["101"]["category"]) == (5, 1, "withdrawal")
    assert (m["104"]["frt_sla"], m["104"]["first_response_minutes"]) == ("breached", None)  # Freshdesk's verdict
    assert (m["103"]["status"], m["103"]["escalation_level"], m["102"]["channel"]) == ("pending", 2, "web")
    # Freshdesk's own "(in hrs)" figures and SLA verdicts against ours: this export counts calendar
    # hours, so all agree (105's resolution, before its creation, was emptied and is not compared;
    # 104, never answered, takes Freshdesk's verdict, so it is not compared either)
    assert query(s, "select figure, tickets_reported, tickets_compared, tickets_agreeing "
                    "from reported_agreement order by 1") == [("first_response_minutes", 5, 5, 5),
                                                              ("frt_sla", 6, 5, 5),
                                                              ("resolution_minutes", 4, 3, 3)]


def test_freshdesk_export_of_a_few_columns_and_business_hours(tmp_path: Path) -> None:
    """An export of the columns its user ticked (the signature is the id and the created time,
    in any case), whose SLA policy counts business hours: the first response is the export's
    own time stamp, never created + the business-hours figure, and the figure disagrees."""
    path = tmp_path / "tickets.csv"
    path.write_text("Ticket Id,Created Time,Initial Response Time,First Response Time (in Hrs),Status\n"
                    # Friday 17:30 → Monday 09:30: 64 calendar hours, 1 business hour reported
                    "201,2026-01-09 17:30:00,2026-01-12 09:30:00,1.0,Open\n"
                    "202,2026-01-12 10:00:00,2026-01-12 10:45:00,00:45:00,Open\n", encoding="utf-8")
    s, f = load_one(tmp_path / "wh", path, as_of=SAMPLE_AS_OF)
    assert (f.profile, f.rows_loaded) == ("freshdesk_csv", 2)
    m = metrics_by_ticket(s)
    assert (m["201"]["first_response_minutes"], m["202"]["first_response_minutes"]) == (3840, 45)
    assert query(s, "select figure, tickets_compared, tickets_agreeing from reported_agreement") == [
        ("first_response_minutes", 2, 1)]


@pytest.mark.parametrize("name", ["chinese_export_gbk.csv", "chinese_export_utf8bom.csv"])
def test_chinese_headers(tmp_path: Path, name: str) -> None:
    s, f = load_one(tmp_path, FIXTURES / name, as_of=SAMPLE_AS_OF)
    assert f.profile == "chinese_helpdesk"
    assert (f.rows_read, f.rows_loaded, f.rejected_reasons) == (6, 6, {})
    assert f.data_issues == {"response_before_creation": 1}
    m = metrics_by_ticket(s)
    assert (m["GD-0001"]["category"], m["GD-0001"]["channel"], m["GD-0001"]["first_response_minutes"]) == (
        "withdrawal", "phone", 12)
    # 22:30 → 09:40 next morning: 670 calendar minutes, 40 business minutes
    assert (m["GD-0002"]["first_response_minutes"], m["GD-0002"]["first_response_business_minutes"]) == (670, 40)
    assert [m[t]["escalation_level"] for t in ("GD-0002", "GD-0003", "GD-0006")] == [1, 2, 3]
    assert (m["GD-0004"]["channel"], m["GD-0006"]["channel"]) == ("ai_bot", "social")
    assert query(s, "select subject from tickets where ticket_id = 'GD-0001'") == [("提现三天未到账，请尽快处理",)]


def test_semicolons_and_bom_still_detected(tmp_path: Path) -> None:
    text = (FIXTURES / "zendesk_view_export.csv").read_text(encoding="utf-8")
    import io

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    path = tmp_path / "semicolons.csv"
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    s, f = load_one(tmp_path / "wh", path, as_of=SAMPLE_AS_OF)
    assert (f.profile, f.rows_loaded) == ("zendesk_view_csv", 5)


def test_profile_given_by_name_and_by_file(tmp_path: Path) -> None:
    copy = tmp_path / "renamed-export.csv"
    shutil.copyfile(FIXTURES / "freshdesk_tickets.csv", copy)
    s, f = load_one(tmp_path / "a", copy, as_of=SAMPLE_AS_OF, profile=profiles.find("freshdesk_csv"))
    assert f.rows_loaded == 6
    own = tmp_path / "mine.toml"
    own.write_text((ROOT / "etl" / "ingest" / "profiles" / "freshdesk_csv.toml").read_text(encoding="utf-8")
                   .replace('name = "freshdesk_csv"', 'name = "my_freshdesk"'), encoding="utf-8")
    s, f = load_one(tmp_path / "b", copy, as_of=SAMPLE_AS_OF, profile=profiles.find(str(own)))
    assert (f.profile, f.rows_loaded) == ("my_freshdesk", 6)


def test_suggest_writes_a_profile_that_loads_its_file(tmp_path: Path) -> None:
    source = FIXTURES / "custom_gbk.csv"
    text = suggest(source)
    assert 'encoding = "gb18030"' in text and 'unit = "minutes"' in text
    # times are read per column from their values (M/D/YYYY here)
    assert "# 提交时间: M/D/YYYY H:MM" in text
    assert '# "话费充值" = "other"  # TODO' in text
    own = tmp_path / "custom.toml"
    own.write_text(text, encoding="utf-8")
    s, f = load_one(tmp_path / "wh", source, profile=profiles.find(str(own)))
    assert (f.rows_read, f.rows_loaded, f.rejected_reasons) == (4, 3, {"bad_time": 1})
    m = metrics_by_ticket(s)
    assert (m["C-1"]["first_response_minutes"], m["C-1"]["category"], m["C-3"]["channel"]) == (15, "withdrawal", "app")


def test_suggest_on_a_vendor_export(tmp_path: Path) -> None:
    text = suggest(FIXTURES / "freshdesk_tickets.csv")
    own = tmp_path / "fd.toml"
    own.write_text(text, encoding="utf-8")
    s, f = load_one(tmp_path / "wh", FIXTURES / "freshdesk_tickets.csv", as_of=SAMPLE_AS_OF,
                    profile=profiles.find(str(own)))
    assert '"Extremely satisfied" = "5"' in text and '"Very dissatisfied" = "1"' in text
    assert (f.rows_loaded, f.rows_rejected) == (6, 1) and f.reconciles


def test_file_no_profile_fits_explains_next_step(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    # (amount is a canonical column since the record fields of issue 18: a column nobody knows)
    path.write_text("order_no,weight,Created time\n1,20,2026-01-05\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_one(tmp_path / "wh", path)
    message = err.value.detail
    assert "no mapping profile fits" in message and "order_no, weight" in message
    assert "python -m etl profile suggest" in message and "--profile" in message


def test_every_shipped_profile_is_valid_and_documented() -> None:
    shipped = [p for p in profiles.available() if p.path.parent == profiles.SHIPPED_DIR]
    assert len(shipped) >= 11
    doc = (ROOT / "docs" / "PROFILES.md").read_text(encoding="utf-8")
    for p in shipped:
        assert p.signature, p.name
        assert p.name in doc, f"{p.name} is not in docs/PROFILES.md"
