"""Who may see what: roles, and the local users file with salted password hashes.

Roles: viewer (the dashboard pages), analyst (+ the SQL page and ticket-level customer
fields), admin (+ data health and refresh controls). Users live in a TOML file beside the
warehouse (`[auth] users_file`, default data/users.toml, never in the repository) with
Argon2id hashes (argon2-cffi: a maintained implementation of the password-hashing
competition's winner, salted per user). When an identity provider is configured for
Streamlit's own login (OIDC, .streamlit/secrets.toml), it replaces the users file.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from etl.core.errors import ConfigError
from etl.core.settings import Settings

ROLES = ("viewer", "analyst", "admin")
_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
_hasher = PasswordHasher()


def rank(role: str | None) -> int:
    return ROLES.index(role) if role in ROLES else -1


def users_file(settings: Settings) -> Path:
    configured = settings.raw.get("auth", {}).get("users_file")
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else Path.cwd() / path
    return settings.warehouse_path.parent / "users.toml"


def load_users(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    users = data.get("users", {})
    for name, entry in users.items():
        if entry.get("role") not in ROLES or not str(entry.get("password", "")).startswith("$argon2"):
            raise ConfigError(f"{path}: user {name!r} needs a role ({', '.join(ROLES)}) and an Argon2 "
                              "password hash (python -m etl user add)")
    return users


def _write(path: Path, users: dict[str, dict[str, str]]) -> None:
    lines = ["# Users of the complaint-desk dashboard. Edit with: python -m etl user add|remove|list",
             "# Passwords are Argon2id hashes; this file must not be shared or committed.", ""]
    for name in sorted(users):
        lines += [f'[users."{name}"]', f'role = "{users[name]["role"]}"',
                  f'password = "{users[name]["password"]}"', ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".users-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def add_user(path: Path, name: str, role: str, password: str) -> None:
    if not _NAME.match(name):
        raise ConfigError(f"user name {name!r}: use letters, digits and . _ @ + - (at most 64)")
    if role not in ROLES:
        raise ConfigError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise ConfigError("the password must have at least 10 characters")
    users = load_users(path)
    users[name] = {"role": role, "password": _hasher.hash(password)}
    _write(path, users)


def remove_user(path: Path, name: str) -> bool:
    users = load_users(path)
    if name not in users:
        return False
    del users[name]
    _write(path, users)
    return True


def verify(path: Path, name: str, password: str) -> str | None:
    """The user's role if the password is right, else None."""
    entry = load_users(path).get(name)
    if entry is None:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    try:
        _hasher.verify(entry["password"], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return entry["role"]
