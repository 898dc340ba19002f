"""The scheduled refresh under faults. Each test proves: nothing lost, nothing doubled, and
every file reconciles (rows read = loaded + rejected + skipped)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from etl.core.errors import InputError
from etl.devtools.generate import generate
from etl.load.run import load
from etl.refresh import EXIT_FATAL, EXIT_LOCKED, EXIT_OK, EXIT_PARTIAL, refresh, rollback
from etl.warehouse.versions import point_live_to, published_versions, resolve_live, version_path
from tests.helpers import ROOT, SAMPLE, SAMPLE_AS_OF, query, settings_with

KILL_ROUNDS = 8  # kills of a running refresh (test_killed_refresh_loses_nothing_and_doubles_nothing)


def make_settings(tmp_path: Path, settle: float = 0, keep: int = 3):  # type: ignore[no-untyped-def]
    return settings_with(tmp_path, {"refresh": {"inbox": str(tmp_path / "inbox"), "settle_seconds": settle,
                                                "keep_versions": keep}})


def quiet(*_a, **_k) -> None:  # a log that keeps nothing
    return None


def events(lines: list[dict], name: str) -> list[dict]:
    return [e for e in lines if e["event"] == name]


def collect() -> tuple[list[dict], object]:
    lines: list[dict] = []

    def log(event: str, **fields) -> None:  # type: ignore[no-untyped-def]
        lines.append({"event": event, **fields})

    return lines, log


def reconciled(settings) -> None:  # type: ignore[no-untyped-def]
    bad = query(settings, "select path from load_files where status = 'loaded' "
                          "and rows_read <> rows_loaded + rows_rejected + rows_skipped")
    assert bad == []
    assert query(settings, "select count(*) - count(distinct (source, ticket_id)) from tickets") == [(0,)]


def drop(inbox: Path, *files: Path, names: list[str] | None = None) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(files):
        shutil.copyfile(f, inbox / (names[i] if names else f.name))


def state(db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(resolve_live(db)), read_only=True)
    try:
        v = int(con.execute("select value from warehouse_meta where key = 'version'").fetchall()[0][0])
        return v, con.execute("select count(*) from ticket_metrics").fetchall()[0][0]
    finally:
        con.close()


def test_refresh_loads_archives_and_reports(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    drop(s.inbox, *SAMPLE.glob("*.csv"))
    lines, log = collect()
    result = refresh(s, log=log)
    assert result.exit_code == EXIT_OK
    assert sorted(result.loaded) == sorted(p.name for p in SAMPLE.glob("*.csv"))
    assert list(s.inbox.glob("*.csv")) == []
    assert len(list((s.inbox / "archive").rglob("*.csv"))) == 5
    assert events(lines, "published")[0]["version"] == 1
    reconciled(s)
    # nothing new: exit 0, nothing published
    again = refresh(s, log=quiet)
    assert again.exit_code == EXIT_OK and again.run is None


def test_same_file_twice_renamed_and_overlapping(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    drop(s.inbox, SAMPLE / "tickets.csv", SAMPLE / "tickets.csv", names=["a.csv", "b.csv"])
    first = refresh(s, log=quiet)
    assert first.exit_code == EXIT_OK
    assert first.loaded == ["a.csv"] and first.already_loaded == ["b.csv"]
    count = query(s, "select count(*) from tickets")[0][0]
    # the same export again under a third name, then an overlapping later export
    drop(s.inbox, SAMPLE / "tickets.csv", names=["c.csv"])
    drop(s.inbox, SAMPLE / "tickets_update.csv")
    second = refresh(s, log=quiet)
    assert second.already_loaded == ["c.csv"] and second.loaded == ["tickets_update.csv"]
    assert query(s, "select count(*) from tickets")[0][0] == count + 1  # T10 only
    assert query(s, "select status from tickets where ticket_id = 'T9'") == [("solved",)]   # newer wins
    assert query(s, "select status from tickets where ticket_id = 'T1'") == [("solved",)]   # older lost
    reconciled(s)


def test_bad_files_set_aside_with_reasons_others_load(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    inbox = s.inbox
    drop(inbox, SAMPLE / "tickets.csv")
    text = (SAMPLE / "tickets_update.csv").read_text(encoding="utf-8")
    (inbox / "truncated.csv").write_text(text[: text.rindex("\n", 0, len(text) - 1) + 25], encoding="utf-8")
    (inbox / "truncated.json").write_text('[{"ticket_id": "J1", "created_at": "2026-01-05 09:00"}, {"tick',
                                          encoding="utf-8")
    (inbox / "binary.csv").write_bytes(bytes(range(256)) * 40)
    (inbox / "empty.csv").write_bytes(b"")
    (inbox / "other-kind.csv").write_text("order_no,amount\n1,20\n", encoding="utf-8")
    (inbox / "header-only.csv").write_text("ticket_id,created_at\n", encoding="utf-8")
    (inbox / "slides.pptx").write_bytes(b"PK\x03\x04")
    result = refresh(s, log=quiet)
    assert result.exit_code == EXIT_PARTIAL
    assert sorted(result.failed) == ["binary.csv", "empty.csv", "other-kind.csv", "slides.pptx", "truncated.json"]
    for name in result.failed:
        reason = (inbox / "failed" / f"{name}.reason.txt").read_text(encoding="utf-8")
        assert name in reason and len(reason) > 40
    assert "empty" in result.failed["empty.csv"]
    assert "no mapping profile fits" in result.failed["other-kind.csv"]
    assert "encoding" in result.failed["binary.csv"]
    assert sorted(result.loaded) == ["header-only.csv", "tickets.csv", "truncated.csv"]
    # the truncated CSV's cut record is rejected with its reason; its whole records loaded
    cut = query(s, "select reason_code from rejects where source_file = 'truncated.csv'")
    assert cut == [("malformed_line",)]
    assert query(s, "select count(*) from load_files where file_name = 'header-only.csv' and rows_read = 0") == [(1,)]
    reconciled(s)


def test_file_still_being_written_waits(tmp_path: Path) -> None:
    s = make_settings(tmp_path, settle=1.0)
    drop(s.inbox, SAMPLE / "tickets.csv")
    growing = s.inbox / "growing.csv"
    growing.write_text("ticket_id,created_at\n", encoding="utf-8")
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            with growing.open("a", encoding="utf-8") as fh:
                fh.write(f"G{n},2026-01-05 09:00\n")
            n += 1
            time.sleep(0.05)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = refresh(s, log=quiet)
    finally:
        stop.set()
        thread.join()
    assert result.unsettled == ["growing.csv"] and result.loaded == ["tickets.csv"]
    assert growing.exists()
    time.sleep(1.1)
    later = refresh(s, log=quiet)
    assert later.loaded == ["growing.csv"]
    rows = growing.name
    assert query(s, "select rows_read = rows_loaded from load_files where file_name = ?", [rows]) == [(True,)]
    reconciled(s)


def test_two_refreshes_at_once_exactly_one_runs(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    drop(s.inbox, *SAMPLE.glob("*.csv"))
    cfg = tmp_path / "slow.toml"
    cfg.write_text(f'[refresh]\ninbox = "{s.inbox}"\nsettle_seconds = 3\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "etl", "refresh", "--db", str(s.warehouse_path), "--config", str(cfg)]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [EXIT_OK, EXIT_LOCKED], outs
    locked = outs[[p.returncode for p in procs].index(EXIT_LOCKED)]
    assert json.loads(locked.strip().splitlines()[-1])["event"] == "lock_held"
    assert state(s.warehouse_path)[0] == 1
    reconciled(s)


@pytest.mark.slow
def test_killed_refresh_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    load([SAMPLE], s, as_of=SAMPLE_AS_OF)
    good = resolve_live(s.warehouse_path)
    state_a = state(s.warehouse_path)
    batch = tmp_path / "batch"
    # (4,000 tickets: a load's time here is mostly its fixed steps; 12,000 before)
    generate(4_000, seed=8, out=batch)
    files = sorted(batch.glob("*.csv"))
    # no settling wait (the default 2 s sleep before a load, during which a kill proves
    # nothing new): the kills land in the refresh's work, not in a sleep
    cfg = tmp_path / "no-settle.toml"
    cfg.write_text("[refresh]\nsettle_seconds = 0\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "etl", "refresh", "--db", str(s.warehouse_path), "--inbox", str(s.inbox),
           "--config", str(cfg)]
    env = {**os.environ, "DESK_CONFIG": ""}

    saved = tmp_path / "good.duckdb"
    shutil.copyfile(good, saved)

    def reset() -> None:
        # back to the first state, as a rollback would; its version file may have been
        # pruned since (every publish takes a new number, three are kept)
        if not good.exists():
            shutil.copyfile(saved, good)
        point_live_to(s.warehouse_path, good)
        shutil.rmtree(s.inbox, ignore_errors=True)
        drop(s.inbox, *files)

    reset()
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    duration = time.monotonic() - started
    state_b = state(s.warehouse_path)
    assert state_b[1] > state_a[1]

    # one kill in each of KILL_ROUNDS equal slices of the run (and a little beyond its end),
    # at a random point inside the slice: every phase longer than a slice (start-up, staging,
    # merge, models, checks, publish, archiving) is hit on every run, shorter ones by chance
    # (before: up to 20 kills at uniform random points, cut short by a 45 s deadline)
    rng = random.Random(5)
    window = duration * 1.1
    kill_at = [(k + rng.random()) * window / KILL_ROUNDS for k in range(KILL_ROUNDS)]
    seen = {"old": 0, "new": 0}
    for delay in kill_at:
        reset()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = state(s.warehouse_path)
        assert now[1] in (state_a[1], state_b[1]), (delay, now)
        seen["new" if now[1] == state_b[1] else "old"] += 1
        # the next refresh completes the work exactly once, and empties the inbox (run in
        # this process: the same refresh() as the command's, without its start-up time)
        assert refresh(s, log=quiet).exit_code == EXIT_OK
        assert state(s.warehouse_path)[1] == state_b[1]
        assert list(s.inbox.glob("*.csv")) == []
        reconciled(s)
    assert seen["old"] > 0


@pytest.mark.slow
def test_reader_during_refreshes_sees_only_published_states(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    load([SAMPLE], s, as_of=SAMPLE_AS_OF)
    probe = ("import duckdb, json, os, sys, time\n"
             "db, end = sys.argv[1], time.time() + float(sys.argv[2]); seen = set(); errors = []\n"
             "while time.time() < end:\n"
             "    try:\n"
             "        c = duckdb.connect(os.path.realpath(db), read_only=True)\n"
             "        v = c.execute(\"select value from warehouse_meta where key = 'version'\").fetchall()[0][0]\n"
             "        n = c.execute('select count(*) from ticket_metrics').fetchall()[0][0]\n"
             "        c.close(); seen.add((int(v), n))\n"
             "    except Exception as e:\n"
             "        errors.append(repr(e))\n"
             "print(json.dumps({'seen': sorted(seen), 'errors': errors[:5]}))\n")
    reader = subprocess.Popen([sys.executable, "-c", probe, str(s.warehouse_path), "10"], stdout=subprocess.PIPE,
                              text=True)
    published = {state(s.warehouse_path)}
    for i in range(3):
        folder = tmp_path / f"b{i}"
        generate(3_000, seed=40 + i, out=folder)
        for f in folder.glob("*.csv"):
            f.write_text(f.read_text(encoding="utf-8").replace('"T0', f'"R{i}'), encoding="utf-8")
        drop(s.inbox, *folder.glob("*.csv"), names=[f"{i}-{f.name}" for f in folder.glob("*.csv")])
        assert refresh(s, log=quiet).exit_code == EXIT_OK
        published.add(state(s.warehouse_path))
    report = json.loads(reader.communicate(timeout=60)[0])
    assert report["errors"] == []
    seen = {tuple(x) for x in report["seen"]}
    assert seen <= published, seen - published
    reconciled(s)


def test_disk_full_keeps_previous_warehouse(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    load([SAMPLE], s, as_of=SAMPLE_AS_OF)
    before = state(s.warehouse_path)
    live_bytes = resolve_live(s.warehouse_path).read_bytes()
    batch = tmp_path / "batch"
    generate(20_000, seed=2, out=batch)
    drop(s.inbox, *batch.glob("*.csv"))
    limit = len(live_bytes) + 200_000  # room for the copy, not for the new state
    script = ("import resource, signal, sys\n"
              "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
              f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
              "from etl.__main__ import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", script, "refresh", "--db", str(s.warehouse_path), "--inbox",
                           str(s.inbox)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "DESK_CONFIG": ""})
    assert proc.returncode == EXIT_FATAL, proc.stdout + proc.stderr
    last = [json.loads(line) for line in proc.stdout.splitlines()]
    failed = events(last, "load_failed")
    assert failed and "unchanged" in failed[0]["error"]
    assert state(s.warehouse_path) == before
    assert resolve_live(s.warehouse_path).read_bytes() == live_bytes
    assert sorted(p.name for p in s.inbox.glob("*.csv")) == sorted(p.name for p in batch.glob("*.csv"))
    assert [p.name for p in s.warehouse_path.parent.iterdir() if ".build-" in p.name] == []
    # with room again, the same inbox loads completely
    assert refresh(s, log=quiet).exit_code == EXIT_OK
    reconciled(s)


def test_rollback_and_kept_versions(tmp_path: Path) -> None:
    s = make_settings(tmp_path, keep=2)
    for name in ("tickets.csv", "tickets_update.csv", "events.csv"):
        drop(s.inbox, SAMPLE / name)
        refresh(s, log=quiet)
    assert [p.name for p in published_versions(s.warehouse_path)] == ["v000002.duckdb", "v000003.duckdb"]
    assert state(s.warehouse_path)[0] == 3
    before, after = rollback(s)
    assert (before.name, after.name) == ("v000003.duckdb", "v000002.duckdb")
    assert state(s.warehouse_path)[0] == 2
    with pytest.raises(InputError, match="oldest version kept"):
        rollback(s)
    proc = subprocess.run([sys.executable, "-m", "etl", "rollback", "--db", str(s.warehouse_path), "--to", "3"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and "v000003" in proc.stdout
    assert state(s.warehouse_path)[0] == 3


def test_a_publish_after_a_rollback_takes_a_new_version_number(tmp_path: Path) -> None:
    """Rolled back from v3 to v2, the next publish is v4: it must not replace v3's file,
    which a running dashboard may still hold open (and cache results for) under that name."""
    s = make_settings(tmp_path, keep=3)
    for name in ("tickets.csv", "tickets_update.csv"):
        drop(s.inbox, SAMPLE / name)
        refresh(s, log=quiet)
    v2 = version_path(s.warehouse_path, 2)
    v2_bytes = v2.read_bytes()
    rollback(s)
    assert resolve_live(s.warehouse_path).name == "v000001.duckdb"
    drop(s.inbox, SAMPLE / "events.csv")
    refresh(s, log=quiet)
    assert resolve_live(s.warehouse_path).name == "v000003.duckdb"
    assert state(s.warehouse_path)[0] == 3
    assert v2.read_bytes() == v2_bytes  # the version rolled back from is kept as it was
    # rolling back again returns to what v3 was built on (v1), not to the v2 rolled back from
    before, after = rollback(s)
    assert (before.name, after.name) == ("v000003.duckdb", "v000001.duckdb")
