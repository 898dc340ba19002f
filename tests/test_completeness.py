"""Record completeness (issue 18): the record fields of the canonical format (account hashed,
transaction time and amount validated), the rules per category ([[completeness.rules]] →
completeness_rules → ticket_completeness), the effect figures and the Agent-quality section,
on hand-made tickets whose expected values are worked out by hand; the planted agents of the
demo data on the page's training list."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.core.errors import ConfigError
from etl.core.settings import load_settings
from etl.devtools.generate import AGENTS_INCOMPLETE_FIELDS
from etl.ingest.privacy import customer_salt
from etl.load.run import load
from tests.helpers import ROOT, DemoWarehouse, open_drilldowns, query, settings_with

AS_OF = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
APP = str(ROOT / "dashboard" / "app.py")

HEAD = ["ticket_id", "created_at", "resolved_at", "category", "channel", "team", "agent_id", "customer_id",
        "reopen_count", "account_id", "transaction_id", "transaction_at", "amount", "currency",
        "resolution_note"]
ROWS = [
    # withdrawal, resolved after 120 min, transaction id and note: complete (2 rules apply)
    ["K1", "2026-01-05 09:00:00", "2026-01-05 11:00:00", "withdrawal", "email", "payments", "P1", "CA", "0",
     "ACC-1001", "TX-1", "", "1,234.50", "USDT", "re-sent the withdrawal"],
    # withdrawal, 240 min, reopened once; only the transaction's time (enough), a blank note: lacks the note
    ["K2", "2026-01-06 09:00:00", "2026-01-06 13:00:00", "withdrawal", "email", "payments", "P1", "CB", "1",
     "ACC-1002", "", "2026-01-05 20:00:00", "", "", "   "],
    # transaction delay, open, no transaction: lacks the transaction (the note is not due yet)
    ["K3", "2026-01-06 10:00:00", "", "transaction_delay", "chat", "payments", "P2", "CC", "0",
     "", "", "", "", "", ""],
    # account security, 60 min, note but no account: lacks the account
    ["K4", "2026-01-07 09:00:00", "2026-01-07 10:00:00", "account_security", "phone", "security", "S1", "CD", "0",
     "", "", "", "", "", "froze the account"],
    # account security, open, with the account: complete (1 rule)
    ["K5", "2026-01-07 11:00:00", "", "account_security", "chat", "security", "S1", "CE", "0",
     "ACC-1005", "", "", "", "", ""],
    # password recovery, 30 min, no note: lacks the note
    ["K6", "2026-01-08 09:00:00", "2026-01-08 09:30:00", "password_recovery", "app", "frontline", "F1", "CF", "0",
     "", "", "", "", "", ""],
    # app usage, open: no rule applies, complete
    ["K7", "2026-01-08 10:00:00", "", "app_usage", "app", "frontline", "F1", "CG", "0",
     "", "", "", "", "", ""],
    # withdrawal, 480 min; an unreadable transaction time and amount are emptied and recorded:
    # lacks the note and the transaction
    ["K8", "2026-01-09 09:00:00", "2026-01-09 17:00:00", "withdrawal", "web", "payments", "P2", "CH", "0",
     "", "", "soon", "abc", "CNY", ""],
    # K2's customer again, about the withdrawal two days after K2's resolution: a repeat; open,
    # with the transaction id: complete (1 rule)
    ["K9", "2026-01-08 13:00:00", "", "withdrawal", "phone", "payments", "P2", "CB", "0",
     "ACC-1002", "TX-9", "", "", "", ""],
    # no creation time: rejected, and its raw record keeps no account number
    ["K10", "", "", "withdrawal", "email", "payments", "P1", "CZ", "0",
     "ACC-SECRET-77", "TX-10", "", "", "", ""],
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEAD, *rows])
    return path


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("completeness")
    s = settings_with(tmp, {})  # customer and account ids hashed (the default)
    load([write(tmp / "tickets.csv", ROWS)], s, as_of=AS_OF)
    return s


def test_completeness_per_category_rule(known) -> None:  # type: ignore[no-untyped-def]
    got = {r[0]: r[1:] for r in query(known, """
        select ticket_id, required_items, missing_items, is_complete from ticket_completeness""")}
    assert got == {
        "K1": (2, [], True),
        "K2": (2, ["resolution_note"], False),        # a transaction time is enough; a blank note is none
        "K3": (1, ["transaction"], False),            # open: no note due yet
        "K4": (2, ["account"], False),
        "K5": (1, [], True),
        "K6": (1, ["resolution_note"], False),
        "K7": (0, [], True),                          # no rule for app usage while open
        "K8": (2, ["resolution_note", "transaction"], False),
        "K9": (1, [], True),
    }
    assert query(known, "select item, any_of, categories, resolved_only from completeness_rules "
                        "order by rule_order") == [
        ("transaction", ["transaction_id", "transaction_at"], ["transaction_delay", "withdrawal"], False),
        ("account", ["account_id"], ["account_security"], False),
        ("resolution_note", ["resolution_note"], None, True)]
    # the rollup per agent and month: P1 K1 complete, K2 not; P2 K3, K8 not, K9 complete
    assert query(known, "select agent_id, tickets, complete_tickets, complete_pct from completeness_rollup "
                        "where agent_id like 'P%' order by 1") == [
        ("P1", 2, 1, 50.0), ("P2", 3, 1, pytest.approx(100 / 3))]


def test_account_hashed_and_fields_validated(known) -> None:  # type: ignore[no-untyped-def]
    salt = customer_salt(known)
    expected = "c_" + hashlib.sha256((salt + "ACC-1001").encode()).hexdigest()[:16]
    rows = dict(query(known, "select ticket_id, account_id from tickets where account_id is not null"))
    assert rows["K1"] == expected
    assert rows["K2"] == rows["K9"]  # the same account, the same key
    everything = " ".join(str(r) for table in ("tickets", "rejects", "data_issues", "ticket_completeness")
                          for r in query(known, f"select * from {table}"))
    assert "ACC-" not in everything  # never stored raw, rejected rows included
    assert query(known, "select count(*) from rejects")[0][0] == 1
    assert query(known, "select ticket_id, transaction_id, amount, currency, transaction_at from tickets "
                        "where ticket_id in ('K1', 'K2', 'K8') order by 1") == [
        ("K1", "TX-1", 1234.5, "USDT", None),
        # 20:00 Asia/Shanghai, the source's zone
        ("K2", None, None, None, dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)),
        ("K8", None, None, "CNY", None)]
    assert query(known, "select ticket_id, field, raw_value, rule from data_issues order by field") == [
        ("K8", "amount", "abc", "bad_amount"), ("K8", "transaction_at", "soon", "bad_time")]


def test_effect_of_incomplete_records(known) -> None:  # type: ignore[no-untyped-def]
    """The page's effect table over the tickets a rule applies to (all but K7): complete K1,
    K5, K9; incomplete K2, K3, K4, K6, K8."""
    from dashboard.db import sql_text
    from etl.core import sqlfiles

    sql = sqlfiles.fill(sql_text("completeness_effect"), {"where": "true"})
    assert query(known, sql) == [
        # median of K1's 120 min; nothing reopened; no repeat follows them
        (True, 3, 2.0, 0.0, 0.0),
        # median of 30, 60, 240, 480 min = 150 min; K2 of 4 resolved reopened; K2 of 5 followed by K9
        (False, 5, 2.5, 25.0, 20.0)]


def test_rules_are_settings(tmp_path: Path) -> None:
    # every category needs an amount, resolved or not
    s = settings_with(tmp_path, {"completeness": {"rules": [{"item": "amount", "any_of": ["amount"]}]}})
    load([write(tmp_path / "t.csv", ROWS[:3])], s, as_of=AS_OF)
    assert query(s, "select ticket_id, missing_items from ticket_completeness order by 1") == [
        ("K1", []), ("K2", ["amount"]), ("K3", ["amount"])]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[completeness.rules]]\nitem = "x"\nany_of = ["iban"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"completeness.rules\[0\].any_of"):
        load_settings(bad)
    bad.write_text('[[completeness.rules]]\nitem = "x"\nany_of = ["amount"]\ncategories = ["refunds"]\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError, match=r"completeness.rules\[0\].categories"):
        load_settings(bad)


def test_rules_judge_only_what_the_export_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose columns do not include a rule's fields is not judged on that rule: the
    item is 'not recorded by the export', said on the page; a file beside it that has the
    columns is judged as before."""
    lean_head = [c for c in HEAD if c not in ("transaction_id", "transaction_at", "amount", "currency",
                                               "resolution_note")]
    keep = [HEAD.index(c) for c in lean_head]
    lean = tmp_path / "lean.csv"
    with lean.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([lean_head, *([row[i] for i in keep] for row in ROWS[:8])])
    full = [["F" + r[0][1:], *r[1:]] for r in ROWS[:3]]  # K1-K3 again as F1-F3, with every column
    s = settings_with(tmp_path, {})
    load([lean, write(tmp_path / "full.csv", full)], s, as_of=AS_OF)
    assert query(s, "select file_name, list_contains(fields, 'account_id'), list_contains(fields, 'transaction_id') "
                    "from load_files order by 1") == [("full.csv", True, True), ("lean.csv", True, False)]
    got = {r[0]: r[1:] for r in query(s, """
        select ticket_id, required_items, missing_items, unrecorded_items, is_complete
        from ticket_completeness""")}
    assert got == {
        "K1": (0, [], ["resolution_note", "transaction"], True),
        "K2": (0, [], ["resolution_note", "transaction"], True),
        "K3": (0, [], ["transaction"], True),
        "K4": (1, ["account"], ["resolution_note"], False),   # the account is recorded: judged
        "K5": (1, [], [], True),
        "K6": (0, [], ["resolution_note"], True),
        "K7": (0, [], [], True),
        "K8": (0, [], ["resolution_note", "transaction"], True),
        "F1": (2, [], [], True),
        "F2": (2, ["resolution_note"], [], False),
        "F3": (1, ["transaction"], [], False),
    }
    at = page(s.warehouse_path, monkeypatch)
    assert [e.message for e in at.exception] == []
    # the item labels are escaped as Markdown (the settings name them)
    said = [c.value.replace("\\", "") for c in at.caption if c.value.startswith("Not recorded by these exports")]
    assert len(said) == 1
    assert "Resolution note (5 tickets)" in said[0] and "Transaction (id or time) (4 tickets)" in said[0]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Tickets with a rule"] == "5" and shown["Incomplete records"] == "3"


def page(db: Path, monkeypatch: pytest.MonkeyPatch, lang: str = "en") -> AppTest:
    monkeypatch.setenv("DESK_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["period"] = "all"
    at.query_params["lang"] = lang
    at.run()
    return at.switch_page("views/agent_quality.py").run()


def test_agent_quality_section_on_known_data(known, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    at = page(known.warehouse_path, monkeypatch)
    assert [e.message for e in at.exception] == []
    assert any(s.value == "Record completeness" for s in at.subheader)
    shown = {m.label: m.value for m in at.metric}
    # 3 of the 8 tickets a rule applies to are complete; 5 incomplete
    assert shown["Complete records"] == "37.5 %" and shown["Incomplete records"] == "5"
    tables = {tuple(df.value.columns): df.value for df in at.dataframe}
    effect = tables[("Record", "Tickets", "Median resolution (h)", "Reopen rate (%)", "Repeat-contact rate (%)")]
    assert effect.values.tolist() == [["Complete", 3, 2.0, 0.0, 0.0], ["Incomplete", 5, 2.5, 25.0, 20.0]]
    missing = tables[("Item", "Tickets lacking it")]
    assert missing.values.tolist() == [["Resolution note", 3], ["Transaction (id or time)", 2], ["Account", 1]]
    # the tickets behind the charts and the effect table are the incomplete ones
    at = open_drilldowns(at)
    behind = [df.value for df in at.dataframe if "Ticket" in df.value.columns]
    assert behind and all(sorted(df["Ticket"]) == ["K2", "K3", "K4", "K6", "K8"] for df in behind)
    zh = page(known.warehouse_path, monkeypatch, "zh")
    assert [e.message for e in zh.exception] == []
    assert any(s.value == "记录完整性" for s in zh.subheader)


def test_training_list_flags_the_planted_agents(demo_warehouse: DemoWarehouse,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's planted agents (docs/DEMO_DATA.md) leave records incomplete far more often
    than their teams, and their incomplete tickets come back more often."""
    rates = dict(demo_warehouse.query("""
        select agent_id in ('A0003', 'A0004'), pct_complete(is_complete) from ticket_completeness
        where required_items > 0 and agent_id is not null group by 1"""))
    assert rates[True] < 70 < 90 < rates[False]
    repeat = dict(demo_warehouse.query("""
        select is_complete, pct_followed_by_repeat(followed_by_repeat) from ticket_completeness
        where required_items > 0 group by 1"""))
    assert repeat[False] > 2 * repeat[True]
    at = page(demo_warehouse.path, monkeypatch)
    assert [e.message for e in at.exception] == []
    training = next(df.value for df in at.dataframe if "Error type" in df.value.columns)
    rows = training[training["Error type"] == "Incomplete record fields"]
    assert set(rows["Agent"]) == set(AGENTS_INCOMPLETE_FIELDS)
    # each row's examples: the agent's three newest incomplete tickets
    for agent, examples in zip(rows["Agent"], rows["Example tickets"], strict=True):
        newest = demo_warehouse.query("""
            select ticket_id from ticket_completeness where agent_id = ? and not is_complete
            order by created_at desc, ticket_id limit 3""", [agent])
        assert examples == ", ".join(t for (t,) in newest)


def test_demo_repeat_chains_are_plausible(demo_warehouse: DemoWarehouse) -> None:
    """The generator's customers (docs/DEMO_DATA.md): most have one ticket; a minority come
    back about the same category, some by another channel."""
    [(rate, single, other, repeats)] = demo_warehouse.query("""
        select (select pct_followed_by_repeat(followed_by_repeat) from ticket_repeats),
               (select avg((n = 1)::int) from (select count(*) as n from tickets group by customer_id)),
               (select count(*) filter (where is_repeat_other_channel) from ticket_repeats),
               (select count(*) filter (where is_repeat) from ticket_repeats)""")
    assert 8 < rate < 20
    assert single > 0.8
    assert 0.2 * repeats < other < 0.8 * repeats


def test_chinese_export_maps_the_record_fields(tmp_path: Path) -> None:
    """The shipped Chinese-header profile maps 账号, 订单号 (or 交易单号), 交易时间, 金额, 币种 and
    处理结果 (or 处理说明); an export without them loads as before, with no note about them."""
    head = ["工单编号", "创建时间", "首次响应时间", "解决时间", "问题分类", "渠道", "账号", "订单号", "交易时间",
            "金额", "币种", "处理结果"]
    path = tmp_path / "工单导出.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([head, ["Z1", "2026/1/5 9:30", "2026/1/5 9:40", "2026/1/5 12:00", "提现", "邮件",
                                         "U-778", "DD20260105-7788", "2026/1/4 22:15", "¥1,200.00", "CNY",
                                         "已补发，联系 13812345678"]])
    s = settings_with(tmp_path, {})
    result = load([path], s, as_of=AS_OF)
    assert query(s, "select account_id like 'c_%', transaction_id, transaction_at, amount, currency, "
                    "resolution_note from tickets") == [
        (True, "DD20260105-7788", dt.datetime(2026, 1, 4, 14, 15, tzinfo=dt.UTC), 1200.0, "CNY", "已补发，联系 [phone]")]
    assert query(s, "select missing_items from ticket_completeness") == [([],)]
    plain = tmp_path / "plain"
    plain.mkdir()
    path = plain / "工单.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([head[:6], ["Z2", "2026/1/5 9:30", "2026/1/5 9:40", "2026/1/5 12:00", "提现", "邮件"]])
    result = load([path], settings_with(plain, {}), as_of=AS_OF)
    assert not any("账号" in w or "account_id" in w for w in result.warnings)
