"""The canonical export format: the four file kinds, their columns, and how a header
is recognised as one of them. docs/EXPORT_FORMAT.md describes the same in words."""

from __future__ import annotations

import re
import unicodedata

KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": (
        "ticket_id", "created_at", "updated_at", "channel", "category", "subcategory",
        "priority", "status", "team", "agent_id", "first_response_at", "resolved_at",
        "closed_at", "escalation_level", "escalated_at", "reopen_count", "csat",
        "customer_id", "language", "subject", "frt_sla_reported",
        "first_response_minutes_reported", "resolution_minutes_reported",
        # optional record fields (issue 18): what the record must hold per category (ticket_completeness)
        "account_id", "transaction_id", "transaction_at", "amount", "currency", "resolution_note",
    ),
    "events": ("ticket_id", "event_at", "event_type", "actor_id", "actor_role", "detail"),
    "qa_reviews": (
        "review_id", "ticket_id", "agent_id", "reviewed_at", "reviewer_id", "score",
        "error_types", "comment",
    ),
    "agents": ("agent_id", "name", "team", "tier", "hired_on", "languages"),
}

# Record fields a profile may map although few exports have them: a file without them gets no
# "has no column for" note (etl/ingest/canonical.py).
OPTIONAL_RECORD_FIELDS = frozenset({"account_id", "transaction_id", "transaction_at", "amount", "currency",
                                    "resolution_note"})

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": ("ticket_id", "created_at"),
    "events": ("ticket_id", "event_at", "event_type"),
    "qa_reviews": ("review_id", "ticket_id"),
    "agents": ("agent_id",),
}

# The warehouse table each kind loads into.
KIND_TABLE = {"tickets": "tickets", "events": "ticket_events", "qa_reviews": "qa_reviews",
              "agents": "agents"}

_HEADER_RE = re.compile(r"[\s\-]+")


def normalise_header(name: str) -> str:
    """'Ticket ID' → 'ticket_id'; a UTF-8 BOM, case and blanks do not matter."""
    name = unicodedata.normalize("NFKC", name).replace("\ufeff", "").strip().lower()
    return _HEADER_RE.sub("_", name)


def detect_kind(headers: list[str]) -> str | None:
    """The kind whose signature the normalised header set carries, or None."""
    cols = set(headers)
    if "review_id" in cols and "ticket_id" in cols:
        return "qa_reviews"
    if {"ticket_id", "event_at", "event_type"} <= cols:
        return "events"
    if {"ticket_id", "created_at"} <= cols:
        return "tickets"
    if "agent_id" in cols and "ticket_id" not in cols and cols & {"name", "hired_on", "tier", "team"}:
        return "agents"
    return None
