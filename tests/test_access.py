"""Who may see what: password hashing, the localhost-only default, and roles enforced on the
server side of every page (a viewer cannot open the SQL page even by switching to it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.core.errors import ConfigError
from etl.query import auth
from tests.helpers import ROOT, load_sample, open_drilldowns

APP = str(ROOT / "dashboard" / "app.py")
PASSWORD = "correct horse battery"


def test_password_hashing(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    auth.add_user(users, "ana", "analyst", PASSWORD)
    text = users.read_text(encoding="utf-8")
    assert "$argon2id$" in text and PASSWORD not in text
    assert stat.S_IMODE(os.stat(users).st_mode) == 0o600
    assert auth.verify(users, "ana", PASSWORD) == "analyst"
    assert auth.verify(users, "ana", "wrong password") is None
    assert auth.verify(users, "nobody", PASSWORD) is None
    auth.add_user(users, "bob", "viewer", "another long one")
    auth.add_user(users, "cid", "viewer", PASSWORD)  # ana's password again
    hashes = [line for line in users.read_text().splitlines() if line.startswith("password")]
    assert len(hashes) == 3
    assert hashes[0] != hashes[2]  # the same password, salted per user: two different hashes
    assert auth.verify(users, "cid", PASSWORD) == "viewer"
    with pytest.raises(ConfigError, match="at least 10"):
        auth.add_user(users, "eve", "viewer", "short")
    with pytest.raises(ConfigError, match="role"):
        auth.add_user(users, "eve", "root", PASSWORD)
    assert auth.remove_user(users, "bob") and auth.verify(users, "bob", "another long one") is None


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from etl.core.settings import load_settings

    s = load_settings(db=tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    load_sample(s)
    for name, role in (("viv", "viewer"), ("ana", "analyst"), ("adm", "admin")):
        auth.add_user(auth.users_file(s), name, role, PASSWORD)
    return s.warehouse_path


def signed_in(db: Path, monkeypatch: pytest.MonkeyPatch, user: str, password: str = PASSWORD) -> AppTest:
    monkeypatch.setenv("DESK_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = "all"
    at.run()
    assert at.title[0].value == "Complaint desk" and len(at.text_input) == 2  # the sign-in form
    at.text_input(key="login_name").set_value(user)
    at.text_input(key="login_password").set_value(password)
    at.button[0].click().run()
    return at



def test_wrong_password_shows_nothing(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(warehouse, monkeypatch, "viv", "wrong password")
    assert any("Wrong user or password" in e.value for e in at.error)
    assert len(at.metric) == 0 and len(at.get("plotly_chart")) == 0


@pytest.mark.parametrize("user, sql_allowed, health_allowed", [
    ("viv", False, False), ("ana", True, False), ("adm", True, True)])
def test_roles_enforced_on_every_page(warehouse: Path, monkeypatch: pytest.MonkeyPatch, user: str,
                                      sql_allowed: bool, health_allowed: bool) -> None:
    at = signed_in(warehouse, monkeypatch, user)
    assert at.title[0].value == "Overview" and not at.exception
    for page in ("first_response", "resolution", "escalations", "agent_quality"):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception and not any("needs the role" in e.value for e in at.error), page
    # switching straight to the SQL page: the page itself checks the role
    at.switch_page("views/sql.py").run()
    refused = any("needs the role analyst" in e.value for e in at.error)
    assert refused is (not sql_allowed)
    assert (len(at.text_area) == 1) is sql_allowed
    at.switch_page("views/data_health.py").run()
    assert any("needs the role admin" in e.value for e in at.error) is (not health_allowed)


def test_customer_ids_only_for_analysts(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    viewer = open_drilldowns(signed_in(warehouse, monkeypatch, "viv"))
    assert all("Customer (hashed)" not in df.value.columns for df in viewer.dataframe)
    analyst = open_drilldowns(signed_in(warehouse, monkeypatch, "ana"))
    assert any("Customer (hashed)" in df.value.columns for df in analyst.dataframe)


def test_analyst_runs_sql_with_sidebar_parameters(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = signed_in(warehouse, monkeypatch, "ana")
    at.switch_page("views/sql.py").run()
    at.text_area(key="sql_text").set_value(
        "select count(*) as n from ticket_metrics where list_contains($channel, channel) "
        "and created_date between $since and $until")
    at.button(key="sql_run").click().run()
    assert not at.exception
    grid = [df.value for df in at.dataframe if list(df.value.columns) == ["n"]]
    assert grid and int(grid[0]["n"].iloc[0]) == 14  # every sample ticket (the sidebar selects all)
    at.text_area(key="sql_text").set_value("drop table tickets")
    at.button(key="sql_run").click().run()
    assert any("Only queries can run here" in e.value for e in at.error)


def test_local_only_without_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from etl.core.settings import load_settings

    s = load_settings(db=tmp_path / "wh" / "warehouse.duckdb")
    load_sample(s)
    monkeypatch.setenv("DESK_DB", str(s.warehouse_path))
    at = AppTest.from_file(APP, default_timeout=60).run()  # .streamlit/config.toml: 127.0.0.1
    assert at.title[0].value == "Overview"
    assert any("anyone on this machine is admin" in c.value for c in at.sidebar.caption)
    original = st.get_option("server.address")
    st.config.set_option("server.address", "0.0.0.0")
    try:
        exposed = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        st.config.set_option("server.address", original)
    assert any("without sign-in" in e.value for e in exposed.error)
    assert len(exposed.metric) == 0 and len(exposed.get("plotly_chart")) == 0


def test_saved_queries_persist_and_quick_chart(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import saved

    at = signed_in(warehouse, monkeypatch, "ana")
    at.switch_page("views/sql.py").run()
    at.text_area(key="sql_text").set_value("select channel, count(*) as n from ticket_metrics group by 1")
    at.button(key="sql_run").click().run()
    assert any(list(df.value.columns) == ["channel", "n"] for df in at.dataframe)
    assert len(at.get("plotly_chart")) >= 1  # the quick chart of the result
    at.text_input(key="sql_save_name").set_value("tickets by channel")
    at.button(key="sql_save").click().run()
    stored = saved.load(saved.path_for(warehouse))
    assert [(q["name"], q["saved_by"]) for q in stored] == [("tickets by channel", "ana")]
    # a new session (a restart) offers it
    again = signed_in(warehouse, monkeypatch, "ana")
    again.switch_page("views/sql.py").run()
    assert "tickets by channel" in again.selectbox(key="sql_saved").options
    saved.delete(saved.path_for(warehouse), "tickets by channel")
    assert saved.load(saved.path_for(warehouse)) == []


def test_identity_provider_mode_asks_to_log_in(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_DB", str(warehouse))
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "desk", "client_secret": "y",
                          "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
    at.run()
    assert [b.label for b in at.button] == ["Log in"]  # Streamlit's own login, no sign-in form
    assert len(at.text_input) == 0 and len(at.metric) == 0


def test_user_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "wh" / "warehouse.duckdb"
    add = subprocess.run([sys.executable, "-m", "etl", "user", "add", "mia", "--role", "admin", "--password-stdin",
                          "--db", str(db)], input=PASSWORD + "\n", cwd=ROOT, capture_output=True, text=True)
    assert add.returncode == 0, add.stdout + add.stderr
    listed = subprocess.run([sys.executable, "-m", "etl", "user", "list", "--db", str(db)], cwd=ROOT,
                            capture_output=True, text=True)
    assert "mia: admin" in listed.stdout
    assert auth.verify(db.parent / "users.toml", "mia", PASSWORD) == "admin"
    short = subprocess.run([sys.executable, "-m", "etl", "user", "add", "x", "--role", "viewer", "--password-stdin",
                            "--db", str(db)], input="short\n", cwd=ROOT, capture_output=True, text=True)
    assert short.returncode == 2 and "at least 10" in short.stdout
