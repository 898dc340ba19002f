"""Repeat complaints and first-contact resolution (the mart ticket_repeats and its macros),
on hand-made tickets whose expected values are worked out by hand."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from etl.core.errors import ConfigError
from etl.core.settings import load_settings
from etl.load.run import load
from tests.helpers import open_page, query, settings_with

AS_OF = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

HEAD = ["ticket_id", "created_at", "resolved_at", "channel", "category", "team", "agent_id", "customer_id",
        "reopen_count"]
ROWS = [
    # customer A, withdrawal: R1 solved 01-05 12:00; R2 5 days later (a repeat, by phone after
    # e-mail); R3 20 days after R2's resolution (no repeat: a new chain)
    ["R1", "2026-01-05 09:00:00", "2026-01-05 12:00:00", "email", "withdrawal", "frontline", "A1", "CA", "0"],
    ["R2", "2026-01-10 12:00:00", "2026-01-11 12:00:00", "phone", "withdrawal", "frontline", "A2", "CA", "0"],
    ["R3", "2026-01-31 12:00:00", "2026-02-01 12:00:00", "email", "withdrawal", "frontline", "A1", "CA", "0"],
    # customer A, another category the same day: not a repeat of the withdrawal
    ["R4", "2026-01-10 13:00:00", "2026-01-10 15:00:00", "email", "account_security", "security", "A3", "CA", "0"],
    # customer B: R5 still open when R6 comes (a repeat, same channel); R6 reopened once
    ["R5", "2026-01-06 09:00:00", "", "chat", "transaction_delay", "frontline", "A2", "CB", "0"],
    ["R6", "2026-01-07 09:00:00", "2026-01-08 09:00:00", "chat", "transaction_delay", "frontline", "A2", "CB", "1"],
    # no customer id: never a repeat, no chain
    ["R7", "2026-01-07 10:00:00", "2026-01-07 11:00:00", "chat", "transaction_delay", "frontline", "A2", "", "0"],
    ["R8", "2026-01-07 10:30:00", "2026-01-07 11:00:00", "chat", "transaction_delay", "frontline", "A2", "", "0"],
]


@pytest.fixture(scope="module")
def repeats(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("repeats")
    path = tmp / "tickets.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEAD, *ROWS])
    s = settings_with(tmp, {"privacy": {"hash_customer_ids": False}})
    load([path], s, as_of=AS_OF)
    return s


def test_repeats_chains_and_first_contact_resolution(repeats) -> None:  # type: ignore[no-untyped-def]
    got = {r[0]: r[1:] for r in query(repeats, """
        select ticket_id, is_repeat, is_repeat_other_channel, previous_ticket_id, days_after_previous_resolution,
               followed_by_repeat, chain_first_ticket_id, chain_position, first_contact_resolved
        from ticket_repeats""")}
    assert got == {
        "R1": (False, False, None, None, True, "R1", 1, False),
        "R2": (True, True, "R1", pytest.approx(5.0), False, "R1", 2, True),
        "R3": (False, False, None, None, False, "R3", 1, True),
        "R4": (False, False, None, None, False, "R4", 1, True),
        "R5": (False, False, None, None, True, "R5", 1, False),      # unresolved
        "R6": (True, False, "R5", 0.0, False, "R5", 2, False),     # reopened
        "R7": (False, False, None, None, None, None, None, True),
        "R8": (False, False, None, None, None, None, None, True),
    }


def test_rates_by_the_first_tickets_agent(repeats) -> None:  # type: ignore[no-untyped-def]
    # A1 handled R1 (followed by a repeat) and R3 (not): 50 %; A2: R2, R5, R6 with a customer,
    # R5 followed: 1 of 3; FCR over resolved tickets with a customer: A1 R3 of R1, R3 = 50 %,
    # A2 R2 of R2, R6 = 50 %
    assert query(repeats, """
        select agent_id, pct_followed_by_repeat(followed_by_repeat),
               pct_first_contact_resolved(first_contact_resolved, is_resolved, customer_id)
        from ticket_repeats group by agent_id order by agent_id""") == [
        ("A1", 50.0, 50.0), ("A2", pytest.approx(100 / 3), 50.0), ("A3", 0.0, 100.0)]


def test_window_is_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEAD, *ROWS[:3]])
    s = settings_with(tmp_path, {"repeats": {"window_days": 30}})
    load([path], s, as_of=AS_OF)
    # R3 came 20 days after R2's resolution: within 30 days, a repeat
    assert query(s, "select ticket_id, is_repeat from ticket_repeats order by 1") == [
        ("R1", False), ("R2", True), ("R3", True)]
    bad = tmp_path / "bad.toml"
    bad.write_text("[repeats]\nwindow_days = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="repeats.window_days"):
        load_settings(bad)


# --- the chain drill-down of the Resolution page (dashboard/sql/repeat_chain*.sql) -----------

def page_query(settings, name: str, params: dict | None = None):  # type: ignore[no-untyped-def]
    from dashboard.db import sql_text
    from etl.core import sqlfiles

    return query(settings, sqlfiles.fill(sql_text(name), {"where": "true", "repeats": "ticket_repeats"}),
                 params)  # type: ignore[arg-type]


def test_chain_of_a_customers_tickets(repeats) -> None:  # type: ignore[no-untyped-def]
    # the chains with a repeat: R5 → R6 and R1 → R2 (two tickets each; the newer first)
    assert [r[1:] for r in page_query(repeats, "repeat_chains")] == [
        ("R5", "transaction_delay", dt.datetime(2026, 1, 6, 1, tzinfo=dt.UTC), 2),
        ("R1", "withdrawal", dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC), 2)]
    # every ticket of customer A in order: R2 repeats R1 within the window by another channel;
    # R4 is another category the same day; R3 came 20 days after R2's resolution (beyond the
    # 7 days): a chain of its own, outside the chosen one
    chain = page_query(repeats, "repeat_chain", {"source": "desk", "ticket": "R1"})
    assert [(r[0], r[1], r[2], r[6], r[7], r[8], r[9]) for r in chain] == [
        ("R1", "withdrawal", "email", None, None, False, True),
        ("R2", "withdrawal", "phone", "R1", 5.0, True, True),
        ("R4", "account_security", "email", None, None, False, False),
        ("R3", "withdrawal", "email", None, None, False, False)]
    # customer B: R6 came while R5 was still open (0 days after; R5 has no resolution)
    chain = page_query(repeats, "repeat_chain", {"source": "desk", "ticket": "R5"})
    assert [(r[0], r[4], r[5], r[6], r[7], r[8]) for r in chain] == [
        ("R5", None, False, None, None, False),
        ("R6", dt.datetime(2026, 1, 8, 1, tzinfo=dt.UTC), True, "R5", 0.0, False)]


def test_chain_drilldown_on_the_page(repeats, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    at = resolution_page(repeats.warehouse_path, monkeypatch)
    pick = at.selectbox(key="repeat_chain_pick")
    assert pick.options == [  # (AppTest holds the labels the page formats)
        "R5 · Transaction delay · 2 tickets · 2026-01-06", "R1 · Withdrawal · 2 tickets · 2026-01-05"]
    pick.set_value(1).run()
    table = next(df.value for df in at.dataframe if "Repeat of" in df.value.columns)
    assert table["Ticket"].tolist() == ["R1", "R2", "R4", "R3"]
    assert table["Repeat of"].fillna("").tolist() == ["", "R1", "", ""]
    assert table["In chain"].tolist() == [True, True, False, False]


def resolution_page(db: Path, monkeypatch: pytest.MonkeyPatch, **query_params: str):  # type: ignore[no-untyped-def]
    from dashboard import db as dashboard_db

    dashboard_db._run.clear()
    at = open_page(db, monkeypatch, "resolution", **query_params)
    assert [e.message for e in at.exception] == []
    return at


def test_a_version_published_before_the_mart_carried_the_filter_columns(
        repeats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """ticket_repeats carries priority, created_date and resolution_at since 2026-12-03, so
    that the page counts on it alone; a kept version from before (after a rollback, say) has
    them joined in from ticket_metrics, and the page shows the same figures."""
    import shutil

    import duckdb

    from etl.warehouse.versions import resolve_live

    old = tmp_path / "old.duckdb"
    shutil.copyfile(resolve_live(repeats.warehouse_path), old)
    con = duckdb.connect(str(old))
    for gone in ("priority", "created_date", "resolution_at"):
        con.execute(f"alter table ticket_repeats drop column {gone}")
    con.close()
    for channel in ("", "email,phone"):
        params = {"channel": channel} if channel else {}
        pages = [resolution_page(db, monkeypatch, **params) for db in (repeats.warehouse_path, old)]
        shown = [([(m.label, m.value) for m in at.metric],
                  at.selectbox(key="repeat_chain_pick").options,
                  next(df.value for df in at.dataframe if "Repeat of" in df.value.columns).astype(str).to_dict("list"))
                 for at in pages]
        assert shown[0] == shown[1]
        # all: R1 and R5 of the six tickets with a customer were followed by a repeat; of the
        # five resolved, R2, R3, R4 stayed solved. E-mail and phone: customer A's four, R1
        # followed; R2, R3, R4 of the four resolved stayed solved
        assert shown[0][0][:2] == ([("Repeat-contact rate", "25.0 %"), ("First-contact resolution", "75.0 %")]
                                   if channel else
                                   [("Repeat-contact rate", "33.3 %"), ("First-contact resolution", "60.0 %")])
