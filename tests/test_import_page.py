"""The Import page through AppTest: no file, a detected profile (a real export), a suggested
mapping for a hand-made file with its preview numbers worked out by hand, an edited mapping
(day-first, time zone) changing them, save, load into the real warehouse, a failed load that
changes nothing, and who may open the page."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.core.settings import load_settings
from etl.ingest import profiles
from etl.query import auth, sqlguard
from etl.warehouse.versions import lock_path, resolve_live
from tests.helpers import REALDATA, ROOT, load_sample

APP = str(ROOT / "dashboard" / "app.py")
PAGE = "views/import_data.py"
PASSWORD = "a long enough password"

# The hand-made export: no profile fits it (suggested mapping); every day is 12 or less, so
# numeric dates are ambiguous and read month first until day-first is chosen.
#   month first: C1 answered 01/02 10:00 → 01/03 10:00 = 1,440 min; C2 02/03 → 02/04 = 1,440 min;
#                C3 30 min; C6 answered before creation: that field emptied (a data issue)
#                → median first response 1,440 min = 24.0 h. Resolution (password_recovery):
#                C1 48 h, C3 24 h → median 36 h.
#   day first:   C1 1 Feb → 1 Mar = 40,320 min; C2 2 Mar → 2 Apr = 44,640 min; C3 30 min
#                → median 40,320 min = 28.0 d; C1 resolved 1 Apr (1,416 h), C3 3 May (720 h) → 1,068 h.
#   row 4 has no id (missing_ticket_id), row 5 no readable creation time (bad_time):
#   6 read = 4 loaded + 2 rejected + 0 skipped.
EXPORT = """Case ID,Opened,First Response,Solved At,Channel,Type
C1,01/02/2026 10:00,01/03/2026 10:00,01/04/2026 10:00,Email,Password reset
C2,02/03/2026 09:00,02/04/2026 09:00,,Phone,Withdrawal
C3,03/04/2026 08:00,03/04/2026 08:30,03/05/2026 08:00,Web,Password reset
,01/05/2026 10:00,,,Chat,Withdrawal
C5,not a date,,,Email,Withdrawal
C6,04/05/2026 10:00,04/05/2026 09:00,,Carrier pigeon,Withdrawal
"""


def _desk(root: Path, monkeypatch: pytest.MonkeyPatch, *, analysts: bool = False) -> Path:
    """A warehouse of the hand-made sample, with the inbox and profile folder in `root`."""
    config = root / "config.toml"
    config.write_text(f'[refresh]\ninbox = "{root / "inbox"}"\n[import]\nprofiles = "{root / "profiles"}"\n'
                      f"analysts_may_import = {'true' if analysts else 'false'}\n", encoding="utf-8")
    monkeypatch.setenv("DESK_CONFIG", str(config))
    monkeypatch.setenv("DESK_PROFILES", str(root / "profiles"))
    settings = load_settings(db=root / "wh" / "warehouse.duckdb")
    if not settings.warehouse_path.exists():
        load_sample(settings)
    monkeypatch.setenv("DESK_DB", str(settings.warehouse_path))
    (root / "inbox").mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("importdesk")
    with pytest.MonkeyPatch.context() as mp:
        _desk(root, mp)
    return root


@pytest.fixture
def env(desk: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return _desk(desk, monkeypatch)


def page(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["period"] = "all"
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def query(settings, sql: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Read the published warehouse with the dashboard's own connection configuration (this
    process holds one: AppTest runs the app here)."""
    con = sqlguard.connect(resolve_live(settings.warehouse_path))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def pick(at: AppTest, name: str) -> AppTest:
    at.selectbox(key="imp_file").set_value(name).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def frame(at: AppTest, *columns: str):  # type: ignore[no-untyped-def]
    """The first table on the page with these columns (AppTest's dataframes carry no key)."""
    for df in at.dataframe:
        if all(c in df.value.columns for c in columns):
            return df.value
    raise AssertionError(f"no table with the columns {columns}")


def mapping_row(at: AppTest, field: str) -> dict[str, str]:
    table = frame(at, "field", "source column(s)")
    return table[table["field"] == field].iloc[0].to_dict()


def test_no_file_says_what_to_do(env: Path) -> None:
    at = page()
    assert at.title[0].value == "Import"
    assert any("No file yet" in i.value for i in at.info)
    assert any("at most 200 MB" in c.value for c in at.caption)  # the limit is said on the page
    assert len(at.metric) == 0


def test_suggested_mapping_preview_numbers_edit_save_and_load(env: Path) -> None:
    (env / "inbox" / "desk_export.csv").write_text(EXPORT, encoding="utf-8")
    at = pick(page(), "desk_export.csv")
    assert any("No profile fits this file" in i.value for i in at.info)  # suggested
    assert at.selectbox(key="imp_col_ticket_id").value == "Case ID"
    assert at.selectbox(key="imp_col_created_at").value == "Opened"
    m = metrics(at)
    assert (m["Rows read"], m["Would load"], m["Would be rejected"], m["Would be skipped"]) == ("6", "4", "2", "0")
    assert m["Median first response"] == "24.0 h"
    rejected = frame(at, "reason", "examples")
    assert dict(zip(rejected["reason"], rejected["rows"], strict=True)) == {"bad_time": 1, "missing_ticket_id": 1}
    assert "record 5" in rejected[rejected["reason"] == "bad_time"]["examples"].iloc[0]
    issues = frame(at, "rule", "examples")
    assert issues[["rule", "field", "rows"]].values.tolist() == [["response_before_creation", "first_response_at", 1]]
    # the page shows labels: "Category" (its value's name), "Median (h)"
    res = frame(at, "Category", "Median (h)").set_index("Category")
    assert res.loc["Password recovery", "Median (h)"] == 36.0
    created = mapping_row(at, "created_at")
    assert created["source column(s)"] == "Opened"
    assert created["sample raw values"].startswith("01/02/2026 10:00 · 02/03/2026 09:00")
    assert created["as loaded"].startswith("2026-01-02 02:00 UTC")  # Asia/Shanghai = UTC+8
    assert "month first" in created["format inferred"]

    # edit: day first, then the time zone: the preview follows at once
    at.selectbox(key="imp_day_first").set_value(True).run()
    m = metrics(at)
    assert m["Median first response"] == "28.0 d"
    assert frame(at, "Category", "Median (h)").set_index("Category").loc[
        "Password recovery", "Median (h)"] == 1068.0
    at.selectbox(key="imp_tz").set_value("UTC").run()
    assert mapping_row(at, "created_at")["as loaded"].startswith("2026-02-01 10:00 UTC")
    assert metrics(at)["Would load"] == "4"

    # the whole file on demand (here the same six rows)
    at.button(key="imp_whole_button").click().run()
    assert any("The whole file" in c.value for c in at.caption)
    assert metrics(at)["Median first response"] == "28.0 d"

    # save under a name that needs cleaning: profiles/my_desk.toml, found by name like the CLI does
    at.text_input(key="imp_name").set_value("My desk!").run()
    at.button(key="imp_save").click().run()
    assert any("my_desk.toml" in s.value.replace("\\", "") for s in at.success)  # (Markdown-escaped)
    saved = env / "profiles" / "my_desk.toml"
    found = profiles.find("my_desk")
    assert found.path == saved and found.day_first is True and found.timezone == "UTC"
    assert found.columns["ticket_id"] == "Case ID"

    # load into the real warehouse: the CLI's publish; the run summary and a link to Data health
    before = query(load_settings(), "select count(*) from tickets")[0][0]
    at.button(key="imp_load").click().run()
    assert not at.exception
    assert any("Published version" in s.value and "4 tickets loaded, 2 rejected" in s.value for s in at.success)
    assert any("Data health" in str(p.proto.label) for p in at.get("page_link"))
    s = load_settings()
    assert query(s, "select count(*) from tickets")[0][0] == before + 4
    frt = dict(query(s, "select ticket_id, first_response_minutes from ticket_metrics where ticket_id in "
                        "('C1', 'C2', 'C3')"))
    assert frt == {"C1": 40320.0, "C2": 44640.0, "C3": 30.0}  # read day first, as edited
    # the page goes on serving the new version (Overview counts the new tickets)
    at.switch_page("views/overview.py").run()
    assert not at.exception and metrics(at)["Tickets"] == str(before + 4)


def test_detected_profile_of_a_real_export(env: Path) -> None:
    source = REALDATA / "kaggle-customer-support-tickets" / "customer_support_tickets.csv"
    if not source.exists():
        pytest.skip(f"the real exports are not beside the checkout ({REALDATA})")
    shutil.copyfile(source, env / "inbox" / "kaggle_tickets.csv")
    at = pick(page(), "kaggle_tickets.csv")
    assert any("Detected profile: kaggle_customer_support" in i.value.replace("\\", "") for i in at.info)
    m = metrics(at)
    assert m["Rows read"] == "500"   # the sample ([import] sample_rows)
    assert int(m["Would load"].replace(",", "")) + int(m["Would be rejected"]) + int(m["Would be skipped"]) == 500
    assert mapping_row(at, "channel")["as loaded"].split(" · ")[:2] == ["social", "chat"]
    # its value map, with the file's values and their counts, can be changed
    labels = [s.label for s in at.selectbox if str(s.key).startswith("imp_val_channel_")]
    assert any("Email" in lab for lab in labels)


def test_failed_load_shows_the_error_and_changes_nothing(env: Path) -> None:
    (env / "inbox" / "desk_export.csv").write_text(EXPORT, encoding="utf-8")
    s = load_settings()
    at = pick(page(), "desk_export.csv")
    version = query(s, "select value from warehouse_meta where key = 'version'")[0][0]
    # another load (the scheduled refresh, say) holds the writer's lock
    holder = subprocess.Popen([sys.executable, "-c",
                               "import fcntl, os, sys, time\n"
                               f"fd = os.open({str(lock_path(s.warehouse_path))!r}, os.O_RDWR | os.O_CREAT)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(120)\n"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        at.button(key="imp_load").click().run()
    finally:
        holder.kill()
        holder.wait()
    assert not at.exception
    assert any("The load failed; the warehouse is unchanged" in e.value and "try again" in e.value for e in at.error)
    assert query(s, "select value from warehouse_meta where key = 'version'")[0][0] == version


def test_a_mapping_without_an_id_cannot_preview(env: Path) -> None:
    (env / "inbox" / "desk_export.csv").write_text(EXPORT, encoding="utf-8")
    at = pick(page(), "desk_export.csv")
    at.selectbox(key="imp_col_ticket_id").set_value("__none__").run()
    assert not at.exception
    assert any("cannot be loaded" in e.value and "ticket_id" in e.value.replace("\\", "") for e in at.error)
    assert len(at.metric) == 0


def test_chinese_labels(env: Path) -> None:
    at = page(lang="zh")
    assert at.title[0].value == "导入"
    assert any("尚无文件" in i.value for i in at.info)


# ------------------------------------------------------------------ who may open the page
@pytest.fixture(scope="module")
def users_desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("importusers")
    with pytest.MonkeyPatch.context() as mp:
        _desk(root, mp)
        s = load_settings()
        for name, role in (("viv", "viewer"), ("ana", "analyst"), ("adm", "admin")):
            auth.add_user(auth.users_file(s), name, role, PASSWORD)
    return root


def signed_in(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["period"] = "all"
    at.run()
    at.text_input(key="login_name").set_value(user)
    at.text_input(key="login_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == "Overview"
    return at


@pytest.mark.parametrize("user, analysts_may, allowed", [
    ("viv", False, False), ("ana", False, False), ("adm", False, True), ("ana", True, True), ("viv", True, False)])
def test_who_may_import(users_desk: Path, monkeypatch: pytest.MonkeyPatch, user: str, analysts_may: bool,
                        allowed: bool) -> None:
    _desk(users_desk, monkeypatch, analysts=analysts_may)
    at = signed_in(user)
    links = [str(p.proto.label) for p in at.get("page_link")]
    assert ("Import" in links) is allowed       # the menu lists it only for who may open it
    at.switch_page(PAGE).run()                  # the address of the page: the page checks the role itself
    refused = any("needs the role" in e.value for e in at.error)
    assert refused is (not allowed)
    assert ([t.value for t in at.title] == ["Import"]) is allowed
    assert len(at.get("file_uploader")) == (1 if allowed else 0)
