"""Sign-in and roles for the dashboard, checked on the server side of every page.

Three modes, in this order:
- an identity provider configured for Streamlit's own login (an [auth] section in
  .streamlit/secrets.toml): st.login / st.user; roles by e-mail from the settings
  ([auth.roles], default [auth] default_role = "viewer");
- local users (python -m etl user add): a sign-in form, Argon2 hashes (etl/query/auth.py);
- nobody configured: the person at this machine is admin, and the app serves only when
  bound to localhost; bound to any other address it refuses to show anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard.db import warehouse_settings
from dashboard.plain import md
from etl.query import auth

IDENTITY_KEY = "_desk_identity"
LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1"}
# the least role that may open each page (the server-side check, not just the menu)
PAGE_ROLES = {"overview": "viewer", "first_response": "viewer", "resolution": "viewer",
              "escalations": "viewer", "agent_quality": "viewer", "sql": "analyst", "data_health": "admin",
              "alerts": "viewer", "process": "viewer", "assistant": "viewer", "import_data": "admin"}


def page_role(page: str) -> str:
    """The least role that may open `page`: PAGE_ROLES, except that analysts may import when
    the settings say so ([import] analysts_may_import)."""
    if page == "import_data" and warehouse_settings().analysts_may_import:
        return "analyst"
    return PAGE_ROLES[page]


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    mode: str  # oidc | users | local

    def may(self, role: str) -> bool:
        return auth.rank(self.role) >= auth.rank(role)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _bound_locally() -> bool:
    address = st.get_option("server.address")
    return bool(address) and str(address) in LOCAL_ADDRESSES


def current() -> Identity | None:
    return st.session_state.get(IDENTITY_KEY)


def identify(lang: str) -> Identity | None:
    """The signed-in identity, or None after drawing what the visitor must do first."""
    settings = warehouse_settings()
    if _oidc_configured():
        try:
            logged_in = bool(st.user.is_logged_in)
        except (AttributeError, KeyError):  # no user information at all yet
            logged_in = False
        if not logged_in:
            st.title("Complaint desk")
            st.button("Log in" if lang == "en" else "登录", on_click=st.login, type="primary")
            return None
        cfg = settings.raw.get("auth", {})
        email = str(st.user.get("email", ""))
        role = cfg.get("roles", {}).get(email, cfg.get("default_role", "viewer"))
        identity = Identity(email or str(st.user.get("name", "user")), role, "oidc")
        st.session_state[IDENTITY_KEY] = identity
        return identity
    path = auth.users_file(settings)
    users = auth.load_users(path)
    if users:
        identity = current()
        if identity is not None and identity.mode == "users" and identity.name in users:
            fresh = Identity(identity.name, users[identity.name]["role"], "users")  # role changes apply
            st.session_state[IDENTITY_KEY] = fresh
            return fresh
        _login_form(path, lang)
        return None
    if not _bound_locally():
        st.title("Complaint desk")
        st.error("This dashboard is served on the network address "
                 f"{st.get_option('server.address') or '(all interfaces)'} without sign-in. Add users "
                 "(python -m etl user add NAME --role viewer) or configure an identity provider, or start "
                 "it on this machine only (--server.address 127.0.0.1, as make run does).")
        return None
    identity = Identity("local", "admin", "local")
    st.session_state[IDENTITY_KEY] = identity
    return identity


def _login_form(path, lang: str) -> None:  # type: ignore[no-untyped-def]
    st.title("Complaint desk")
    failures = st.session_state.get("_login_failures", 0)
    with st.form("login"):
        name = st.text_input("User" if lang == "en" else "用户名", key="login_name")
        password = st.text_input("Password" if lang == "en" else "密码", type="password", key="login_password")
        submitted = st.form_submit_button("Sign in" if lang == "en" else "登录", type="primary")
    if submitted:
        # failures counted per user name and per client across sessions and restarts, with a
        # growing wait and a lockout (etl/query/auth.py Throttle); one message for every refusal
        role = auth.sign_in(warehouse_settings(), name, password, client_address())
        if role is None:
            st.session_state["_login_failures"] = failures + 1
            st.error("Wrong user or password." if lang == "en" else "用户名或密码错误。")
            return
        st.session_state["_login_failures"] = 0
        st.session_state[IDENTITY_KEY] = Identity(name, role, "users")
        st.rerun()


def client_address() -> str | None:
    """The browser's address as Streamlit saw the connection (st.context.ip_address: None on
    localhost). Forwarded-for headers are not trusted: a client could write any."""
    try:
        ip = st.context.ip_address
    except Exception:  # no client context (a bare script run)
        return None
    return ip if isinstance(ip, str) and ip else None


def sign_out_button(identity: Identity, lang: str) -> None:
    if identity.mode == "local":
        st.caption("No users are configured: anyone on this machine is admin; the dashboard is served on "
                   "localhost only." if lang == "en" else
                   "未配置用户:本机任何人都是管理员;看板仅在本机(localhost)提供服务。")
        return
    st.caption(f"{md(identity.name)} · {identity.role}")  # a name is data (users file, OIDC)
    if identity.mode == "oidc":
        st.button("Log out" if lang == "en" else "退出", on_click=st.logout)
    elif st.button("Sign out" if lang == "en" else "退出登录"):
        st.session_state.pop(IDENTITY_KEY, None)
        st.rerun()


def require(page: str) -> Identity:
    """Stop the page unless the signed-in role may open it (called by every page)."""
    identity = current()
    needed = page_role(page)
    if identity is None or not identity.may(needed):
        role = identity.role if identity else "nobody"
        st.error(f"This page needs the role {needed}; you are signed in as {role}.")
        st.stop()
    return identity
