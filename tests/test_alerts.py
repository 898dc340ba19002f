"""Alerts (etl/alerts, docs/ALERTS.md): rules that fire once when they start to hold and once
when they clear, with values worked out by hand on a hand-made desk; firings published with
the state they describe; delivery to a real local SMTP server (STARTTLS and login) and a local
webhook (HMAC), and to servers that are down or answer 500 without the refresh noticing; the
rules' errors in words; the Alerts page."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import shutil
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from streamlit.testing.v1 import AppTest

from etl.alerts import deliver as delivery
from etl.alerts.check import InBuild, check
from etl.alerts.evaluate import Firing
from etl.alerts.windows import previous, window
from etl.core.alert_settings import AlertRuleError
from etl.core.settings import Settings, settings_with
from etl.load.run import load
from etl.refresh import EXIT_OK, refresh
from etl.warehouse.versions import published_versions, resolve_live
from tests.helpers import ROOT, query

UTC = dt.UTC
SECRET = "webhook-test-secret"


# ------------------------------------------------------------------ local servers
@dataclass
class Hooks:
    """A local HTTP server: POST /ok answers 200, /fail 500; it keeps what it received."""

    port: int
    received: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.received if r["path"] == path]


@pytest.fixture(scope="module")
def hooks() -> Iterator[Hooks]:
    box: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.append({"path": self.path, "headers": dict(self.headers), "body": body})
            code = 200 if self.path == "/ok" else 500
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_a: Any) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Hooks(server.server_address[1], box)
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ the hand-made desk
# Every time in UTC (source and reporting zone), a first-response target of 60 minutes.
# Four exports, loaded at four as_of; the rules below, worked out by hand for each:
#   frt:    share of first responses within the SLA of withdrawal tickets below 80 % over 24 h
#   agent:  breached tickets per agent at least 2 over 24 h
#   volume: tickets over 24 h dropped by at least 2 against the 24 h before
HEADER = "ticket_id,created_at,channel,category,status,agent_id,first_response_at\n"
EXPORTS = [
    (dt.datetime(2026, 3, 2, 12, tzinfo=UTC), [
        "W0,2026-03-01 08:00,email,withdrawal,open,A2,2026-03-01 08:10",   # met, outside the window
        "W1,2026-03-02 10:00,email,withdrawal,open,A2,2026-03-02 10:30",   # met
        "W2,2026-03-02 09:00,email,withdrawal,open,A1,2026-03-02 11:00",   # breached (120 min)
        "W3,2026-03-02 08:00,email,withdrawal,open,A1,",                   # breached (unanswered, 240 min)
        "W4,2026-03-02 11:30,email,withdrawal,open,A2,",                   # pending (30 min)
        "O1,2026-03-02 09:00,chat,app_usage,open,A3,2026-03-02 11:59",     # breached, not a withdrawal
    ]),
    (dt.datetime(2026, 3, 2, 13, tzinfo=UTC), [
        "W5,2026-03-02 12:15,email,withdrawal,open,A2,2026-03-02 12:20",   # met; W4 now breached (90 min)
    ]),
    (dt.datetime(2026, 3, 3, 12, tzinfo=UTC), [
        f"W{n},2026-03-03 {n + 2:02d}:00,email,withdrawal,open,A2,2026-03-03 {n + 2:02d}:05" for n in range(6, 10)
    ]),
    (dt.datetime(2026, 3, 4, 12, tzinfo=UTC), [
        "W10,2026-03-04 09:00,email,withdrawal,open,A2,2026-03-04 11:00",  # breached
        "W11,2026-03-04 10:00,email,withdrawal,open,A2,",                  # breached (120 min)
    ]),
]
RULES = [
    {"name": "frt", "metric": "frt_within_sla_pct", "where": {"category": "withdrawal"}, "window": "last_24h",
     "below": 80, "description": "Withdrawal replies slipping"},
    {"name": "agent", "metric": "breached_tickets", "per": "agent_id", "window": "last 24 h", "at_least": 2},
    {"name": "volume", "metric": "tickets", "window": "last_24h", "drops_by": 2},
]


def desk_settings(tmp: Path, db: Path | None = None, **alerts: Any) -> Settings:
    return settings_with({"source": {"timezone": "UTC"}, "reporting": {"timezone": "UTC"},
                          "sla": {"first_response": {"target_minutes": 60}},
                          "refresh": {"inbox": str(tmp / "inbox"), "settle_seconds": 0},
                          "alerts": {"retries": 2, "backoff_seconds": 0.01, "timeout_seconds": 2, **alerts}},
                         db or tmp / "wh" / "warehouse.duckdb")


@dataclass
class Sequence:
    settings: Settings
    steps: list[list[Firing]]
    logged: list[dict[str, Any]]


@pytest.fixture(scope="module")
def sequence(tmp_path_factory: pytest.TempPathFactory, hooks: Hooks) -> Iterator[Sequence]:
    """The four exports loaded one after the other, each build evaluated (the refresh's hook)
    and its firings delivered to the local webhook after the publish."""
    tmp = tmp_path_factory.mktemp("alerts")
    settings = desk_settings(tmp, rules=RULES, dashboard_url="http://desk.example",
                             destinations={"ops": {"type": "webhook", "url": hooks.url("/ok"),
                                                   "secret_env": "DESK_TEST_WEBHOOK_SECRET"}})
    logged: list[dict[str, Any]] = []
    steps = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DESK_TEST_WEBHOOK_SECRET", SECRET)
        for n, (as_of, rows) in enumerate(EXPORTS, start=1):
            export = tmp / f"export{n}.csv"
            export.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
            hook = InBuild(settings, lambda event, **f: logged.append({"event": event, **f}))
            load([export], settings, as_of=as_of, before_publish=hook)
            hook.deliver_published()
            steps.append(hook.firings)
    yield Sequence(settings, steps, logged)


def states(firings: list[Firing]) -> list[tuple[str, str | None, str]]:
    return [(f.rule, f.subject, f.state) for f in firings]


def test_a_rule_fires_stays_quiet_clears_and_fires_again(sequence: Sequence) -> None:
    one, two, three, four = sequence.steps
    # 1: withdrawals of the last 24 h: W1 met, W2 W3 breached, W4 pending → 1 / 3 decided
    assert states(one) == [("frt", None, "started"), ("agent", "A1", "started")]
    frt = one[0]
    assert frt.value == pytest.approx(100 / 3) and frt.basis == 3
    assert frt.tickets == 2 and [t for _s, t in frt.ticket_refs] == ["W2", "W3"]   # the breached, newest first
    assert (frt.window_start, frt.window_end) == (dt.datetime(2026, 3, 1, 12, tzinfo=UTC),
                                                  dt.datetime(2026, 3, 2, 12, tzinfo=UTC))
    assert one[1].value == 2 and [t for _s, t in one[1].ticket_refs] == ["W2", "W3"]  # A1's W2, W3
    # 2: still holding (2 / 5: W4 breached now, W5 met; A1 still 2): nothing fires
    assert two == []
    # 3: W5..W9 all met → 100 %, A1 has no ticket in the window any more → both clear
    assert states(three) == [("frt", None, "cleared"), ("agent", "A1", "cleared")]
    assert three[0].value == 100 and three[0].basis == 5 and three[0].tickets == 0
    assert three[1].value == 0 and three[1].basis == 0
    # 4: W10, W11 breached → 0 / 2; A2 has both; 2 tickets against the 5 of the day before
    assert states(four) == [("frt", None, "started"), ("agent", "A2", "started"), ("volume", None, "started")]
    assert four[0].value == 0 and four[0].basis == 2 and [t for _s, t in four[0].ticket_refs] == ["W11", "W10"]
    volume = four[2]
    assert (volume.value, volume.previous_value) == (2, 5)
    assert (volume.previous_start, volume.previous_end) == (dt.datetime(2026, 3, 2, 12, tzinfo=UTC),
                                                            dt.datetime(2026, 3, 3, 12, tzinfo=UTC))


def test_firings_are_published_with_the_state_they_describe(sequence: Sequence) -> None:
    s = sequence.settings
    rows = query(s, "select firing_id, rule, subject, state, round(value, 2), basis, tickets, version, "
                    "cast(as_of as varchar) from alert_firings order by firing_id")
    assert [r[:7] for r in rows] == [
        (1, "frt", None, "started", 33.33, 3, 2), (2, "agent", "A1", "started", 2.0, 2, 2),
        (3, "frt", None, "cleared", 100.0, 5, 0), (4, "agent", "A1", "cleared", 0.0, 0, 0),
        (5, "frt", None, "started", 0.0, 2, 2), (6, "agent", "A2", "started", 2.0, 2, 2),
        (7, "volume", None, "started", 2.0, 2, 2)]
    # each firing is in the version that was published with it: 1, (2 had none), 3, 4
    assert [r[7] for r in rows] == [1, 1, 3, 3, 4, 4, 4]
    assert rows[0][8].startswith("2026-03-02 12:00:00")
    assert query(s, "select ticket_id from alert_firing_tickets where firing_id = 5 order by 1") == [("W10",), ("W11",)]
    assert query(s, "select value from warehouse_meta where key = 'version'") == [("4",)]
    # the columns are documented (docs/METRICS.md, applied as comments at publish)
    undocumented = query(s, "select table_name, column_name from duckdb_columns() where table_name like "
                            "'alert_%' and (comment is null or comment = '')")
    assert undocumented == []


def test_each_start_and_clear_is_delivered_once_with_a_signature(sequence: Sequence, hooks: Hooks) -> None:
    posts = [r for r in hooks.received if r["path"] == "/ok" and not json.loads(r["body"])["test"]]
    assert [(json.loads(p["body"])["rule"], json.loads(p["body"])["state"]) for p in posts] == [
        ("frt", "started"), ("agent", "started"), ("frt", "cleared"), ("agent", "cleared"),
        ("frt", "started"), ("agent", "started"), ("volume", "started")]
    for post in posts:
        expected = "sha256=" + hmac.new(SECRET.encode(), post["body"], hashlib.sha256).hexdigest()
        assert post["headers"]["X-Desk-Signature"] == expected
    first = json.loads(posts[0]["body"])
    assert first["value"] == pytest.approx(100 / 3) and first["ticket_ids"] == ["W2", "W3"]
    assert first["title"] == "[Complaint desk] STARTED: frt — share of first responses within the SLA 33.3 %"
    assert "below 80 % over the last 24 hours, where category = withdrawal" in first["text"]
    assert "tickets behind it (the breached tickets): 2: W2, W3" in first["text"]
    delivered = [e for e in sequence.logged if e["event"] == "alert_delivered"]
    assert len(delivered) == 7 and all(e["attempts"] == 1 for e in delivered)
    recorded = [d for d in delivery.recorded(sequence.settings.warehouse_path) if d["destination"] == "ops"]
    assert [(d["firing_id"], d["ok"], d["test"]) for d in recorded] == [(n, True, False) for n in range(1, 8)]


def test_check_evaluates_the_live_state_and_publishes_only_a_change(sequence: Sequence, tmp_path: Path) -> None:
    shutil.copytree(sequence.settings.warehouse_path.parent, tmp_path / "wh", symlinks=True)  # a desk of its own
    s = desk_settings(tmp_path, rules=RULES)
    versions = published_versions(s.warehouse_path)
    result = check(s)                      # the same state: every rule as it was, nothing to publish
    assert result.firings == [] and result.version is None
    assert published_versions(s.warehouse_path) == versions
    # a rule turned off clears (without a message) through a publish of its own
    changed = desk_settings(tmp_path, rules=RULES[:2])
    lines: list[str] = []
    done = check(changed, log=lambda event, **f: lines.append(event))
    assert states(done.firings) == [("volume", None, "cleared")] and done.deliveries == []
    assert done.version == 5 and "published" in lines
    assert query(s, "select note from alert_firings where firing_id = 8")[0][0].startswith("the rule is no longer")
    assert query(s, "select count(*) from ticket_metrics") == [(13,)]  # the data as they were


# ------------------------------------------------------------------ rules in words
@pytest.mark.parametrize("rule, words", [
    ({"metric": "frt_within_sla", "window": "last_24h", "below": 95}, "is not a metric; use one of"),
    ({"metric": "frt_within_sla_pct", "where": {"region": "north"}, "window": "today", "below": 95},
     "names the field 'region', which frt_within_sla_pct does not have; its fields: source, channel"),
    ({"metric": "tickets", "per": "reviewer_id", "window": "today", "at_least": 3}, "is not a field of tickets"),
    ({"metric": "tickets", "window": "fortnight", "at_least": 3}, "is not a window; use last_<N>h, last_<N>d"),
    ({"metric": "tickets", "window": "last_0h", "at_least": 3}, "is not a window"),
    ({"metric": "tickets", "window": "today"}, "must give exactly one condition"),
    ({"metric": "tickets", "window": "all", "drops_by": 3}, "has no previous window"),
    ({"metric": "frt_within_sla_pct", "where": {"category": "withdrawl"}, "window": "today", "below": 9},
     "'withdrawl' is not a category the warehouse knows"),
    ({"metric": "review_error_type_pct", "window": "last_30d", "above": 20}, "needs where.error_type"),
    ({"metric": "tickets", "window": "today", "at_least": 3, "notify": ["boss"]}, "notify names ['boss']"),
    ({"metric": "tickets", "window": "today", "at_least": 3, "treshold": 4}, "unknown keys ['treshold']"),
])
def test_a_rule_that_cannot_be_used_is_refused_in_words(tmp_path: Path, rule: dict[str, Any], words: str) -> None:
    with pytest.raises(AlertRuleError) as caught:
        desk_settings(tmp_path, rules=[{"name": "r", **rule}])
    assert words in str(caught.value) and caught.value.exit_code == 2


def test_shipped_rules_are_valid_and_disabled_and_synonyms_are_read(tmp_path: Path) -> None:
    shipped = desk_settings(tmp_path).alerts
    assert shipped.rules and not any(r.enabled for r in shipped.rules) and shipped.destinations == {}
    rule = desk_settings(tmp_path, rules=[{"name": "r", "metric": "frt_within_sla_pct", "window": "Last 7 days",
                                           "where": {"category": ["账户安全", "Withdrawal"]}, "below": 90}]).alerts.rules[0]
    assert rule.window == "last_7d" and rule.where == (("category", ("account_security", "withdrawal")),)
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text('[[rules]]\nname = "more"\nmetric = "tickets"\nwindow = "today"\nat_least = 1\n',
                          encoding="utf-8")
    both = desk_settings(tmp_path, rules_file=str(rules_file)).alerts.rules
    assert [r.name for r in both][-1] == "more"
    with pytest.raises(AlertRuleError, match="given twice"):
        desk_settings(tmp_path, rules=[{"name": "more", "metric": "tickets", "window": "today", "at_least": 1}],
                      rules_file=str(rules_file))


def test_windows_are_days_of_the_reporting_zone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    as_of = dt.datetime(2026, 3, 4, 2, 30, tzinfo=UTC)  # Wednesday 10:30 in Shanghai
    at = dt.datetime
    assert window("today", as_of, shanghai).start == at(2026, 3, 3, 16, tzinfo=UTC)
    assert previous("today", as_of, shanghai) == window("today", as_of, shanghai).__class__(
        "today", at(2026, 3, 2, 16, tzinfo=UTC), at(2026, 3, 3, 2, 30, tzinfo=UTC))
    assert window("this_week", as_of, shanghai).start == at(2026, 3, 1, 16, tzinfo=UTC)   # Monday 00:00
    assert (window("last_week", as_of, shanghai).start, window("last_week", as_of, shanghai).end) == (
        at(2026, 2, 22, 16, tzinfo=UTC), at(2026, 3, 1, 16, tzinfo=UTC))
    assert window("last_month", as_of, shanghai).start == at(2026, 1, 31, 16, tzinfo=UTC)  # 1 Feb, Shanghai
    assert previous("this_month", as_of, shanghai).start == at(2026, 1, 31, 16, tzinfo=UTC)
    assert previous("last_7d", as_of, shanghai).end == as_of - dt.timedelta(days=7)
    assert previous("all", as_of, shanghai) is None


# ------------------------------------------------------------------ delivery
@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """aiosmtpd on 127.0.0.1 with STARTTLS (a certificate from a CA made here) and a login."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    received: list[dict[str, Any]] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append({"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content,
                             "tls": session.ssl is not None, "login": session.auth_data})
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"desk", b"s3cret")
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    port = closed_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=server_context,
                            require_starttls=True, authenticator=authenticator, auth_required=True)
    controller.start()
    try:
        yield {"port": port, "ca_file": str(ca_file), "received": received}
    finally:
        controller.stop()


def mail_settings(tmp: Path, port: int, ca_file: str = "", **extra: Any) -> Settings:
    return desk_settings(tmp, rules=RULES[:1], smtp={"host": "127.0.0.1", "port": port, "from": "desk@example.com",
                                                     "username_env": "DESK_TEST_SMTP_USER",
                                                     "password_env": "DESK_TEST_SMTP_PASSWORD", "ca_file": ca_file},
                         destinations={"managers": {"type": "email", "to": ["boss@example.com"]}}, **extra)


MAIL_ENV = {"DESK_TEST_SMTP_USER": "desk", "DESK_TEST_SMTP_PASSWORD": "s3cret"}


def test_mail_goes_through_starttls_with_the_login_from_the_environment(
        sequence: Sequence, smtp_server: dict[str, Any], tmp_path: Path) -> None:
    s = mail_settings(tmp_path, smtp_server["port"], smtp_server["ca_file"])
    sent = delivery.deliver(s, sequence.steps[0][:1], env=MAIL_ENV)
    assert [(d.destination, d.ok, d.attempts) for d in sent] == [("managers", True, 1)]
    (mail,) = smtp_server["received"]
    assert mail["tls"] and mail["login"].login == b"desk" and mail["to"] == ["boss@example.com"]
    parsed = email.message_from_bytes(mail["data"], policy=email.policy.default)
    assert parsed["Subject"] == "[Complaint desk] STARTED: frt — share of first responses within the SLA 33.3 %"
    body = parsed.get_content()
    assert "W2, W3" in body and "s3cret" not in mail["data"].decode()
    # the wrong password: refused at once (a retry cannot mend it), in words
    wrong = delivery.deliver(s, sequence.steps[0][:1], env={**MAIL_ENV, "DESK_TEST_SMTP_PASSWORD": "nope"})
    assert not wrong[0].ok and wrong[0].attempts == 1 and "refused the login of desk" in wrong[0].error
    # a certificate nobody vouches for is refused, not sent over
    untrusted = delivery.deliver(mail_settings(tmp_path, smtp_server["port"]), sequence.steps[0][:1], env=MAIL_ENV)
    assert not untrusted[0].ok and "certificate is not trusted" in untrusted[0].error
    assert len(smtp_server["received"]) == 1


def test_servers_that_are_down_or_answer_500_are_retried_then_recorded(sequence: Sequence, hooks: Hooks,
                                                                        tmp_path: Path) -> None:
    down = closed_port()
    s = desk_settings(tmp_path, rules=RULES[:1], smtp={"host": "127.0.0.1", "port": down, "from": "d@example.com",
                                                       "username_env": ""},
                      destinations={"fails": {"type": "webhook", "url": hooks.url("/fail")},
                                    "gone": {"type": "webhook", "url": f"http://127.0.0.1:{down}/x"},
                                    "mail": {"type": "email", "to": ["boss@example.com"]}})
    before = len(hooks.bodies("/fail"))
    lines: list[dict[str, Any]] = []
    out = delivery.deliver(s, sequence.steps[0][:1], lambda event, **f: lines.append({"event": event, **f}))
    assert [(d.destination, d.ok, d.attempts) for d in out] == [("fails", False, 3), ("gone", False, 3),
                                                                ("mail", False, 3)]
    assert len(hooks.bodies("/fail")) - before == 3
    assert "answered 500" in out[0].error and "connection refused" in out[1].error
    assert f"cannot reach the mail server 127.0.0.1:{down}: connection refused" in out[2].error
    assert [e["event"] for e in lines] == ["alert_delivery_failed"] * 3
    assert [d["ok"] for d in delivery.recorded(s.warehouse_path)] == [False] * 3


def test_refresh_exit_code_and_publish_do_not_depend_on_delivery(hooks: Hooks, tmp_path: Path) -> None:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    s = desk_settings(tmp_path, rules=[{"name": "arrivals", "metric": "tickets", "window": "last_24h", "at_least": 1}],
                      destinations={"fails": {"type": "webhook", "url": hooks.url("/fail")},
                                    "gone": {"type": "webhook", "url": f"http://127.0.0.1:{closed_port()}/"}})
    s.inbox.mkdir(parents=True)
    stamp = (now - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    (s.inbox / "t.csv").write_text(HEADER + f"N1,{stamp},email,withdrawal,open,A1,\n", encoding="utf-8")
    lines: list[dict[str, Any]] = []
    result = refresh(s, log=lambda event, **f: lines.append({"event": event, **f}))
    assert result.exit_code == EXIT_OK and result.loaded == ["t.csv"]
    events = [e["event"] for e in lines]
    assert events.index("published") < events.index("alert_started") < events.index("alert_delivery_failed")
    assert events[-1] == "refresh_finished" and lines[-1]["exit_code"] == EXIT_OK
    assert events.count("alert_delivery_failed") == 2
    # the state is published, firing included; nothing of the build is left behind
    assert query(s, "select rule, state, value from alert_firings") == [("arrivals", "started", 1.0)]
    assert query(s, "select value from warehouse_meta where key = 'version'") == [("1",)]
    assert [p.name for p in s.warehouse_path.parent.iterdir() if ".build-" in p.name] == []
    assert [(d["destination"], d["ok"], d["attempts"]) for d in delivery.recorded(s.warehouse_path)] == [
        ("fails", False, 3), ("gone", False, 3)]


def test_an_evaluation_error_never_costs_the_publish(sequence: Sequence, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook catches what the evaluation raises: the build goes on to its publish (the
    sequence above shows the publish after the hook), only without firings."""
    from etl.alerts import check as check_module

    def broken(*_a: Any, **_k: Any) -> list[Firing]:
        raise RuntimeError("a metric's SQL failed")

    monkeypatch.setattr(check_module, "evaluate", broken)
    build = tmp_path / "build.duckdb"  # a private copy, as a build is
    shutil.copyfile(resolve_live(sequence.settings.warehouse_path), build)
    lines: list[dict[str, Any]] = []
    hook = InBuild(sequence.settings, lambda event, **f: lines.append({"event": event, **f}))
    con = duckdb.connect(str(build))
    try:
        hook(con, 99)
        assert hook.firings == [] and hook.deliver_published() == []
        assert con.execute("select count(*) from ticket_metrics").fetchall() == [(13,)]  # the build goes on
    finally:
        con.close()
    assert lines[0]["event"] == "alerts_failed" and "a metric's SQL failed" in lines[0]["error"]


def test_alerts_test_and_list_on_the_command_line(sequence: Sequence, hooks: Hooks, smtp_server: dict[str, Any],
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from etl.__main__ import main

    down = closed_port()
    config = tmp_path / "desk.toml"
    config.write_text(f"""
[alerts.smtp]
host = "127.0.0.1"
port = {smtp_server["port"]}
from = "desk@example.com"
username_env = "DESK_TEST_SMTP_USER"
password_env = "DESK_TEST_SMTP_PASSWORD"
ca_file = "{smtp_server["ca_file"]}"

[alerts.destinations.managers]
type = "email"
to = ["boss@example.com"]

[alerts.destinations.bot]
type = "webhook"
url = "{hooks.url('/ok')}"

[alerts.destinations.gone]
type = "webhook"
url = "http://127.0.0.1:{down}/hook"

[alerts]
retries = 0

[[alerts.rules]]
name = "frt"
metric = "frt_within_sla_pct"
where = {{ category = "withdrawal" }}
window = "last_24h"
below = 80
notify = ["managers", "bot"]

[[alerts.rules]]
name = "broken-hook"
metric = "tickets"
window = "today"
at_least = 1
notify = ["gone"]
""", encoding="utf-8")
    for key, value in MAIL_ENV.items():
        monkeypatch.setenv(key, value)
    db = str(sequence.settings.warehouse_path)
    assert main(["alerts", "test", "frt", "--config", str(config), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "sent to managers (email)" in out and "sent to bot (webhook)" in out
    sample = hooks.bodies("/ok")[-1]
    assert sample["test"] is True and sample["title"].startswith("[Complaint desk] TEST: frt")
    assert sample["value"] == 0 and sample["ticket_ids"] == ["W11", "W10"]  # the live state's values
    assert "TEST: frt" in email.message_from_bytes(smtp_server["received"][-1]["data"],
                                                   policy=email.policy.default)["Subject"]
    assert main(["alerts", "test", "broken-hook", "--config", str(config), "--db", db]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert f"gone: cannot reach the webhook http://127.0.0.1:{down}: connection refused" in out
    assert main(["alerts", "test", "nope", "--config", str(config), "--db", db]) == 2
    assert "no alert rule named 'nope'" in capsys.readouterr().out
    assert main(["alerts", "list", "--config", str(config), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "broken-hook" in out and "DESK_TEST_SMTP_PASSWORD set" in out
    config.write_text('[[alerts.rules]]\nname = "x"\nmetric = "tickets"\nwindow = "someday"\nat_least = 1\n',
                      encoding="utf-8")
    assert main(["alerts", "list", "--config", str(config), "--db", db]) == 2
    assert "is not a window" in capsys.readouterr().out


# ------------------------------------------------------------------ the weekly digest
def test_weekly_digest_figures_moves_breaches_and_delivery(sequence: Sequence, hooks: Hooks,
                                                           smtp_server: dict[str, Any], tmp_path: Path) -> None:
    from etl.alerts import digest

    s = desk_settings(tmp_path, db=sequence.settings.warehouse_path, dashboard_url="http://desk.example",
                      digest={"min_decided": 1}, smtp={"host": "127.0.0.1", "port": smtp_server["port"],
                                                       "from": "desk@example.com", "ca_file": smtp_server["ca_file"],
                                                       "username_env": "DESK_TEST_SMTP_USER",
                                                       "password_env": "DESK_TEST_SMTP_PASSWORD"},
                      destinations={"bot": {"type": "webhook", "url": hooks.url("/ok")},
                                    "managers": {"type": "email", "to": ["boss@example.com"]}})
    d = digest.make(s, dt.date(2026, 3, 4))     # the week Monday 2 – Sunday 8 March, against 23 Feb – 1 Mar
    week, before = d.figures["week"], d.figures["previous"]
    # the 12 tickets of the week at the last as_of: W1 W5 W6–W9 met; W2 W3 W4 W10 W11 O1 breached
    assert (week["tickets"], week["breached"], week["pct_sla"]) == (12, 6, 50.0)
    assert (before["tickets"], before["pct_sla"]) == (1, 100.0)  # W0
    (move,) = d.moves["category"]                                 # app_usage: no tickets the week before
    assert move["value"] == "withdrawal" and move["pct_sla"] == pytest.approx(600 / 11)
    assert move["change"] == pytest.approx(600 / 11 - 100) and d.moves["team"] == []
    # the longest waits first: W3 and W4 still unanswered (52 h, 48.5 h), then O1 (179 min), then 120 min
    assert [b["ticket_id"] for b in d.breaches] == ["W3", "W4", "O1", "W2", "W10", "W11"]
    assert d.external == [] and [a["firing_id"] for a in d.alerts] == [1, 2, 5, 6, 7]
    assert d.link == "http://desk.example/?period=custom&from=2026-03-02&to=2026-03-08&lang=en"
    text = digest.text(d)
    assert "First response within SLA: 50.0 % / 100.0 % / -50.0 pp" in text
    assert "withdrawal: 100.0 % → 54.5 % (-45.5 pp; 11 decided)" in text
    sent = digest.send_digest(s, d, env=MAIL_ENV)
    assert [(x.destination, x.ok) for x in sent] == [("bot", True), ("managers", True)]
    posted = hooks.bodies("/ok")[-1]
    assert posted["title"] == "[Complaint desk] Weekly digest 2026-03-02 – 2026-03-08"
    assert posted["digest"]["breached"] == 6
    mail = email.message_from_bytes(smtp_server["received"][-1]["data"], policy=email.policy.default)
    page = mail.get_body(preferencelist=("html",)).get_content()
    plain_part = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "<table" in page and "W3" in page and plain_part == text
    # what the data say is escaped in the HTML
    d.moves["team"] = [{"value": "<b onclick=x>t</b>", "previous_pct_sla": 90.0, "pct_sla": 80.0, "change": -10.0,
                        "decided": 30}]
    assert "&lt;b onclick=x&gt;t&lt;/b&gt;" in digest.html_page(d) and "<b onclick" not in digest.html_page(d)
    in_chinese = desk_settings(tmp_path, db=sequence.settings.warehouse_path, language="zh")
    zh = digest.text(digest.make(in_chinese, dt.date(2026, 3, 4)))
    assert zh.startswith("2026-03-02 – 2026-03-08(UTC)创建的工单") and "首次响应达标率: 50.0 %" in zh


def test_the_digest_is_scheduled_with_a_command_that_exists() -> None:
    import configparser
    import subprocess
    import sys

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "deploy" / "systemd" / "complaint-desk-digest.service")
    command = unit["Service"]["ExecStart"].split()[1:]
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(ROOT / "deploy" / "systemd" / "complaint-desk-digest.timer")
    assert timer["Timer"]["OnCalendar"].startswith("Mon ") and timer["Install"]["WantedBy"] == "timers.target"
    cron = [line for line in (ROOT / "deploy" / "cron" / "complaint-desk-digest.cron").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert len(cron) == 1 and cron[0].split()[:5] == ["30", "8", "*", "*", "1"] and "etl alerts digest" in cron[0]
    proc = subprocess.run([sys.executable, *command, "--help"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and "usage: python -m etl alerts digest" in proc.stdout


# ------------------------------------------------------------------ the page
def test_alerts_page(sequence: Sequence, monkeypatch: pytest.MonkeyPatch) -> None:
    s = sequence.settings
    config = s.warehouse_path.parent / "page.toml"
    config.write_text('[[alerts.rules]]\nname = "frt"\nmetric = "frt_within_sla_pct"\nwindow = "last_24h"\n'
                      'below = 80\nwhere = { category = "withdrawal" }\n', encoding="utf-8")
    delivery.record(s.warehouse_path, delivery.Delivery(
        at="2026-03-04T12:00:01+00:00", destination="bot", kind="webhook", ok=False, attempts=3,
        error="the webhook answered 500 **bold** [link](http://x) (after 3 attempts)", firing_id=6,
        rule="agent", subject="A2", state="started", version=4))
    monkeypatch.setenv("DESK_DB", str(s.warehouse_path))
    monkeypatch.setenv("DESK_CONFIG", str(config))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.query_params["period"] = "all"
    at.run()
    assert [e.message for e in at.exception] == []
    assert any(w.value.startswith("3 alert(s) firing") for w in at.sidebar.warning)  # frt, agent A2, volume
    at.switch_page("views/alerts.py").run()
    assert [e.message for e in at.exception] == []
    assert at.title[0].value == "Alerts"
    now, history, tickets, rules = (df.value for df in at.dataframe)
    assert sorted(zip(now["Rule"], now["Value"], now["Tickets behind"], strict=True)) == [
        ("agent", 2.0, 2), ("frt", 0.0, 2), ("volume", 2.0, 2)]
    assert list(history["Firing"]) == [7, 6, 5, 4, 3, 2, 1]
    assert list(history["State"])[:3] == ["Started", "Started", "Started"]
    assert history.loc[history["Firing"] == 6, "Delivery"].iloc[0] == "sent: ops; failed: bot"
    assert list(tickets["Ticket"]) == ["W11", "W10"]      # the newest firing's (volume: the 2 tickets)
    assert list(rules["Rule"]) == ["frt"]
    # a server's reply is data: escaped, never rendered as markdown
    assert any("\\*\\*bold\\*\\*" in w.value and "\\[link\\]" in w.value for w in at.warning)
    at.selectbox(key="alert_pick").set_value(1).run()
    assert list(at.dataframe[2].value["Ticket"]) == ["W2", "W3"]
    at.radio(key="lang").set_value("zh").run()
    assert at.title[0].value == "告警" and "状态" in at.dataframe[1].value.columns
