"""The benchmark at a small size: it completes and produces every figure, and our load and
the plain DuckDB copy hold the same number of rows (no timing assertions here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def test_small_benchmark_produces_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, "-m", "etl", "bench", "--sizes", "1500,3000", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert [r["tickets"] for r in report["results"]] == [1500, 3000]
    for r in report["results"]:
        # the cross-check: ours holds exactly the rows the plain copy holds (demo data has no rejects)
        assert r["rows_ours"] == r["rows_plain"] == r["rows_in_files"]
        assert r["rows_in_files"]["tickets"] == r["tickets"]  # (three empty counts would agree too)
        for step in ("generate", "load", "plain", "pandas", "incremental", "query_process"):
            assert r[step]["seconds"] > 0 and r[step]["rss_bytes"] > 0, step
        assert set(r["ratios"]) == {"load_vs_plain", "load_vs_pandas", "incremental_vs_full",
                                    "pages_default_vs_scan", "pages_filtered_vs_scan"}
        assert set(r["pages"]) == {"overview", "first_response", "resolution", "assistant", "escalations",
                                   "agent_quality", "process", "alerts", "data_health", "sql"}
        assert all(v["default"] > 0 and v["filtered"] > 0 for v in r["pages"].values())
        assert r["incremental_rows"] >= 2
    assert report["growth"][0]["from"] == 1500 and "load" in report["growth"][0]
    assert any("dashboard query process" in t["target"] for t in report["targets"])
    assert "ours/plain" in proc.stdout and "growth 1,500 → 3,000" in proc.stdout


def test_peak_memory_is_the_child_own_not_the_benchmark_process() -> None:
    """A step's RSS is its own process's peak, even when the benchmark process itself holds
    far more memory when it starts the step (Linux's ru_maxrss would report the parent's)."""
    from etl.devtools.bench import python_step, run_step

    ballast = bytearray(600 * 2**20)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    small, _ = run_step(python_step("x = 1"))
    big, _ = run_step(python_step("b = bytearray(300 * 2**20)\nfor i in range(0, len(b), 4096): b[i] = 1"))
    del ballast
    assert 0 < small.rss_bytes < 200 * 2**20
    assert 300 * 2**20 < big.rss_bytes < 500 * 2**20
