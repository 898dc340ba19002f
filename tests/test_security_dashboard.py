"""Security of the dashboard against its own data (docs/SECURITY.md): CSV downloads cannot
start a spreadsheet formula, and values from the data (categories, file names, run
warnings) are shown as literal text, never rendered as Markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard.plain import md
from etl.core.settings import load_settings
from etl.load.run import load
from tests.helpers import ROOT, SAMPLE_AS_OF, open_drilldowns

APP = str(ROOT / "dashboard" / "app.py")
MARKDOWN = "**bold** [link](http://x) ![img](http://x/a.png) :red[x] <b>html</b>"
LINK = '<a href="http://x">team</a>'  # plotly renders <a href> in axis labels, legends, hovers
FORMULAS = {"=": '=HYPERLINK("http://evil","x")', "+": "+frontline", "-": "-2+3", "@": "@SUM(A1)",
            "\t": "\tcmd", "\r": "\rcmd"}
HEADER = ("ticket_id,created_at,updated_at,channel,category,priority,status,team,agent_id,first_response_at,"
          "resolved_at,closed_at,escalation_level,escalated_at,reopen_count,csat,customer_id,language,subject")


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse whose text cells start formulas or carry Markdown."""
    folder = tmp_path_factory.mktemp("hostile")
    rows = [HEADER]
    for i, (prefix, text) in enumerate(FORMULAS.items()):
        category = MARKDOWN if i == 0 else "withdrawal"
        rows.append(",".join([f"T{i}", "2026-01-09 17:00:00", "2026-01-12 15:00:00", "email", _csv_cell(category),
                              "normal", "solved", _csv_cell(LINK if prefix == "\r" else prefix + "team"),
                              _csv_cell(prefix + "A1"), "2026-01-12 10:00:00", "2026-01-12 15:00:00", "", "0", "",
                              "0", "4", f"C{i}", "en", _csv_cell(text)]))
    (folder / "tickets.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "qa_reviews.csv").write_text(
        "review_id,ticket_id,agent_id,reviewed_at,reviewer_id,score,error_types,comment\n"
        + "".join(f"R{i},T{i},A1,2026-01-12 16:00:00,Q1,62,communication,{_csv_cell(text)}\n"
                  for i, text in enumerate(FORMULAS.values())), encoding="utf-8")
    settings = load_settings(db=folder / "wh" / "warehouse.duckdb")
    load([folder / "tickets.csv", folder / "qa_reviews.csv"], settings, as_of=SAMPLE_AS_OF)
    return settings.warehouse_path


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    """The media file managers AppTest creates, to call the deferred download callables."""
    made: list[MediaFileManager] = []

    def factory(*args: Any, **kw: Any) -> MediaFileManager:
        made.append(MediaFileManager(*args, **kw))
        return made[-1]

    monkeypatch.setattr(app_test_module, "MediaFileManager", factory)
    return made


def downloads(at: AppTest, media: list[MediaFileManager]) -> dict[str, bytes]:
    """The bytes of every CSV download button of the last run, by its file name."""
    out = {}
    mgr = media[-1]
    for el in at.get("download_button"):
        proto = el.proto
        if proto.HasField("deferred_file_id"):
            entry = mgr._deferred_callables[proto.deferred_file_id]
            data, name = entry["callable"](), entry["filename"]
        else:
            name = proto.url.rsplit("/", 1)[-1]
            data = mgr._storage.get_file(proto.url.rsplit("/", 1)[-1].split(".")[0]).content
        if isinstance(data, str):
            data = data.encode("utf-8")
        out[str(name)] = data
    return out


def assert_no_formula(data: bytes) -> None:
    import csv
    import io

    text = data.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    assert cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), repr(cell)
    for prefix, value in FORMULAS.items():
        if prefix != "\r":  # the loader's text cleaning may drop a leading carriage return
            assert "'" + value in cells, (prefix, value)


def app(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DESK_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["period"] = "all"
    return at


# ----------------------------------------------------------------------- finding 1: CSV injection
def test_ticket_and_review_downloads_neutralise_formulas(hostile: Path, monkeypatch: pytest.MonkeyPatch,
                                                         media: list[MediaFileManager]) -> None:
    at = open_drilldowns(app(hostile, monkeypatch).run())
    assert not at.exception
    files = downloads(at, media)
    tickets = [v for k, v in files.items() if k.startswith("tickets-")]
    assert tickets
    for data in tickets:
        assert_no_formula(data)
    open_drilldowns(at.switch_page("views/agent_quality.py").run())
    assert not at.exception
    files = downloads(at, media)
    reviews = [v for k, v in files.items() if k.startswith("reviews-")]
    assert reviews
    for data in reviews:
        text = data.decode("utf-8-sig")
        assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text and ",-2" not in text


def test_sql_page_csv_download_neutralises_formulas(hostile: Path, monkeypatch: pytest.MonkeyPatch,
                                                    media: list[MediaFileManager]) -> None:
    at = app(hostile, monkeypatch).run()
    at.switch_page("views/sql.py").run()
    assert not at.exception
    at.text_area(key="sql_text").set_value("select subject, -1 as n from ticket_metrics order by ticket_id")
    at.button(key="sql_run").click().run()
    assert not at.exception and not at.error
    data = downloads(at, media)["query.csv"]
    assert_no_formula(data.replace(b",-1\n", b",1\n"))
    assert data.count(b",-1\n") == len(FORMULAS)  # a negative number stays a number


# ----------------------------------------------------------------------- finding 5: data as text
def test_data_health_shows_data_as_literal_text(hostile: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "failed").mkdir(parents=True)
    name = "**bold** [link](http:x) ![img](x.png) :red[x] <b>html<b>.csv"  # no "/" in a file name
    (inbox / "failed" / f"{name}.reason.txt").write_text(f"{name}: {MARKDOWN}", encoding="utf-8")
    cfg = tmp_path / "desk.toml"
    cfg.write_text(f'[refresh]\ninbox = "{inbox}"\n', encoding="utf-8")
    monkeypatch.setenv("DESK_CONFIG", str(cfg))
    log = hostile.parent / "etl-runs.jsonl"
    before = log.read_text(encoding="utf-8") if log.exists() else ""
    log.write_text(before + json.dumps({"status": "failed", "finished_at": "2026-01-12T00:00:00",
                                        "error": f"{name} could not be read: {MARKDOWN}"}) + "\n",
                   encoding="utf-8")
    try:
        at = app(hostile, monkeypatch).run()
        at.switch_page("views/data_health.py").run()
    finally:
        log.write_text(before, encoding="utf-8")
    assert not at.exception
    warnings = [w.value for w in at.warning if "bold" in w.value]
    assert warnings, "the run warning quoting the category is shown"
    for body in warnings:
        assert MARKDOWN not in body and md(MARKDOWN) in body
    labels = [e.label for e in at.expander if "bold" in e.label]
    assert labels == [md(name)]
    errors = [e.value for e in at.error if "bold" in e.value]
    assert errors and all(MARKDOWN not in e and md(MARKDOWN) in e for e in errors)
    texts = [t.value for t in at.text if "bold" in t.value]
    assert texts == [f"{name}: {MARKDOWN}"]  # st.text: literal already


def test_escape_helper_leaves_no_markup() -> None:
    escaped = md(MARKDOWN + "\n- item\n12. item\n# title\nwww.example.com a@b.example $x$ :smile:")
    for raw in ("**", "[link]", "](", "![", ":red[", "<b>", "\n-", "\n12.", "\n#", "www.", "$x$", ":smile:"):
        assert raw not in escaped, raw
    assert md("broken.csv") == "broken.csv" and md(None) == ""


# ----------------------------------------------------------------------- finding 4: sign-in throttling
def test_failed_signins_are_shared_by_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.query import auth
    from tests.helpers import load_sample

    settings = load_settings(db=tmp_path / "wh" / "warehouse.duckdb")
    load_sample(settings)
    auth.add_user(auth.users_file(settings), "ana", "analyst", "correct horse battery")
    cfg = tmp_path / "desk.toml"
    cfg.write_text("[auth]\nfailure_delay_seconds = 0\n", encoding="utf-8")
    monkeypatch.setenv("DESK_CONFIG", str(cfg))

    def attempt(password: str) -> AppTest:
        at = app(settings.warehouse_path, monkeypatch).run()  # a new browser session each time
        at.text_input(key="login_name").set_value("ana")
        at.text_input(key="login_password").set_value(password)
        at.button[0].click().run()
        return at

    for i in range(5):
        at = attempt(f"guess {i}")
        assert any("Wrong user or password" in e.value for e in at.error)
    at = attempt("correct horse battery")  # locked out: refused, with the same message
    assert any("Wrong user or password" in e.value for e in at.error)
    assert not at.get("plotly_chart")
    log = (auth.users_file(settings).parent / "security.log").read_text(encoding="utf-8")
    assert '"signin_lockout"' in log and '"user:ana"' in log


def test_charts_show_data_html_as_text(hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app(hostile, monkeypatch).run()
    specs = []
    for page in ("views/overview.py", "views/escalations.py", "views/agent_quality.py", "views/assistant.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        specs += [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    # customdata carries the raw value for the click-through (never displayed)
    text = json.dumps([{k: v for k, v in trace.items() if k != "customdata"} for s in specs for trace in s["data"]])
    assert json.dumps(LINK)[1:-1] not in text
    assert json.dumps(LINK.replace("<", "&lt;").replace(">", "&gt;"))[1:-1] in text
