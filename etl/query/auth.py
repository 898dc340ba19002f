"""Who may see what: roles, and the local users file with salted password hashes.

Roles: viewer (the dashboard pages), analyst (+ the SQL page and ticket-level customer
fields), admin (+ data health and refresh controls). Users live in a TOML file beside the
warehouse (`[auth] users_file`, default data/users.toml, never in the repository) with
Argon2id hashes (argon2-cffi: a maintained implementation of the password-hashing
competition's winner, salted per user). When an identity provider is configured for
Streamlit's own login (OIDC, .streamlit/secrets.toml), it replaces the users file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


# --------------------------------------------------------------------------- sign-in throttle
# Failed sign-ins are counted per user name and per client address, in a small JSON file
# beside the users file (shared by every browser session and process, kept over restarts):
# each failure doubles the wait before the next check; `max_failures` within the window lock
# the name (or the client) for `lockout_minutes`, during which even the right password is
# refused with the same message. Lockouts are logged as JSON lines in security.log beside it.

@dataclass(frozen=True)
class ThrottleSettings:
    max_failures: int = 5          # failures of one user name that lock it out
    max_failures_per_client: int = 20  # failures from one client address (any names) that lock it out;
    #                                    higher: colleagues behind one proxy share an address
    lockout_seconds: float = 900   # how long a lockout lasts
    delay_seconds: float = 1.0     # wait after the first failure, doubled after each further one
    max_delay_seconds: float = 30.0
    window_seconds: float = 900    # failures older than this (since the last one) are forgotten

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottleSettings:
        cfg = settings.raw.get("auth", {})
        return cls(max_failures=int(cfg.get("max_failures", 5)),
                   max_failures_per_client=int(cfg.get("max_failures_per_client", 20)),
                   lockout_seconds=float(cfg.get("lockout_minutes", 15)) * 60,
                   delay_seconds=float(cfg.get("failure_delay_seconds", 1.0)),
                   max_delay_seconds=float(cfg.get("max_failure_delay_seconds", 30.0)),
                   window_seconds=float(cfg.get("failure_window_minutes", 15)) * 60)


@dataclass(frozen=True)
class Gate:
    locked: bool        # refuse whatever the password
    delay: float        # seconds to wait before checking the password


MAX_ENTRIES = 10_000    # names and clients remembered (the oldest are dropped beyond it)


class Throttle:
    """Failed sign-in attempts per user name and per client, in `path` (JSON, mode 600)."""

    def __init__(self, path: Path, limits: ThrottleSettings = ThrottleSettings(), *,
                 clock: Callable[[], float] = time.time, log: Path | None = None) -> None:
        self.path = path
        self.limits = limits
        self.clock = clock
        self.log = log if log is not None else path.parent / "security.log"

    @classmethod
    def for_settings(cls, settings: Settings) -> Throttle:
        return cls(users_file(settings).parent / ".signin-attempts.json", ThrottleSettings.from_settings(settings))

    @staticmethod
    def keys(name: str, client: str | None) -> list[str]:
        return [f"user:{name.strip().lower()[:128]}", f"client:{client or 'local'}"]

    def gate(self, name: str, client: str | None) -> Gate:
        state = self._read()
        now = self.clock()
        locked, delay = False, 0.0
        for key in self.keys(name, client):
            entry = self._live(state.get(key), now)
            if entry is None:
                continue
            if entry.get("locked_until", 0) > now:
                locked = True
            failures = int(entry.get("failures", 0)) * self.limits.max_failures // self._threshold(key)
            if failures:
                delay = max(delay, min(self.limits.max_delay_seconds,
                                       self.limits.delay_seconds * 2 ** (failures - 1)))
        return Gate(locked, delay)

    def failed(self, name: str, client: str | None) -> bool:
        """Count a failure; True when it starts a lockout."""
        started = False
        with self._locked_state() as state:
            now = self.clock()
            for key in self.keys(name, client):
                entry = self._live(state.get(key), now) or {"failures": 0}
                if entry.get("locked_until", 0) > now:
                    continue  # refused during a lockout: the lockout is not extended
                entry["failures"] = int(entry.get("failures", 0)) + 1
                entry["last"] = now
                if entry["failures"] >= self._threshold(key):
                    entry["locked_until"] = now + self.limits.lockout_seconds
                    entry["failures"] = 0
                    started = True
                    self._log({"event": "signin_lockout", "key": key, "user": name[:128], "client": client or "local",
                               "until": _iso(entry["locked_until"]), "minutes": self.limits.lockout_seconds / 60})
                state[key] = entry
        return started

    def succeeded(self, name: str, client: str | None) -> None:
        """A right password outside a lockout: the name's count starts again (the client's
        is left to expire, so that one's own account cannot wipe a spray of guesses)."""
        with self._locked_state() as state:
            state.pop(self.keys(name, client)[0], None)

    def _threshold(self, key: str) -> int:
        return max(1, self.limits.max_failures if key.startswith("user:") else self.limits.max_failures_per_client)

    # -- storage
    def _live(self, entry: dict[str, Any] | None, now: float) -> dict[str, Any] | None:
        if entry is None:
            return None
        if entry.get("locked_until", 0) > now:
            return entry
        if now - float(entry.get("last", 0)) > self.limits.window_seconds:
            return None  # forgotten
        return {k: v for k, v in entry.items() if k != "locked_until"}

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @contextlib.contextmanager
    def _locked_state(self) -> Iterator[dict[str, Any]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._read()
            yield state
            now = self.clock()
            kept = {k: v for k, v in state.items() if self._live(v, now) is not None}
            if len(kept) > MAX_ENTRIES:
                kept = dict(sorted(kept.items(), key=lambda kv: kv[1].get("last", 0))[-MAX_ENTRIES:])
            fd, tmp = tempfile.mkstemp(prefix=".signin-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(kept, fh)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            os.close(lock)

    def _log(self, record: dict[str, Any]) -> None:
        line = json.dumps({"at": _iso(self.clock()), **record}, ensure_ascii=False)
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds")


def sign_in(settings: Settings, name: str, password: str, client: str | None, *,
            throttle: Throttle | None = None, sleep: Callable[[float], None] = time.sleep) -> str | None:
    """The user's role, or None: a wrong password, or any password while the name or the
    client is locked out (the caller shows one message for both)."""
    throttle = throttle or Throttle.for_settings(settings)
    gate = throttle.gate(name, client)
    if gate.delay:
        sleep(gate.delay)
    role = verify(users_file(settings), name, password)  # also during a lockout: the same time
    if gate.locked:
        return None
    if role is None:
        throttle.failed(name, client)
        return None
    throttle.succeeded(name, client)
    return role
