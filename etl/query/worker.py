"""One ad hoc query in a process of its own, so that its limits hold for a whole process.

Why: DuckDB's memory_limit bounds its buffer manager, not every allocation (a query building
huge strings took a process to 3.1 GB under a 1.8 GiB setting), and its parser is not
interrupted by `con.interrupt()` (a long query text parsed for minutes past the time limit).
So the SQL page and `etl sql` run each query in a child `python -m etl.query.worker`:

- the child opens the warehouse with the guarded configuration (sqlguard.connect), then caps
  its own address space with setrlimit(RLIMIT_AS) at what it uses once connected plus the
  memory limit: no allocation of the query, inside DuckDB or not, can go beyond it;
- the parent (sqlguard.run_isolated / export_isolated) waits at most the time limit (counted from the start, so parse, plan and
  execution together) plus a short grace, then kills the child;
- the request and the answer (an Arrow table of the first rows, or the export's bytes, or
  the error) travel as pickles over the child's stdin/stdout; the parent only unpickles
  what its own child wrote.

The dashboard's own page queries do not come here (they are ours and parameterised; a
process per chart would cost its start-up each time).
"""

from __future__ import annotations

import os
import pickle
import resource
import sys
import threading
import time
from typing import Any

from etl.query.sqlguard import MEMORY_TITLE


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def parse_size(text: str | int) -> int:
    """'2GB', '1.5GiB', '512MB' or a number of bytes → bytes."""
    if isinstance(text, int):
        return text
    s = str(text).strip().upper().replace(" ", "")
    units = {"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40,
             "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "B": 1}
    for unit, factor in units.items():
        if s.endswith(unit):
            return int(float(s[: -len(unit)]) * factor)
    return int(float(s))


def _serve() -> None:
    """The child: read the request, answer it, exit."""
    request = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    try:
        answer = ("ok", _answer(request))
    except MemoryError:
        answer = ("error", "QueryFailed", "the query needed more memory than allowed", MEMORY_TITLE)
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent as a message
        from etl.core.errors import DeskError

        if isinstance(exc, DeskError):
            title = exc.title
            if "memory" in title.lower() or "memory" in exc.detail.lower():
                title = MEMORY_TITLE
            answer = ("error", type(exc).__name__, exc.detail, title)
        else:
            answer = ("error", "QueryFailed", f"{type(exc).__name__}: {exc}", "The query failed")
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("error", "QueryFailed", "the result needed more memory than allowed", MEMORY_TITLE))
    out.write(data)
    out.flush()


ADDRESS_SLACK = 256 << 20


def _answer(request: dict[str, Any]) -> Any:
    from etl.query import sqlguard

    limit = parse_size(request["memory"])
    con = sqlguard.connect(request["path"], memory_limit=str(limit) + "B", threads=request["threads"])
    # the time limit's timer runs in a thread: its stack and its malloc arena (glibc reserves
    # 64 MiB of address space per arena) are taken before the cap, by a thread that ends and
    # leaves both to be reused, so that starting the timer cannot fail under the cap
    threading.stack_size(1 << 20)
    warm = threading.Thread(target=lambda: bytearray(4096))
    warm.start()
    warm.join()
    # everything this process may still take: what it holds now, the limit, and a fixed
    # allowance for what lives outside DuckDB's accounting (thread stacks, malloc arenas,
    # the result's Python objects): without it even `select 1` can fail under load
    cap = _address_space() + limit + ADDRESS_SLACK
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    remaining = max(0.05, request["deadline"] - time.time())
    if request["mode"] == "export":
        return sqlguard.export(con, request["sql"], request["params"], fmt=request["fmt"], timeout=remaining,
                               max_query_bytes=request["max_query_bytes"])
    result = sqlguard.run(con, request["sql"], request["params"], timeout=remaining, max_rows=request["max_rows"],
                          max_query_bytes=request["max_query_bytes"])
    result.seconds = time.time() - request["started"]
    return result


if __name__ == "__main__":
    _serve()
