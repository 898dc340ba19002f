"""Map free-form enumeration values (channel, category, status …) to canonical ones.

Mapping runs on the distinct raw values of a load (a few hundred at most), not per row,
and the result is handed to SQL as a small table that the merge joins on the raw value.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

VOCAB_FILE = Path(__file__).with_name("vocab.toml")
_BLANKS = re.compile(r"[\s_\-]+")


def normalise(value: str) -> str:
    """The matching key of a raw value: NFKC, lower case, blanks/_/- collapsed to one space."""
    return _BLANKS.sub(" ", unicodedata.normalize("NFKC", value)).strip().lower()


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, str]]:
    """field → {normalised synonym → canonical value}."""
    with VOCAB_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, dict[str, str]] = {}
    for fld, values in data.items():
        table: dict[str, str] = {}
        for canonical, synonyms in values.items():
            for word in [canonical, *synonyms]:
                key = normalise(word)
                if key in table and table[key] != canonical:
                    raise ValueError(f"vocab.toml: {word!r} maps to both {table[key]} and {canonical}")
                table[key] = canonical
        out[fld] = table
    return out


def canonical_values(fld: str) -> list[str]:
    return sorted(set(vocabulary()[fld].values()))


@dataclass
class MappingResult:
    """How the distinct raw values of one field were mapped, and what was not recognised."""

    fld: str
    mapping: dict[str, str | None]
    unknown: Counter[str] = field(default_factory=Counter)


def map_values(fld: str, raw_counts: dict[str, int], fallback: str | None = "other") -> MappingResult:
    """Map each distinct raw value; unknown ones go to `fallback` and are counted."""
    table = vocabulary()[fld]
    result = MappingResult(fld=fld, mapping={})
    for raw, count in raw_counts.items():
        key = normalise(raw)
        if not key:
            continue
        value = table.get(key)
        if value is None:
            result.unknown[raw] += count
            value = fallback
        result.mapping[raw] = value
    return result


def split_list(raw: str) -> list[str]:
    """Split a list cell such as error_types: ';' is canonical; ',', '，', '；', '、', '|' too."""
    return [part.strip() for part in re.split(r"[;,，；、|]", raw) if part.strip()]
