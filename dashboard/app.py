"""Complaint-desk dashboard: the frame (filters, language, freshness) and the navigation.

Run: streamlit run dashboard/app.py   (make run does it). Reads the warehouse read-only:
data/warehouse.duckdb, or the file DESK_DB names; or, with [dashboard] source = "lake", the
Parquet metric tables `python -m etl lake metrics` publishes (docs/LAKE.md).

One file per page, in dashboard/views/. Not dashboard/pages/: a folder of that name beside
the entry script switches Streamlit (1.67) into its legacy multipage mode, in which a page
opened by its URL, and every rerun after the first, runs without this frame (no filters,
no context); reproduced both in AppTest and in the server.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import auth, db  # noqa: E402
from dashboard.frame import sidebar  # noqa: E402
from dashboard.i18n import t  # noqa: E402

PAGES = (
    ("overview", "page_overview", ":material/dashboard:"),
    ("first_response", "page_first_response", ":material/schedule:"),
    ("resolution", "page_resolution", ":material/task_alt:"),
    ("assistant", "page_assistant", ":material/smart_toy:"),
    ("escalations", "page_escalations", ":material/trending_up:"),
    ("agent_quality", "page_quality", ":material/school:"),
    ("process", "page_process", ":material/timeline:"),
    ("alerts", "page_alerts", ":material/notifications:"),
    ("sql", "page_sql", ":material/terminal:"),
    ("import_data", "page_import", ":material/upload_file:"),
    ("data_health", "page_health", ":material/monitor_heart:"),
)


def no_data() -> None:
    lang = st.query_params.get("lang", "en")
    st.title(t("app_title", lang))
    body = "no_lake_body" if db.warehouse_settings().dashboard_source == "lake" else "no_warehouse_body"
    st.info(f"**{t('no_warehouse_title', lang)}**\n\n" + t(body, lang, path=db.source_path()))


def main() -> None:
    st.set_page_config(page_title="Complaint desk", page_icon=":material/support_agent:", layout="wide")
    identity = auth.identify(st.session_state.get("lang") or st.query_params.get("lang", "en"))
    if identity is None:
        return  # the sign-in form, or the refusal to serve without sign-in, is shown
    wh = db.open_current()
    if wh is None:
        st.navigation([st.Page(no_data, title="Complaint desk", url_path="welcome")]).run()
        return
    menu = st.sidebar.container()  # filled below, shown above the filters
    ctx = sidebar(wh)
    with st.sidebar:
        auth.sign_out_button(identity, ctx.lang)
    # Every page is registered, so that any address reaches the page and the page's own role
    # check decides (server side); the menu only lists what the role may open.
    pages = {name: st.Page(str(Path(__file__).parent / "views" / f"{name}.py"), title=t(key, ctx.lang),
                           icon=icon, url_path=name, default=(name == "overview"))
             for name, key, icon in PAGES}
    current = st.navigation(list(pages.values()), position="hidden")
    with menu:
        for name, page in pages.items():
            if identity.may(auth.page_role(name)):
                st.page_link(page, label=page.title, icon=page.icon)
        st.divider()
    current.run()


main()
