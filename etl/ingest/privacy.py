"""Personal data: customer identifiers are stored as salted hashes, free text is scrubbed of
phone, card, ID and IBAN numbers, e-mail and wallet addresses (the SQL macros hash_customer
and scrub_pii in etl/sql/staging/macros.sql do the work, set-wise, at load), before anything
is stored: loaded rows, rejected rows' raw records and the warnings that quote a value
(docs/DECISIONS.md, "Personal data").

The salt is DESK_CUSTOMER_SALT when set, else a random one kept beside the warehouse in
`.customer-salt` (created on the first load, readable by its owner only). Keep it: a new
salt gives the same customer a new key from then on. It is never in the repository, and never
leaves its file or the environment: it reaches SQL only as a bound parameter ($salt), and no
log line, warning, reject or table holds it (tests/test_security_pii.py).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from etl.core.settings import Settings


def salt_path(settings: Settings) -> Path:
    return settings.warehouse_path.parent / ".customer-salt"


@dataclass(frozen=True)
class Privacy:
    """What a load does to personal data: the [privacy] settings and the salt ("" when
    customer ids are not hashed). `params` are the merges' and staging's SQL parameters."""

    hash_customers: bool
    scrub_text: bool
    salt: str = ""

    def __repr__(self) -> str:  # never the salt, not even in a traceback's locals
        return f"Privacy(hash_customers={self.hash_customers}, scrub_text={self.scrub_text})"

    @property
    def params(self) -> dict[str, object]:
        return {"salt": self.salt, "hash_customers": self.hash_customers, "scrub_text": self.scrub_text}


def privacy(settings: Settings) -> Privacy:
    """The privacy of a load with these settings (reads or creates the salt when hashing)."""
    return Privacy(hash_customers=settings.hash_customer_ids, scrub_text=settings.scrub_free_text,
                   salt=customer_salt(settings) if settings.hash_customer_ids else "")


def customer_salt(settings: Settings) -> str:
    env = os.environ.get("DESK_CUSTOMER_SALT")
    if env:
        return env
    path = salt_path(settings)
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another load created it a moment ago
        value = path.read_text(encoding="utf-8").strip()
        return value
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value
