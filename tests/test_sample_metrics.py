"""The hand-made sample export (data/sample) and its exact expected metrics.

Schedule: Mon–Fri 09:00–18:00 Asia/Shanghai with mainland China's holidays; 2026-01-01 and
2026-01-02 are holidays, Sunday 2026-01-04 is an official make-up working day. as_of is
2026-01-13 00:00 +08:00. Every expected number below was worked out by hand.
"""

from __future__ import annotations

import pytest

from tests.helpers import load_sample, metrics_by_ticket, query

EXPECTED = {
    # answered after a weekend: Fri 17:00 → Mon 10:00; business: Fri 1 h + Mon 1 h
    "T1": dict(first_response_minutes=3900, first_response_business_minutes=120, frt_sla="breached",
               resolution_minutes=4200, resolution_business_minutes=420, channel="email",
               category="password_recovery", status="solved"),
    # a holiday and a make-up Sunday: Wed 31 Dec 17:30 → Sun 4 Jan 09:30 (worked, 调休)
    "T2": dict(first_response_minutes=5280, first_response_business_minutes=60, frt_sla="breached",
               resolution_minutes=6870, resolution_business_minutes=750, channel="phone",
               status="closed"),
    # never answered, older than 24 h at as_of
    "T3": dict(first_response_minutes=None, frt_sla="breached", unanswered_wait_minutes=9480,
               is_resolved=False, resolution_minutes=None),
    # never answered, 12 h old at as_of
    "T4": dict(first_response_minutes=None, frt_sla="pending", unanswered_wait_minutes=720),
    # reopened twice; the newer of its two records in the file wins
    "T5": dict(first_response_minutes=20, resolution_minutes=2880, resolution_business_minutes=1080,
               reopen_count=2, is_reopened=True, status="solved", csat=2),
    # events: the bot's reply does not stop the clock; escalated twice → level 2
    "T6": dict(first_response_minutes=45, first_bot_response_minutes=0.5, resolution_minutes=4680,
               resolution_business_minutes=1980, escalation_level=2, is_escalated=True,
               frt_sla="met", has_events=True, channel="other"),
    # created with +00:00, answered in local time without an offset
    "T8": dict(first_response_minutes=90, first_response_business_minutes=90, is_resolved=False),
    # updated by a later export: answered and solved there
    "T9": dict(first_response_minutes=360, resolution_minutes=1410, resolution_business_minutes=540,
               status="solved", csat=3),
    # Friday evening: 5 calendar minutes, no business minutes; external escalation; Chinese values
    "T10": dict(first_response_minutes=5, first_response_business_minutes=0, escalation_level=3,
                category="account_security", priority="urgent", channel="other", status="pending"),
    # solved by the AI assistant without a human reply; its 24×7 schedule
    "T11": dict(first_response_minutes=None, frt_sla="met", resolution_minutes=10,
                resolution_business_minutes=10, schedule_id="around_the_clock", channel="ai_bot"),
    # spreadsheet time stamps 2026/1/8 14:00
    "T16": dict(first_response_minutes=3, resolution_minutes=30, channel="chat", category="app_usage"),
    # field-level quarantine (docs/DECISIONS.md): the ticket loads, the field that breaks a
    # rule is emptied. T7's first response 09:00 is before its creation 10:00 (Wed 7 Jan): no
    # first response, so never answered: 7 Jan 10:00 → 13 Jan 00:00 = 5 d 14 h = 8040 min
    "T7": dict(first_response_minutes=None, frt_sla="breached", unanswered_wait_minutes=8040,
               is_resolved=False, channel="web"),
    # csat 7 is out of range: emptied; Thu 8 Jan 11:00 → 11:05 → solved 11:30
    "T12": dict(csat=None, first_response_minutes=5, first_response_business_minutes=5, frt_sla="met",
                resolution_minutes=30, resolution_business_minutes=30, status="solved"),
    # solved 10:00, before its first response 11:00: the resolution time is emptied; the
    # first response stands (09:00 → 11:00); solved by its status, so no age
    "T15": dict(first_response_minutes=120, frt_sla="met", resolution_minutes=None, is_resolved=True,
                age_minutes=None),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):  # type: ignore[no-untyped-def]
    from etl.core.settings import load_settings

    settings = load_settings(db=tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    result = load_sample(settings)
    return settings, result


@pytest.mark.parametrize("ticket", sorted(EXPECTED))
def test_ticket_metrics_exact(loaded, ticket):  # type: ignore[no-untyped-def]
    settings, _ = loaded
    row = metrics_by_ticket(settings)[ticket]
    for column, expected in EXPECTED[ticket].items():
        if isinstance(expected, float | int) and not isinstance(expected, bool) and expected is not None:
            assert row[column] == pytest.approx(expected), (ticket, column)
        else:
            assert row[column] == expected, (ticket, column)


def test_loaded_and_rejected_tickets(loaded):  # type: ignore[no-untyped-def]
    settings, _ = loaded
    assert sorted(metrics_by_ticket(settings)) == sorted(
        ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12", "T15", "T16"])
    # only a missing or unreadable id or creation time rejects a ticket
    rejects = {(r[0], r[1], r[2]): r[3] for r in query(
        settings, "select source_file, coalesce(record_no, line_no), reason_code, reason from rejects")}
    assert rejects.keys() == {
        ("tickets.csv", 13, "missing_created_at"),        # T13
        ("tickets.csv", 14, "bad_time"),                  # T14: 'yesterday'
        ("tickets.csv", 18, "malformed_line"),            # T17: a column too many (line 18)
        ("events.csv", 10, "bad_time"),
        ("agents.csv", 3, "bad_date"),
    }
    assert rejects[("tickets.csv", 14, "bad_time")] == "created_at is not a time stamp: 'yesterday'"


def test_fields_that_break_a_rule_are_emptied_and_recorded(loaded):  # type: ignore[no-untyped-def]
    """Each emptied field has exactly one data_issues row: the ticket, the field, the raw
    value, the rule, the file and record; the run counts them per rule."""
    settings, result = loaded
    issues = query(settings, "select ticket_id, field, raw_value, rule, source_file, source_record "
                             "from data_issues order by ticket_id, field")
    assert issues == [
        ("T12", "csat", "7", "bad_csat", "tickets.csv", 12),
        ("T15", "resolved_at", "2026-01-08 10:00:00", "resolution_before_first_response", "tickets.csv", 15),
        ("T2", "score", "150", "bad_score", "qa_reviews.csv", 4),  # review R4: loads without its score
        ("T7", "first_response_at", "2026-01-07 09:00:00", "response_before_creation", "tickets.csv", 8),
    ]
    assert query(settings, "select kind, review_id from data_issues where field = 'score'") == [("qa_reviews", "R4")]
    assert query(settings, "select score, error_types, comment from qa_reviews where review_id = 'R4'") == [
        (None, [], "score out of range")]
    stored = query(settings, "select ticket_id, first_response_at is null, resolved_at is null, csat is null "
                             "from tickets where ticket_id in ('T7', 'T12', 'T15') order by 1")
    assert stored == [("T12", False, False, True), ("T15", False, True, True), ("T7", True, True, True)]
    by_name = {f.file_name: f for f in result.files}
    assert by_name["tickets.csv"].data_issues == {"bad_csat": 1, "resolution_before_first_response": 1,
                                                  "response_before_creation": 1}
    assert by_name["tickets_update.csv"].data_issues == {}
    assert by_name["qa_reviews.csv"].data_issues == {"bad_score": 1}
    assert (by_name["qa_reviews.csv"].rows_loaded, by_name["qa_reviews.csv"].rows_rejected) == (4, 0)


def test_every_file_reconciles(loaded):  # type: ignore[no-untyped-def]
    settings, result = loaded
    for f in result.files:
        assert f.reconciles, f
    by_name = {f.file_name: f for f in result.files}
    t = by_name["tickets.csv"]
    assert (t.rows_read, t.rows_loaded, t.rows_rejected, t.rows_skipped) == (17, 13, 3, 1)
    u = by_name["tickets_update.csv"]
    # T9 replaces the stored version, T10 is new, T1's older version is skipped
    assert (u.rows_inserted, u.rows_updated, u.rows_skipped) == (1, 1, 1)
    e = by_name["events.csv"]
    assert (e.rows_read, e.rows_loaded, e.rows_rejected, e.rows_skipped) == (10, 8, 1, 1)
    stored = query(settings, "select sum(rows_read), sum(rows_loaded + rows_rejected + rows_skipped) "
                             "from load_files")[0]
    assert stored[0] == stored[1] == 37


def test_unknown_values_warned_and_raw_kept(loaded):  # type: ignore[no-untyped-def]
    settings, result = loaded
    assert any("'wechat pay'" in w and "channel" in w for w in result.warnings)
    row = query(settings, "select channel, channel_raw from tickets where ticket_id = 'T10'")[0]
    assert row == ("other", "wechat pay")


def test_escalation_steps_and_funnel(loaded):  # type: ignore[no-untyped-def]
    settings, _ = loaded
    steps = query(settings, "select ticket_id, level, minutes_from_creation, minutes_from_previous_step "
                            "from escalation_steps order by ticket_id, level")
    assert steps == [
        ("T10", 1, 60.0, 60.0), ("T10", 2, None, None), ("T10", 3, None, None),
        ("T6", 1, 240.0, 240.0), ("T6", 2, 1500.0, 1260.0),
    ]
    funnel = query(settings, "select step, tickets from escalation_funnel order by level")
    # every ticket is at the front line (14: T7, T12 and T15 load with a field emptied)
    assert funnel == [("front_line", 14), ("second_line", 2), ("formal_appeal", 2), ("external_body", 1)]


def test_qa_findings(loaded):  # type: ignore[no-untyped-def]
    settings, _ = loaded
    findings = query(settings, "select review_id, error_type, agent_id, team, category "
                               "from qa_findings order by review_id, error_type")
    assert findings == [
        ("R1", "communication", "A1", "frontline", "account_security"),
        ("R1", "timeliness", "A1", "frontline", "account_security"),
        ("R3", "product_knowledge", "A1", "frontline", "password_recovery"),  # 产品知识
    ]
    rates = dict(((r[0], r[1]), (r[2], r[3])) for r in query(
        settings, "select agent_id, error_type, reviews, error_rate from agent_error_rates"))
    assert rates[("A1", "communication")] == (2, 0.5)
    assert rates[("A2", "communication")] == (2, 0.0)  # R2 and R4 (whose score of 150 was emptied)


def test_rate_macros(loaded):  # type: ignore[no-untyped-def]
    settings, _ = loaded
    row = query(settings, "select pct_frt_within_sla(frt_sla), pct_escalated(is_escalated), "
                          "pct_reopened(reopen_count, is_resolved), pct_csat_satisfied(csat) "
                          "from ticket_metrics")[0]
    # SLA decided for 13 of 14 (T4 pending): met T5 T6 T8 T9 T10 T11 T12 T15 T16 = 9;
    # breached T1 T2 T3 T7 (T7: its first response was emptied, never answered)
    assert row[0] == pytest.approx(100 * 9 / 13)
    assert row[1] == pytest.approx(100 * 2 / 14)
    # resolved: T1 T2 T5 T6 T9 T11 T12 T15 T16 = 9; reopened: T5
    assert row[2] == pytest.approx(100 / 9)
    # csat: T1 4, T5 2, T6 1, T9 3, T11 5, T16 5 → 3 of 6 satisfied (T12's 7 was emptied)
    assert row[3] == pytest.approx(50.0)


def test_times_stored_in_utc_with_source_zone(loaded):  # type: ignore[no-untyped-def]
    settings, _ = loaded
    row = query(settings, "select strftime(created_at, '%Y-%m-%d %H:%M'), source_tz from tickets "
                          "where ticket_id = 'T1'")[0]
    assert row == ("2026-01-09 09:00", "Asia/Shanghai")


def test_error_types_macro_lists_the_vocabulary() -> None:
    """qa_error_types() (the SQL's one list) holds the canonical error types of vocab.toml, in
    its order: a type added to the vocabulary and not to the macro would vanish from every
    per-type figure."""
    import tomllib

    import duckdb

    from etl.core import sqlfiles
    from etl.core.vocab import VOCAB_FILE

    con = duckdb.connect()
    sqlfiles.run(con, "marts/metric_macros")
    listed = con.execute("select qa_error_types()").fetchall()[0][0]
    with VOCAB_FILE.open("rb") as fh:
        assert listed == list(tomllib.load(fh)["error_type"])

