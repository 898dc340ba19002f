"""The dashboard through Streamlit's AppTest: every page renders on the demo warehouse, the
numbers on a hand-made warehouse are right and follow the filters, the URL holds the
filters, the language switch translates, and a missing warehouse explains what to do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.i18n import label
from etl.core.settings import load_settings
from etl.load.run import load
from etl.query import sqlguard
from etl.warehouse.versions import resolve_live
from tests.helpers import ROOT, DemoWarehouse, load_sample, open_drilldowns, record_queries, settings_with

APP = str(ROOT / "dashboard" / "app.py")
PAGES = {
    "views/overview.py": 3,
    "views/first_response.py": 5,
    "views/resolution.py": 5,
    "views/escalations.py": 3,
    "views/agent_quality.py": 3,
    "views/process.py": 2,
    "views/assistant.py": 5,
    "views/alerts.py": 0,
    "views/data_health.py": 0,
}


def app(db: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("DESK_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def errors(at: AppTest) -> list[str]:
    return [e.message for e in at.exception]


@pytest.fixture(scope="module")
def demo_db(demo_warehouse: DemoWarehouse) -> Path:
    """The session's shared demo warehouse (tests/conftest.py), read only."""
    return demo_warehouse.path


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = load_settings(db=tmp_path_factory.mktemp("sample") / "warehouse.duckdb")
    load_sample(settings)
    return settings.warehouse_path


@pytest.mark.parametrize("page, charts", sorted(PAGES.items()))
def test_every_page_renders_on_demo(demo_db: Path, monkeypatch: pytest.MonkeyPatch, page: str, charts: int) -> None:
    at = app(demo_db, monkeypatch, period="all").run()
    assert errors(at) == []
    if page != "views/overview.py":
        at.switch_page(page).run()
    assert errors(at) == [], page
    assert len(at.get("plotly_chart")) >= charts, page
    assert at.title[0].value  # every page has its title


def test_overview_numbers_on_known_data(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(sample_db, monkeypatch, period="all").run()
    m = metrics(at)
    # 14: T7, T12 and T15 load with the field that broke a rule emptied (docs/DECISIONS.md)
    assert m["Tickets"] == "14"
    assert m["First response within SLA"] == "69.2 %"   # 9 met of 13 decided (T7 breached: never answered)
    assert m["Escalation rate"] == "14.3 %"            # T6, T10 of 14
    assert m["Reopen rate"] == "11.1 %"                # T5 of 9 resolved (T12, T15 solved)
    assert m["CSAT (share 4–5)"] == "50.0 %"           # T12's csat 7 was emptied
    assert m["Median first response"] == "68 min"      # 3 5 5 20 45 90 120 360 3900 5280 → (45+90)/2


def test_filter_change_changes_numbers(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(sample_db, monkeypatch, period="all").run()
    at.multiselect(key="f_channel").set_value(["email"]).run()
    m = metrics(at)
    assert m["Tickets"] == "4"                         # T1 T5 T8 T9
    assert m["First response within SLA"] == "75.0 %"  # T1 breached
    assert at.query_params["channel"] == "email"
    at.multiselect(key="f_category").set_value(["withdrawal"]).run()
    assert metrics(at)["Tickets"] == "1"               # T8


def test_url_reproduces_the_view(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(sample_db, monkeypatch, period="custom", **{"from": "2026-01-05", "to": "2026-01-07"},
             channel="email,chat").run()
    assert errors(at) == []
    # created 5–7 Jan on e-mail or chat: T3 (chat), T5 (email), T8 (email)
    assert metrics(at)["Tickets"] == "3"
    assert at.multiselect(key="f_channel").value == ["email", "chat"]


def test_previous_period_delta(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(sample_db, monkeypatch, period="custom", **{"from": "2026-01-08", "to": "2026-01-12"}).run()
    tiles = {m.label: m for m in at.metric}
    # 8–12 Jan: T1 T4 T9 T10 T12 T15 T16; the 5 days before (3–7 Jan): T3 T5 T6 T7 T8 T11
    assert tiles["Tickets"].value == "7"
    assert tiles["Tickets"].delta == "+1"


def test_language_switch(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(sample_db, monkeypatch).run()
    assert at.title[0].value == "Overview"
    at.radio(key="lang").set_value("zh").run()
    assert at.title[0].value == "总览"
    assert "工单数" in metrics(at)
    assert at.query_params["lang"] == "zh"
    at.switch_page("views/resolution.py").run()
    assert at.title[0].value == "解决时长"


def test_missing_warehouse_shows_how_to_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(tmp_path / "nothing.duckdb", monkeypatch).run()
    assert errors(at) == []
    text = " ".join(i.value for i in at.info)
    assert "python -m etl demo" in text and "python -m etl load" in text


def test_empty_filter_result_is_explained(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(sample_db, monkeypatch, period="custom", **{"from": "2026-01-10", "to": "2026-01-11"}).run()
    assert errors(at) == []
    assert metrics(at)["Tickets"] == "0"
    assert any("No tickets match" in i.value for i in at.info)
    for page in PAGES:
        at.switch_page(page).run()
        assert errors(at) == [], page


def test_drilldown_tables_under_charts(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(sample_db, monkeypatch, period="all").run()
    labels = [e.label for e in at.expander]
    assert any(label.startswith("Tickets behind this chart") for label in labels)
    open_drilldowns(at.switch_page("views/escalations.py").run())
    # the tickets that reached an external body: T10
    tables = [df.value for df in at.dataframe]
    assert any(list(t.get("Ticket", [])) == ["T10"] for t in tables)


def test_training_list_is_computed_once_per_version_filters_and_threshold(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The training list's Fisher tests (seconds at 10 M tickets) run again only when what
    they are computed from changes: the published version, the filters or the minimum reviews."""
    from dashboard import db

    runs: list[int] = []
    real = db.training_list

    def counting(rates, min_reviews, alpha):  # type: ignore[no-untyped-def]
        runs.append(min_reviews)
        return real(rates, min_reviews, alpha)

    monkeypatch.setattr(db, "training_list", counting)
    db.flagged_agents.clear()
    at = app(demo_db, monkeypatch, period="all").run()
    at.switch_page("views/agent_quality.py").run()
    shown = [df.value for df in at.dataframe if "p (Holm)" in df.value.columns][0]
    at.run()
    assert errors(at) == [] and runs == [10]
    assert [df.value for df in at.dataframe if "p (Holm)" in df.value.columns][0].equals(shown)
    at.slider(key="qa_min_reviews").set_value(20).run()
    at.multiselect(key="f_channel").set_value(["chat"]).run()
    assert errors(at) == [] and runs == [10, 20, 20]


def test_training_list_finds_planted_agent(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(demo_db, monkeypatch, period="all").run()
    at.switch_page("views/agent_quality.py").run()
    tables = [df.value for df in at.dataframe]
    training = [t for t in tables if "p (Holm)" in t.columns]
    assert training, "training list table missing"
    flagged = set(zip(training[0]["Agent"], training[0]["Error type"], strict=True))
    assert ("A0003", "Incomplete record") in flagged
    # every row's example tickets: the agent's five newest reviews that found that error type
    con = sqlguard.connect(resolve_live(demo_db))
    try:
        for agent, shown, examples in zip(training[0]["Agent"], training[0]["Error type"],
                                          training[0]["Example tickets"], strict=True):
            if shown == "Incomplete record fields":
                continue  # flagged from the records, not reviews: tests/test_completeness.py
            error_type = next(e for (e,) in con.execute("select unnest(qa_error_types())").fetchall()
                              if label("error_type", e, "en") == shown)
            newest = con.execute("select ticket_id from qa_reviews_scored where agent_id = ? and "
                                 "list_contains(error_types, ?) order by reviewed_at desc, review_id "
                                 "limit 5", [agent, error_type]).fetchall()
            assert newest and examples == ", ".join(str(t) for (t,) in newest)  # (never two empty lists)
    finally:
        con.close()


def test_new_version_picked_up_without_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(db=tmp_path / "wh" / "warehouse.duckdb")
    load_sample(settings)
    at = app(settings.warehouse_path, monkeypatch, period="all").run()
    assert metrics(at)["Tickets"] == "14"
    extra = tmp_path / "more.csv"
    extra.write_text("ticket_id,created_at,channel\nN1,2026-01-12 10:00,chat\nN2,2026-01-12 11:00,chat\n",
                     encoding="utf-8")
    from tests.helpers import SAMPLE_AS_OF

    load([extra], settings, as_of=SAMPLE_AS_OF)
    at.run()
    assert metrics(at)["Tickets"] == "16"


def test_data_health_shows_failures_and_staleness(sample_db: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "failed").mkdir(parents=True)
    (inbox / "failed" / "broken.csv.reason.txt").write_text("broken.csv could not be loaded: no header",
                                                             encoding="utf-8")
    cfg = tmp_path / "desk.toml"
    cfg.write_text(f'[refresh]\ninbox = "{inbox}"\nstale_after_hours = 24\n', encoding="utf-8")
    monkeypatch.setenv("DESK_CONFIG", str(cfg))
    at = app(sample_db, monkeypatch).run()
    # the sample's newest ticket is from January 2026: far older than 24 hours
    assert any("h old" in w.value for w in at.sidebar.warning)
    at.switch_page("views/data_health.py").run()
    assert errors(at) == []
    assert any(e.label == "broken.csv" for e in at.expander)
    assert any(s.value.startswith("Run 1, finished") for s in at.success)


def test_agent_profile_team_bars_are_the_warehouse_rate(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The profile's reference bars are the team's pct_reviews_with over all its reviews,
    read from the warehouse, not a sum of per-agent rows recomputed in the page."""
    import json

    at = app(demo_db, monkeypatch, period="all").run()
    at.switch_page("views/agent_quality.py").run()
    agent = at.selectbox(key="qa_agent").value
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    team_bars = next(trace for f in figures for trace in f["data"] if trace.get("name") == "team rate")
    shown = dict(zip(team_bars["x"], team_bars["text"], strict=True))  # the values as labelled
    # the dashboard's connection configuration: the app holds this file open in this process
    con = sqlguard.connect(resolve_live(demo_db))
    try:
        expected = dict(con.execute(
            "select ty.error_type, pct_reviews_with(q.error_types, ty.error_type) from qa_reviews_scored q "
            "cross join (select unnest(qa_error_types()) as error_type) ty "
            "where q.agent_id is not null and q.team = (select any_value(team) from qa_reviews_scored "
            "where agent_id = ?) group by 1", [agent]).fetchall())
    finally:
        con.close()
    assert len(shown) == len(expected) == 6  # every error type compared, none skipped
    for error_type, value in expected.items():
        assert shown[label("error_type", error_type, "en")] == f"{value:,.1f}"


def test_warehouse_published_by_an_earlier_version_still_renders(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The sidebar's lists come from dimension_values, the QA pages' error types from the
    qa_error_types() macro; a warehouse published before either existed (a kept version after
    a rollback, or the live one until the next refresh) still gets the same lists and pages."""
    import duckdb

    current = load_settings(db=tmp_path / "current" / "warehouse.duckdb")
    older = load_settings(db=tmp_path / "older" / "warehouse.duckdb")
    for settings in (current, older):
        load_sample(settings)
    con = duckdb.connect(str(resolve_live(older.warehouse_path)))
    try:
        listed = con.execute("select value from dimension_values where dimension = 'channel' order by 1").fetchall()
        con.execute("drop table dimension_values")
        con.execute("drop macro qa_error_types")
    finally:
        con.close()
    lists, tables = [], []
    for settings in (current, older):
        at = app(settings.warehouse_path, monkeypatch, period="all").run()
        assert errors(at) == []
        lists.append(at.sidebar.multiselect(key="f_channel").options)
        open_drilldowns(at.switch_page("views/agent_quality.py").run())
        assert errors(at) == []
        # (each warehouse hashes customer ids with its own salt)
        tables.append([df.value.drop(columns=[c for c in df.value.columns if "ustomer" in c])
                       for df in at.dataframe])
    assert len(lists[0]) == len(listed) > 1
    assert lists[0] == lists[1]
    assert len(tables[0]) == len(tables[1]) > 0
    for a, b in zip(tables[0], tables[1], strict=True):
        assert a.equals(b)  # (NaN equal to NaN)


def test_closed_drilldown_queries_no_rows(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A drill-down expander reports its state: closed, only the count in its label is
    queried; opened, its rows are."""
    asked = record_queries(monkeypatch)
    at = app(sample_db, monkeypatch, period="all").run()
    assert errors(at) == []
    assert "tickets_count" in asked and "tickets" not in asked
    assert not any("Ticket" in df.value.columns for df in at.dataframe)
    asked.clear()
    open_drilldowns(at)
    assert "tickets" in asked
    assert any("Ticket" in df.value.columns for df in at.dataframe)


def test_resolution_page_shows_repeat_complaints(demo_warehouse: DemoWarehouse,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The repeat-contact rate and first-contact resolution come from ticket_repeats' macros."""
    at = app(demo_warehouse.path, monkeypatch, period="all").run()
    at.switch_page("views/resolution.py").run()
    assert errors(at) == []
    shown = metrics(at)
    [(repeat, fcr)] = demo_warehouse.query(
        "select pct_followed_by_repeat(followed_by_repeat), "
        "pct_first_contact_resolved(first_contact_resolved, is_resolved, customer_id) from ticket_repeats")
    assert shown["Repeat-contact rate"] == f"{repeat:.1f} %" and shown["First-contact resolution"] == f"{fcr:.1f} %"
    assert 0 < repeat < 100
    assert any(s.value == "Repeat complaints and first-contact resolution" for s in at.subheader)


def test_data_health_lists_the_tickets_whose_reported_figure_disagrees(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An export reporting its own resolution minutes: Data health shows the agreement per
    figure and, below it, the one ticket (8004: Zendesk says 1500, ours is 1440) that disagrees."""
    settings = settings_with(tmp_path, {})
    db = settings.warehouse_path
    load([ROOT / "tests" / "fixtures" / "profiles" / "zendesk_explore_report.csv"], settings,
         as_of=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    at = app(db, monkeypatch, period="all").run()
    at.switch_page("views/data_health.py").run()
    assert errors(at) == []
    tables = [d.value for d in at.dataframe]
    agreement = next(t for t in tables if "Agreeing" in t.columns)
    assert agreement[["Figure", "Compared", "Agreeing"]].values.tolist() == [["Resolution (min)", 3, 2]]
    disagreeing = next(t for t in tables if "Ours − export's (min)" in t.columns)
    assert disagreeing[["Ticket", "Figure", "Export's figure (min)", "Ours (min)", "Ours − export's (min)"]
                       ].values.tolist() == [["8004", "Resolution (min)", 1500.0, 1440.0, -60.0]]
    # in Chinese, the figure and the verdicts are labelled too (a duration has no verdict: "—")
    at.radio(key="lang").set_value("zh").run()
    assert errors(at) == []
    listed = next(d.value for d in at.dataframe if "8004" in d.value.astype(str).values.ravel())
    row = listed.values.tolist()[0]
    assert "解决时长(分钟)" in row and "—" in row   # the figure labelled; a duration has no verdict


def test_settings_are_built_again_when_a_file_they_come_from_changes(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard keeps its settings between calls, and builds them again when the settings
    file or its [alerts] rules_file changes; a file gone is an error, not the old settings."""
    from dashboard.db import warehouse_settings
    from etl.core.alert_settings import AlertRuleError

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DESK_DB", raising=False)
    config, rules = tmp_path / "desk.toml", tmp_path / "rules.toml"
    monkeypatch.setenv("DESK_CONFIG", str(config))
    config.write_text('[refresh]\nstale_after_hours = 5\n[alerts]\nrules_file = "rules.toml"\n', encoding="utf-8")
    rule = '[[rules]]\nname = "{}"\nmetric = "tickets"\nwindow = "today"\nat_least = 1\n'
    rules.write_text(rule.format("first"), encoding="utf-8")
    first = warehouse_settings()
    assert warehouse_settings() is first  # kept
    assert (first.stale_after_hours, first.alerts.rules[-1].name) == (5, "first")
    rules.write_text(rule.format("second"), encoding="utf-8")
    assert warehouse_settings().alerts.rules[-1].name == "second"
    config.write_text('[refresh]\nstale_after_hours = 7\n[alerts]\nrules_file = "rules.toml"\n', encoding="utf-8")
    assert warehouse_settings().stale_after_hours == 7
    rules.unlink()
    with pytest.raises(AlertRuleError, match="does not exist"):
        warehouse_settings()
    monkeypatch.setenv("DESK_DB", str(tmp_path / "other.duckdb"))
    rules.write_text(rule.format("third"), encoding="utf-8")
    assert warehouse_settings().warehouse_path == tmp_path / "other.duckdb"
