"""Incremental mart maintenance gives exactly what a full rebuild gives."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from etl.devtools.generate import generate
from etl.load.run import load, rebuild
from tests.helpers import SAMPLE, SAMPLE_AS_OF, query, settings_with

MARTS = ("ticket_metrics", "escalation_steps", "qa_reviews_scored", "dimension_values")


def contents(settings) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    return {m: query(settings, f"select * from {m} order by all") for m in MARTS}


def test_incremental_equals_full_rebuild(tmp_path: Path) -> None:
    s = settings_with(tmp_path, {})
    first = tmp_path / "batch1"
    generate(3000, seed=31, out=first)
    load([first], s, as_of=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    assert query(s, "select value from warehouse_meta where key = 'models_built'") == [("full",)]
    # a later export: every 7th ticket closed in a newer version, plus new tickets and events
    second = tmp_path / "batch2"
    generate(3000, seed=31, out=second)
    with (second / "tickets.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows[::7]:
        row.update(updated_at="2026-10-10 00:00:00", status="closed",
                   resolved_at=row["resolved_at"] or "2026-10-10 00:00:00")
    with (second / "tickets.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[::7])
    new = tmp_path / "batch3"
    generate(1500, seed=32, out=new)
    for f in new.glob("*.csv"):
        f.write_text(f.read_text(encoding="utf-8").replace('"T0', '"N0'), encoding="utf-8")
    result = load([second / "tickets.csv", new, SAMPLE], s, as_of=dt.datetime(2026, 10, 15, tzinfo=dt.UTC))
    assert result.published
    assert query(s, "select value from warehouse_meta where key = 'models_built'") == [("incremental",)]
    incremental = contents(s)
    assert all(incremental[m] for m in MARTS)  # (empty marts would be equal too)
    rebuild(s)  # the same data, every mart recomputed from scratch
    assert query(s, "select value from warehouse_meta where key = 'models_built'") == [("full",)]
    assert contents(s) == incremental
    # the filter lists: every value each dimension takes in ticket_metrics, the sample's too
    for dimension in ("source", "channel", "category", "priority", "team", "agent_id"):
        assert query(s, f"select value from dimension_values where dimension = '{dimension}' order by 1") == \
            query(s, f"select distinct {dimension} from ticket_metrics where {dimension} is not null order by 1")
    assert query(s, "select count(distinct dimension) from dimension_values") == [(6,)]


def test_changed_settings_force_a_full_rebuild(tmp_path: Path) -> None:
    s = settings_with(tmp_path, {})
    load([SAMPLE], s, as_of=SAMPLE_AS_OF)
    stricter = settings_with(tmp_path, {"sla": {"first_response": {"target_minutes": 60}}})
    extra = tmp_path / "one.csv"
    extra.write_text("ticket_id,created_at\nZ1,2026-01-12 09:00\n", encoding="utf-8")
    load([extra], stricter, as_of=SAMPLE_AS_OF)
    assert query(stricter, "select value from warehouse_meta where key = 'models_built'") == [("full",)]
    assert query(stricter, "select distinct frt_target_minutes from ticket_metrics") == [(60.0,)]
