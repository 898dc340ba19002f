"""Saved queries and the shipped examples of the SQL page."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import saved
from tests.helpers import ROOT


def test_save_replace_delete(tmp_path: Path) -> None:
    path = saved.path_for(tmp_path / "warehouse.duckdb")
    saved.save(path, "b query", "select 2", "ana")
    saved.save(path, "A query", "select 1", "ana")
    saved.save(path, "b query", "select 3", "bob")  # same name: replaced
    assert [(q["name"], q["sql"], q["saved_by"]) for q in saved.load(path)] == [
        ("A query", "select 1", "ana"), ("b query", "select 3", "bob")]
    saved.delete(path, "A query")
    assert [q["name"] for q in saved.load(path)] == ["b query"]
    with pytest.raises(ValueError):
        saved.save(path, " ", "select 1", "ana")
    path.write_text("not json", encoding="utf-8")
    assert saved.load(path) == []


def test_examples_are_titled_and_allowed() -> None:
    from etl.query import sqlguard

    examples = saved.examples(ROOT / "dashboard" / "sql" / "examples")
    assert len(examples) >= 8
    for title, sql in examples:
        assert title and not title.endswith(".sql")
        sqlguard.check(sql)  # every example passes the guard
