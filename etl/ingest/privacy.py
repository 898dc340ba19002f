"""Personal data: customer identifiers are stored as salted hashes, free text is scrubbed of
phone numbers, e-mail and wallet addresses (the SQL macros hash_customer and scrub_pii in
etl/sql/staging/macros.sql do the work, set-wise, at load).

The salt is DESK_CUSTOMER_SALT when set, else a random one kept beside the warehouse in
`.customer-salt` (created on the first load, readable by its owner only). Keep it: a new
salt gives the same customer a new key from then on. It is never in the repository.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from etl.core.settings import Settings


def salt_path(settings: Settings) -> Path:
    return settings.warehouse_path.parent / ".customer-salt"


def customer_salt(settings: Settings) -> str:
    env = os.environ.get("DESK_CUSTOMER_SALT")
    if env:
        return env
    path = salt_path(settings)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another load created it a moment ago
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value
