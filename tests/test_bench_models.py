"""Where the build's time goes (etl/devtools/bench_models.py) and the dashboard server's script
timer (etl/devtools/bench_server.py): each statement is charged to the model it writes, every
model is reported, the published warehouse is left as it was (no timing assertions)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from etl.devtools.bench_models import model_of, time_models
from etl.devtools.bench_server import read_runs
from etl.warehouse.versions import resolve_live
from tests.helpers import load_sample, settings_with


def test_statements_are_charged_to_the_model_they_write() -> None:
    assert model_of("create or replace table ticket_repeats as\nwith x as (select 1) select * from x") == \
        "ticket_repeats"
    assert model_of("  create or replace temp table ticket_assistant_in_scope as select 1") == "ticket_assistant"
    assert model_of("delete from ticket_metrics where (source, ticket_id) in (select 1, 2)") == "ticket_metrics"
    assert model_of("insert into escalation_steps by name select * from escalation_steps_in_scope") == \
        "escalation_steps"
    assert model_of("create or replace view main.agent_error_rates as select 1") == "agent_error_rates"
    assert model_of("set preserve_insertion_order = false") == "other"


def test_every_model_is_timed_on_a_copy(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, {})
    load_sample(settings)
    live = resolve_live(settings.warehouse_path)
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    full = time_models(settings.warehouse_path)
    assert full["mode"] == "full"
    for mart in ("ticket_metrics", "ticket_repeats", "ticket_assistant", "ticket_completeness",
                 "escalation_steps", "dimension_values"):
        assert full["models"][mart] > 0, mart
    assert sum(full["models"].values()) <= full["total"] + 0.01
    assert list(full["models"].values()) == sorted(full["models"].values(), reverse=True)
    # the last run's tickets, as its refresh recomputed them
    assert time_models(settings.warehouse_path, incremental=True)["mode"] == "incremental"
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in live.parent.iterdir() if "bench-models" in p.name) == []


def test_script_runs_are_read_back_and_a_half_written_line_is_skipped(tmp_path: Path) -> None:
    log = tmp_path / "runs.jsonl"
    assert read_runs(log) == []
    run = {"start": 1.0, "end": 1.5, "seconds": 0.5, "fragment": False, "session": "s"}
    log.write_text(json.dumps(run) + "\n" + '{"start": 2.0, "en', encoding="utf-8")
    assert read_runs(log) == [run]
