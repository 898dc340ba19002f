"""The dashboard's server for the browser benchmark, with a timer on every script run.

    DESK_BENCH_TIMINGS=/tmp/runs.jsonl python -m etl.devtools.bench_server run dashboard/app.py ...

The same `streamlit` command line, with Streamlit's ScriptRunner._run_script wrapped: each
script run (a full rerun, or a fragment's) appends one JSON line to the file
DESK_BENCH_TIMINGS names: {"start", "end" (time.monotonic(), which on Linux is one clock
for every process), "seconds", "fragment", "session"}. The browser benchmark
(etl/devtools/bench_browser.py) sums the runs that ended inside a timed step: the server's
share of that step; the rest is the network and the frontend. Nothing is written (and
nothing is wrapped) without the variable: the shipped dashboard has no timer.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()


def install(path: Path) -> None:
    """Wrap ScriptRunner._run_script so that every run is appended to `path`."""
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.ScriptRunner._run_script

    def timed(self: Any, rerun_data: Any) -> None:
        start = time.monotonic()
        try:
            original(self, rerun_data)
        finally:
            end = time.monotonic()
            line = json.dumps({"start": start, "end": end, "seconds": round(end - start, 4),
                               "fragment": bool(rerun_data.fragment_id_queue),
                               "session": getattr(self, "_session_id", "")})
            with _LOCK, path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")

    script_runner.ScriptRunner._run_script = timed  # type: ignore[method-assign]


def read_runs(path: Path) -> list[dict[str, Any]]:
    """The script runs recorded so far (a line being written is skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def main() -> None:
    target = os.environ.get("DESK_BENCH_TIMINGS")
    if target:
        install(Path(target))
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
