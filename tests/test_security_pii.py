"""Security findings on personal data (docs/DECISIONS.md, "Personal data"):

A. a rejected row's raw record is stored scrubbed, its customer id as the tickets' salted hash,
   for every kind and for malformed CSV lines;
B. every stored free-text field (subcategory, team, the *_raw values of the enumerations,
   error types, agents' fields …) is scrubbed, and so are the warnings that quote a value;
C. scrub_pii catches glued and full-width mobiles, cards, landlines, IBANs and non-ASCII
   e-mail addresses and leaves time stamps, amounts and ticket numbers alone: one table of
   cases, through the macro and through the actual load (subject, event detail, QA comment,
   a rejected row);
D. the salt never leaves its file: no log line, warning, reject or table holds it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from etl.core import sqlfiles
from etl.ingest.privacy import Privacy
from etl.load import runlog
from etl.load.run import load
from etl.warehouse.versions import resolve_live
from tests.helpers import SAMPLE, SAMPLE_AS_OF, query, settings_with

# input → what is stored
CASES = [
    # mainland mobiles glued to letters, full-width
    ("phone13812345678", "phone[phone]"),
    ("wxid_13812345678 加我", "wxid_[phone] 加我"),
    ("手机１３８１２３４５６７８", "手机[phone]"),
    ("13812345678/13912345678", "[phone]/[phone]"),
    ("+8613812345678 回电", "[phone] 回电"),
    # cards: one token, grouped or not, 16-19 digits
    ("card 4111 1111 1111 1111 declined", "card [card] declined"),
    ("card 4111-1111-1111-1111", "card [card]"),
    ("卡号4111111111111111扣款", "卡号[card]扣款"),
    ("银行卡 6222020200112233445", "银行卡 [card]"),
    # landlines and international forms
    ("座机 020-12345678", "座机 [phone]"),
    ("office (0755) 8888 6666 ext", "office [phone] ext"),
    ("Beijing +86 10 1234 5678", "Beijing [phone]"),
    ("Call +1 (415) 555-0132 or 415-555-0199", "Call [phone] or [phone]"),
    # IBANs
    ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN [iban] please"),
    ("to GB82WEST12345698765432.", "to [iban]."),
    # e-mail addresses, also non-ASCII
    ("邮箱 用户@例子.公司", "邮箱 [email]"),
    ("write to josé@correo.es now", "write to [email] now"),
    ("邮箱zhang.wei@example.com，谢谢", "邮箱[email]，谢谢"),
    ("mail zhang＠qq.com", "mail [email]"),
    # kept: wallets and Chinese ID numbers as before
    ("钱包 0x52908400098527886E0F7030069857D2E4169EE7", "钱包 [wallet]"),
    ("TRC20 TJRabPrwbZy45sbavfcjinPJC18kjpRTv8 失败", "TRC20 [wallet] 失败"),
    ("BTC 1BoatSLRpgHbBbyJ5aLhSYd2fg1MxhNXs9 未到账", "BTC [wallet] 未到账"),
    ("身份证 11010519491231002X", "身份证 [number]"),
    ("身份证110105194912310021号", "身份证[number]号"),
    # what must stay: time stamps, amounts, ticket and order numbers
    ("since 2026-01-05 09:30:00 pending", "since 2026-01-05 09:30:00 pending"),
    ("amount 12,345.67 USDT", "amount 12,345.67 USDT"),
    ("see ticket 123456", "see ticket 123456"),
    ("订单 20260105-7788 于 2026/1/5 9:30 未到账", "订单 20260105-7788 于 2026/1/5 9:30 未到账"),
    ("Withdrawal of 1,250.50 USDT, 3 days", "Withdrawal of 1,250.50 USDT, 3 days"),
]

PHONE, EMAIL, CUSTOMER = "13812345678", "zhang.wei@example.com", "C-77001"


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def _warehouse_text(s) -> str:  # type: ignore[no-untyped-def]
    """Every stored value of every table as text, one line each (the SQL page's view)."""
    con = duckdb.connect(str(resolve_live(s.warehouse_path)), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "and table_type = 'BASE TABLE'").fetchall()]
        return "\n".join(str(row) for t in tables for row in con.execute(f'select * from "{t}"').fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def scrub():  # type: ignore[no-untyped-def]
    con = duckdb.connect()
    sqlfiles.run(con, "staging/macros")
    yield lambda text: con.execute("select scrub_pii(?)", [text]).fetchall()[0][0]
    con.close()


@pytest.mark.parametrize("text, expected", CASES)
def test_scrub_cases(scrub, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert scrub(text) == expected


def test_scrub_cases_through_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case as a ticket's subject, an event's detail, a QA comment and in a rejected row."""
    monkeypatch.setenv("DESK_CUSTOMER_SALT", "case-salt")
    s = settings_with(tmp_path, {})
    n = len(CASES)
    tickets = _write_csv(tmp_path / "tickets.csv", ["ticket_id", "created_at", "customer_id", "subject", "csat"],
                         [[f"S{i}", "2026-01-05 09:00:00", "C1", text, ""] for i, (text, _) in enumerate(CASES)]
                         # rejected: a creation time that is no time (a bad field alone would be emptied)
                         + [[f"R{i}", "not a time", "C1", text, ""] for i, (text, _) in enumerate(CASES)])
    events = _write_csv(tmp_path / "events.csv", ["ticket_id", "event_at", "event_type", "actor_id", "detail"],
                        [[f"S{i}", "2026-01-05 10:00:00", "agent_reply", "A1", text]
                         for i, (text, _) in enumerate(CASES)])
    reviews = _write_csv(tmp_path / "qa_reviews.csv",
                         ["review_id", "ticket_id", "agent_id", "reviewed_at", "score", "comment"],
                         [[f"Q{i}", f"S{i}", "A1", "2026-01-06 10:00:00", "80", text]
                          for i, (text, _) in enumerate(CASES)])
    load([tickets, events, reviews], s, as_of=SAMPLE_AS_OF)
    expected = [e for _, e in CASES]
    order = "order by cast(substr({0}, 2) as int)"
    assert [r[0] for r in query(s, f"select subject from tickets where ticket_id like 'S%' {order.format('ticket_id')}")] == expected
    assert [r[0] for r in query(s, f"select detail from ticket_events {order.format('ticket_id')}")] == expected
    assert [r[0] for r in query(s, f"select comment from qa_reviews {order.format('review_id')}")] == expected
    raws = query(s, "select raw_record from rejects where kind = 'tickets' order by record_no")
    assert len(raws) == n
    assert [json.loads(r[0])["subject"] for r in raws] == expected


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A load whose every kind has a rejected row (and a malformed line) full of personal data,
    and unmapped values holding some, with the salt in its file."""
    tmp = tmp_path_factory.mktemp("leaky")
    mp = pytest.MonkeyPatch()
    mp.delenv("DESK_CUSTOMER_SALT", raising=False)
    s = settings_with(tmp, {})
    pii = f"call {PHONE} or {EMAIL}"
    head = ["ticket_id", "created_at", "channel", "category", "subcategory", "priority", "status", "team",
            "customer_id", "subject", "csat", "contact_name"]
    tickets = tmp / "tickets.csv"
    _write_csv(tickets, head, [
        ["T1", "2026-01-05 09:00:00", f"wechat {PHONE}", f"refund {EMAIL}", f"sub {PHONE}", f"p {PHONE}",
         f"st {PHONE}", f"team {PHONE}", CUSTOMER, pii, "4", "Zhang Wei"],
        ["T2", f"when {PHONE}", "email", "withdrawal", "", "high", "open", "frontline",
         CUSTOMER, pii, "4", "Zhang Wei"],
        # loads: its csat is emptied, and the raw value recorded in data_issues is scrubbed
        ["T4", "2026-01-05 09:00:00", "email", "withdrawal", "", "high", "open", "frontline",
         CUSTOMER, pii, f"bad {PHONE}", "Zhang Wei"],
    ])
    with tickets.open("a", encoding="utf-8") as fh:  # a line with a column too many
        fh.write(f"T3,2026-01-05 09:00:00,email,withdrawal,,high,open,frontline,{CUSTOMER},{pii},4,Zhang Wei,extra {EMAIL}\n")
    events = _write_csv(tmp / "events.csv", ["ticket_id", "event_at", "event_type", "actor_id", "actor_role", "detail"], [
        ["T1", "2026-01-05 09:00:00", "created", CUSTOMER, "customer", pii],
        ["T1", "2026-01-05 09:30:00", f"ping {PHONE}", "A1", f"role {PHONE}", "x"],
        ["T1", f"later {PHONE}", "customer_reply", CUSTOMER, "customer", pii],
    ])
    reviews = _write_csv(tmp / "qa_reviews.csv",
                         ["review_id", "ticket_id", "agent_id", "reviewed_at", "score", "error_types", "comment"], [
        ["Q1", "T1", "A1", "2026-01-06 10:00:00", "80", f"tone;{PHONE}", pii],
        ["Q2", "T1", "A1", "2026-01-06 10:00:00", f"eighty {PHONE}", "tone", pii],
    ])
    agents = _write_csv(tmp / "agents.csv", ["agent_id", "name", "team", "tier", "hired_on", "languages"], [
        ["A1", f"Li {PHONE}", f"team {EMAIL}", "1", "2025-01-01", "zh"],
        ["A2", f"Wang {EMAIL}", "frontline", "1", f"since {PHONE}", "zh"],
    ])
    result = load([tickets, events, reviews, agents], s, as_of=SAMPLE_AS_OF)
    yield s, result
    mp.undo()


def test_rejects_hold_no_raw_personal_data(leaky) -> None:  # type: ignore[no-untyped-def]
    s, _ = leaky
    rejects = query(s, "select kind, reason_code, reason, raw_record from rejects order by kind, record_no, line_no")
    assert {(k, c) for k, c, _, _ in rejects} == {
        ("tickets", "bad_time"), ("tickets", "malformed_line"), ("events", "bad_time"),
        ("agents", "bad_date")}
    text = "\n".join(f"{reason} {raw}" for _, _, reason, raw in rejects)
    assert PHONE not in text and EMAIL not in text and CUSTOMER not in text
    assert "Zhang Wei" not in text  # a column the kind ignores is not kept
    stored_customer = query(s, "select customer_id from tickets where ticket_id = 'T1'")[0][0]
    assert stored_customer.startswith("c_")
    by_code = {(k, c): raw for k, c, _, raw in rejects}
    ticket = json.loads(by_code["tickets", "bad_time"])
    assert ticket["customer_id"] == stored_customer            # analysts can still match it
    assert ticket["subject"] == "call [phone] or [email]" and ticket["ticket_id"] == "T2"
    assert stored_customer in by_code["tickets", "malformed_line"] and "[email]" in by_code["tickets", "malformed_line"]
    assert PHONE not in ticket["created_at"]
    issues = query(s, "select ticket_id, field, raw_value, reason from data_issues order by kind, ticket_id, field")
    assert [(t, f) for t, f, _, _ in issues] == [("T1", "score"), ("T4", "csat")]  # review Q2's score emptied
    for _, _, raw, reason in issues:
        assert PHONE not in raw and PHONE not in reason and "[phone]" in raw
    event = json.loads(by_code["events", "bad_time"])
    assert event["actor_id"] == stored_customer and event["detail"] == "call [phone] or [email]"
    assert query(s, "select comment from qa_reviews where review_id = 'Q2'") == [("call [phone] or [email]",)]
    assert json.loads(by_code["agents", "bad_date"])["name"] == "Wang [email]"
    # the customer's events carry the customer's key, not the id
    assert query(s, "select distinct actor_id from ticket_events where actor_role = 'customer'") == [(stored_customer,)]


def test_free_text_fields_and_warnings_are_scrubbed(leaky) -> None:  # type: ignore[no-untyped-def]
    s, result = leaky
    row = query(s, "select channel_raw, category_raw, subcategory, priority_raw, status_raw, team "
                   "from tickets where ticket_id = 'T1'")[0]
    assert row == ("wechat [phone]", "refund [email]", "sub [phone]", "p [phone]", "st [phone]", "team [phone]")
    assert query(s, "select event_type_raw, actor_role_raw from ticket_events where actor_id = 'A1'") == [
        ("ping [phone]", "role [phone]")]
    assert query(s, "select error_types_raw from qa_reviews order by review_id") == [("tone;[phone]",), ("tone",)]
    assert query(s, "select name, team from agents") == [("Li [phone]", "team [email]")]
    warnings = [w for f in result.files for w in f.warnings]
    assert any("not a known value" in w and "[phone]" in w for w in warnings)
    stored = _warehouse_text(s)
    log = runlog.run_log_path(s.warehouse_path).read_text(encoding="utf-8")
    for where in (stored, log, "\n".join(result.warnings)):
        assert PHONE not in where and EMAIL not in where and CUSTOMER not in where
    assert PHONE.encode() not in resolve_live(s.warehouse_path).read_bytes()


def test_settings_are_respected_for_rejects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """scrub_free_text = false keeps free text as given, in rejects too; the customer id is
    hashed with the tickets' salt."""
    monkeypatch.setenv("DESK_CUSTOMER_SALT", "pepper")
    s = settings_with(tmp_path, {"privacy": {"scrub_free_text": False}})
    path = _write_csv(tmp_path / "t.csv", ["ticket_id", "created_at", "customer_id", "subject", "csat"],
                      [["T1", "not a time", "C1", f"call {PHONE}", ""]])
    load([path], s, as_of=SAMPLE_AS_OF)
    raw = json.loads(query(s, "select raw_record from rejects")[0][0])
    assert raw["subject"] == f"call {PHONE}"
    assert raw["customer_id"] == "c_" + duckdb.sql("select sha256('pepperC1')").fetchall()[0][0][:16]


def test_salt_never_leaves_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither a file salt nor one from the environment reaches a table, a warning, a reject,
    the run log or a printable object."""
    monkeypatch.delenv("DESK_CUSTOMER_SALT", raising=False)
    s = settings_with(tmp_path, {})
    bad = _write_csv(tmp_path / "extra.csv", ["ticket_id", "created_at", "customer_id", "subject", "channel"],
                     [["X1", "2026-01-05 09:00", "C9", f"call {PHONE}", "carrier pigeon"],
                      ["X2", "yesterday", "C9", "x", "email"]])
    result = load([SAMPLE, bad], s, as_of=SAMPLE_AS_OF)
    salt = (s.warehouse_path.parent / ".customer-salt").read_text().strip()
    env_salt = "env-salt-" + "7f3a" * 8
    monkeypatch.setenv("DESK_CUSTOMER_SALT", env_salt)
    s2 = settings_with(tmp_path / "env", {})
    result2 = load([SAMPLE, bad], s2, as_of=SAMPLE_AS_OF)
    for settings, res, secret in ((s, result, salt), (s2, result2, env_salt)):
        assert query(settings, "select count(*) from rejects")[0][0] > 0 and res.warnings
        places = {
            "tables": _warehouse_text(settings),
            "warnings": "\n".join(res.warnings) + repr(res),
            "run log": runlog.run_log_path(settings.warehouse_path).read_text(encoding="utf-8"),
            "privacy": repr(Privacy(hash_customers=True, scrub_text=True, salt=secret)),
        }
        for where, text in places.items():
            assert secret not in text, where
            assert secret[:12] not in text, where
        assert secret.encode() not in resolve_live(settings.warehouse_path).read_bytes()
    # and nothing else beside the warehouse holds it
    for path in s.warehouse_path.parent.rglob("*"):
        if path.is_file() and path.name != ".customer-salt":
            assert salt.encode() not in path.read_bytes(), path


def test_rejects_of_a_profile_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mapping profile's export: the customer id's own column (Freshdesk's Contact ID) is
    hashed in a rejected row as in the loaded one; a column the profile ignores is left out."""
    monkeypatch.setenv("DESK_CUSTOMER_SALT", "pepper")
    s = settings_with(tmp_path, {})
    head = ["Ticket ID", "Subject", "Status", "Priority", "Source", "Agent", "Group", "Created time",
            "Resolved time", "Closed time", "First response time (in hrs)", "Resolution time (in hrs)",
            "First response status", "Contact ID", "Contact phone"]
    rest = ["Open", "High", "Email", "Li Na", "Payments"]
    path = _write_csv(tmp_path / "freshdesk.csv", head, [
        ["101", f"call {PHONE}", *rest, "2026-01-05 09:00:00", "", "", "", "", "", f"CX-{PHONE}", PHONE],
        ["102", f"mail {EMAIL}", *rest, f"soon {PHONE}", "", "", "", "", "", f"CX-{PHONE}", PHONE],
    ])
    result = load([path], s, as_of=SAMPLE_AS_OF)
    assert result.files[0].profile == "freshdesk_csv"
    stored = query(s, "select customer_id, subject from tickets")
    assert stored[0][0].startswith("c_") and stored[0][1] == "call [phone]"
    reason, raw = query(s, "select reason, raw_record from rejects")[0]
    record = json.loads(raw)
    assert record["Contact ID"] == stored[0][0] and record["Subject"] == "mail [email]"
    assert "Contact phone" not in record and PHONE not in raw and PHONE not in reason


def test_malformed_line_below_a_preamble_is_split_by_the_files_own_delimiter(tmp_path: Path) -> None:
    """A semicolon export whose header is on line 3 under a comma-rich title: the malformed
    line's customer field is found (and hashed) by the delimiter the file was read with, not
    by one guessed again from the title line."""
    from etl.ingest import profiles

    s = settings_with(tmp_path, {})
    own = tmp_path / "preamble.toml"
    own.write_text('[profile]\nname = "preamble"\nkind = "tickets"\n\n[read]\nheader_row = 3\n\n'
                   '[columns]\nticket_id = "Nr"\ncreated_at = "Opened"\ncustomer_id = "Client"\n'
                   'subject = "Subject"\n', encoding="utf-8")
    export = tmp_path / "report.csv"
    export.write_text("Complaints report, all channels, all teams, generated daily\n"
                      "Desk, region, owner\n"
                      "Nr;Opened;Client;Subject\n"
                      f"N1;2026-01-05 09:00:00;{CUSTOMER};hello\n"
                      f"N2;2026-01-05 10:00:00;{CUSTOMER};a field;too many\n", encoding="utf-8")
    result = load([export], s, profile=profiles.find(str(own)), as_of=SAMPLE_AS_OF)
    assert result.files[0].rows_loaded == 1
    stored = query(s, "select customer_id from tickets")[0][0]
    raw = query(s, "select raw_record from rejects where reason_code = 'malformed_line'")
    assert len(raw) == 1
    assert CUSTOMER not in raw[0][0] and stored in raw[0][0]
    assert raw[0][0].startswith("N2;") and raw[0][0].count(";") == 4
