"""The browser benchmark at a small size: it runs against a real dashboard in headless
Chromium and reports every figure, alone and with two sessions at once and a publish (no timing
assertions: the figures are the benchmark's, not the tests')."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def test_users_do_not_see_the_developer_toolbar() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "viewer"


def test_no_full_garbage_collection_after_every_script_run() -> None:
    """Streamlit's default collects all generations after each run (a quarter of a page's
    server time at 1 M tickets, holding the interpreter lock every session needs)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False


def test_small_browser_benchmark_reports_every_figure(tmp_path: Path) -> None:
    from etl.core.settings import load_settings
    from etl.devtools import bench_browser
    from etl.devtools.generate import generate
    from etl.load.run import load

    if not Path(bench_browser.CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    info = generate(1500, seed=3, out=tmp_path / "demo")
    settings = load_settings(db=tmp_path / "wh" / "warehouse.duckdb")
    load([tmp_path / "demo"], settings, as_of=info.as_of)
    figures = bench_browser.run(settings.warehouse_path, rounds=1, users=(2,), seconds=4,
                                pages=("", "assistant", "data_health"))
    assert set(figures["pages"]) == {"overview", "assistant", "data_health"}
    assert "_errors" not in figures["pages"] and figures.get("errors", []) == []
    # the assistant's target slider (an input of type range) was moved, and back
    assert figures["pages"]["assistant"]["widget_median"] > 0
    overview = figures["pages"]["overview"]
    for key in ("warm_median", "cold_median", "filter_median", "language_median", "kib_warm", "kib_cold"):
        assert overview[key] is not None and overview[key] > 0, key
    assert figures["pages"]["data_health"]["filter_median"] is None  # no filters on that page
    runs = {c["users"]: c for c in figures["concurrency"]}
    assert set(runs) == {2}
    for c in runs.values():
        assert c["pages_opened"] > 0 and c["p50"] > 0 and c["p95"] >= c["p50"]
        assert c["error_count"] == 0, c["errors"]
        # the sessions went on until they opened pages after the publish, and those showed the new
        # version (a session whose browser came up only after the publish began is not checked)
        assert c["sessions_checked"] >= 1 and c["sessions_saw_new_version"] == c["sessions_checked"], c
        assert c["server_peak_rss_mib"] > 50
        # where the machine's time went: the server ran scripts, the cores' busy time splits
        # into the server's, the publish's and the browsers' (shares of it, summing to one)
        assert c["script_runs"] > 0 and 0 < c["server_run_p50"] <= c["server_run_p95"]
        assert 0 < c["cpu_busy_share"] <= 1
        shares = (c["cpu_server_share"], c["cpu_publish_share"], c["cpu_other_share"])
        assert all(0 < x < 1 for x in shares) and sum(shares) == pytest.approx(1, abs=0.01), c
    # the report's lines: one per page, one per N with where the cores' time went
    printed = bench_browser.lines(1500, figures)
    assert len(printed) == 4 and printed[0].startswith("1,500 browser overview: warm ")
    assert "2 at once" in printed[3] and "busy, of it the server" in printed[3]
    # the 1 M targets applied to these figures: one line per figure, none for a missing run of 10
    verdicts = [t for t, _figure, _met in bench_browser.verdicts(1_000_000, figures)]
    assert [v for v in verdicts if v.startswith("every page")] == [
        "every page warm ≤ 0.8 s at 1,000,000", "every page cold ≤ 2.0 s at 1,000,000",
        "every page filter ≤ 1.0 s at 1,000,000"]
    assert not any("10 users" in v for v in verdicts)
    assert ("one user: every step without error", "0", True) in bench_browser.verdicts(1_000_000, figures)
