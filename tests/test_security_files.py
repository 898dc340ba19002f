"""Hostile files: links out of the inbox, private modes, rich markup and control characters in
data, files that are not line-structured, unexpected errors. docs/SECURITY.md."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from etl.core.errors import InputError
from etl.load.run import load
from etl.refresh import EXIT_FATAL, EXIT_PARTIAL, json_logger, refresh
from tests.helpers import ROOT, SAMPLE, SAMPLE_AS_OF, query, settings_with

SECRET = "SECRET-SALT-0123456789abcdef"
AS_OF = "2026-01-13T00:00:00+08:00"


def etl(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT), **(env or {})},
                          timeout=300)


def inbox_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return settings_with(tmp_path, {"refresh": {"inbox": str(tmp_path / "inbox"), "settle_seconds": 0}})


def everything_written(tmp_path: Path, log: str) -> str:
    """The JSON log, every reason file and the run log, as one text."""
    texts = [log]
    for p in tmp_path.rglob("*"):
        if p.is_symlink() or not p.is_file():
            continue
        if p.name.endswith(".reason.txt") or p.name == "etl-runs.jsonl":
            texts.append(p.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def secret_file(tmp_path: Path) -> Path:
    """Stands for data/.customer-salt (or any file the sync job must not read)."""
    path = tmp_path / "private" / ".customer-salt"
    path.parent.mkdir()
    path.write_text(SECRET + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


# 1. links ------------------------------------------------------------------------------------

def test_inbox_refuses_links_and_never_quotes_their_targets(tmp_path: Path) -> None:
    s = inbox_settings(tmp_path)
    inbox = s.inbox
    inbox.mkdir()
    secret = secret_file(tmp_path)
    shutil.copyfile(SAMPLE / "tickets.csv", inbox / "tickets.csv")
    (inbox / "salt.csv").symlink_to(secret)
    (inbox / "passwd.csv").symlink_to("/etc/passwd")
    (inbox / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    (inbox / "x.reason.txt").symlink_to(secret)          # would pass for a reason file in failed/
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "more.csv").write_text(SECRET + ",x\n1,2\n", encoding="utf-8")
    (inbox / "linked-folder").symlink_to(elsewhere)       # a file reached through a linked folder
    os.link(secret, inbox / "hard.csv")                   # a second name of the salt

    out = io.StringIO()
    result = refresh(s, log=json_logger(out))

    assert result.exit_code == EXIT_PARTIAL
    assert result.loaded == ["tickets.csv"]
    assert sorted(result.failed) == ["dangling.csv", "hard.csv", "linked-folder", "passwd.csv", "salt.csv",
                                     "x.reason.txt"]
    assert "symbolic link" in result.failed["salt.csv"] and "hard link" in result.failed["hard.csv"]
    written = everything_written(tmp_path, out.getvalue())
    for leaked in (SECRET, "root:x:0", str(secret), "/etc/passwd", str(elsewhere), "nowhere"):
        assert leaked not in written
    # links are removed (nothing left to read through), their targets untouched
    assert secret.read_text(encoding="utf-8") == SECRET + "\n" and (elsewhere / "more.csv").exists()
    failed = inbox / "failed"
    assert not any(p.is_symlink() for p in failed.iterdir())
    assert (failed / "salt.csv.reason.txt").read_text(encoding="utf-8").startswith("salt.csv could not be loaded")
    assert query(s, "select count(*) from load_files where file_name <> 'tickets.csv'") == [(0,)]


def test_reading_never_follows_a_link_even_after_the_check(tmp_path: Path) -> None:
    """Every open is O_NOFOLLOW: a file swapped for a link between a check and the read
    (or named directly) is refused by the reader itself, not only by the inbox listing."""
    import duckdb

    from etl.ingest.read import detect_encoding, file_sha256, read_raw

    secret = secret_file(tmp_path)
    link = tmp_path / "swapped.csv"
    link.symlink_to(secret)
    for read in (file_sha256, detect_encoding):
        with pytest.raises(InputError, match="symbolic link") as exc:
            read(link)
        assert SECRET not in exc.value.detail and str(secret) not in exc.value.detail
    with pytest.raises(InputError, match="symbolic link"):
        read_raw(duckdb.connect(), link, seq=1)


def test_refresh_where_a_file_becomes_a_link_mid_run_publishes_nothing_of_it(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import etl.refresh as refresh_module

    s = inbox_settings(tmp_path)
    s.inbox.mkdir()
    secret = secret_file(tmp_path)
    shutil.copyfile(SAMPLE / "tickets.csv", s.inbox / "tickets.csv")
    original = refresh_module.settled

    def settle_then_swap(files, seconds):  # type: ignore[no-untyped-def]
        still, moving = original(files, seconds)
        victim = s.inbox / "tickets.csv"
        victim.unlink()
        victim.symlink_to(secret)
        return still, moving

    monkeypatch.setattr(refresh_module, "settled", settle_then_swap)
    out = io.StringIO()
    result = refresh(s, log=json_logger(out))
    assert result.exit_code == EXIT_FATAL  # nothing published; the next run sets the link aside
    assert not s.warehouse_path.exists()
    assert SECRET not in everything_written(tmp_path, out.getvalue())
    monkeypatch.setattr(refresh_module, "settled", original)
    again = refresh(s, log=json_logger(io.StringIO()))
    assert "symbolic link" in again.failed["tickets.csv"]


def test_unreadable_file_in_inbox_is_set_aside_not_a_failed_run(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A root-only file (simulated: the tests may run as root) fails alone, with a reason
    that says why and quotes nothing."""
    import errno

    import etl.ingest.read as read_module

    s = inbox_settings(tmp_path)
    s.inbox.mkdir()
    shutil.copyfile(SAMPLE / "tickets.csv", s.inbox / "tickets.csv")
    (s.inbox / "root-only.csv").write_text("ticket_id,created_at\nR1,2026-01-05 09:00\n", encoding="utf-8")
    real_open = os.open

    def guarded_open(path, flags, *a):  # type: ignore[no-untyped-def]
        if str(path).endswith("root-only.csv"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *a)

    monkeypatch.setattr(read_module.os, "open", guarded_open)
    result = refresh(s, log=json_logger(io.StringIO()))
    assert result.exit_code == EXIT_PARTIAL and result.loaded == ["tickets.csv"]
    assert "permission denied" in result.failed["root-only.csv"]


def test_load_refuses_links_inside_a_folder_and_named_links(tmp_path: Path) -> None:
    """`etl load` never follows a link to a file: not inside a folder, and not one named on the
    command line (name its target). A folder named may be reached through a link."""
    s = settings_with(tmp_path, {})
    secret = secret_file(tmp_path)
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copyfile(SAMPLE / "tickets.csv", folder / "tickets.csv")
    (folder / "salt.csv").symlink_to(secret)
    with pytest.raises(InputError, match="symbolic link") as exc:
        load([folder], s, as_of=SAMPLE_AS_OF)
    assert SECRET not in str(exc.value) and str(secret) not in str(exc.value)
    with pytest.raises(InputError, match="symbolic link"):
        load([folder / "salt.csv"], s, as_of=SAMPLE_AS_OF)
    assert not s.warehouse_path.exists()
    (folder / "salt.csv").unlink()
    (tmp_path / "via-link").symlink_to(folder)
    assert load([tmp_path / "via-link"], s, as_of=SAMPLE_AS_OF).published


# 2. modes -----------------------------------------------------------------------------------

def open_modes(root: Path) -> list[str]:
    """Every file or folder under `root` that group or others may read, write or enter."""
    return sorted(f"{p.relative_to(root)} {stat.S_IMODE(p.lstat().st_mode):o}" for p in [root, *root.rglob("*")]
                  if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077)


def test_load_and_refresh_create_private_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = data / "warehouse.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "DESK_CUSTOMER_SALT"}
    proc = subprocess.run([sys.executable, "-m", "etl", "load", str(SAMPLE / "tickets.csv"), "--db", str(db),
                           "--as-of", AS_OF], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    inbox = data / "inbox"
    inbox.mkdir(mode=0o755)
    inbox.chmod(0o755)  # the inbox is the sync job's: its own mode is left alone
    for name in ("tickets_update.csv", "qa_reviews.csv"):
        shutil.copyfile(SAMPLE / name, inbox / name)
        (inbox / name).chmod(0o644)
    (inbox / "bad.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    (inbox / "bad.csv").chmod(0o644)
    settings = tmp_path / "settings.toml"
    settings.write_text('[refresh]\nsettle_seconds = 0\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "etl", "refresh", "--db", str(db), "--inbox", str(inbox),
                           "--config", str(settings)], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert (inbox / "failed" / "bad.csv.reason.txt").exists()
    assert list((inbox / "archive").rglob("*.csv"))
    for made in ("etl-runs.jsonl", ".warehouse.duckdb.lock", ".customer-salt", ".warehouse.duckdb.versions"):
        assert (data / made).exists(), made
    assert open_modes(data) == ["inbox 755"]


def test_refresh_called_as_a_library_creates_private_files_and_restores_the_umask(tmp_path: Path) -> None:
    s = inbox_settings(tmp_path)
    s.inbox.mkdir()
    shutil.copyfile(SAMPLE / "tickets.csv", s.inbox / "tickets.csv")
    (s.inbox / "bad.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    before = os.umask(0o022)
    try:
        refresh(s, log=json_logger(io.StringIO()))
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(before)
    assert open_modes(s.warehouse_path.parent) == []
    assert [m for m in open_modes(s.inbox) if not m.startswith(". ")] == []


# 3. markup and control characters -------------------------------------------------------------

HOSTILE_VALUE = "[/oops] [link=http://evil.example]click[/link] \x1b[31mred\x1b]8;;http://e\x07 \u202eabc"
HOSTILE_NAME = "[bold]t[link=http:x]\x1b[2J\u202e\rname.csv"


def hostile_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = (SAMPLE / "tickets.csv").read_text(encoding="utf-8").splitlines()
    header, first = lines[0], lines[1]
    cells = first.split(",")
    cells[header.split(",").index("category")] = '"' + HOSTILE_VALUE + '"'
    path = folder / HOSTILE_NAME
    path.write_text(header + "\n" + ",".join(cells) + "\n", encoding="utf-8")
    return path


def assert_literal(text: str) -> None:
    for raw in ("\x1b", "\r", "\u202e", "\x07"):
        assert raw not in text, repr(raw)
    assert "Traceback" not in text


def test_markup_and_control_characters_in_data_print_literally(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    hostile_export(folder)
    db = tmp_path / "wh.duckdb"
    proc = etl("load", str(folder), "--db", str(db), "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert db.exists()
    out = proc.stdout + proc.stderr
    assert_literal(out)
    assert "[/oops] [link=http://evil.example]click[/link]" in out   # the literal value
    assert "\\x1b[31mred" in out and "\\u202e" in out                  # visible escapes
    assert "[bold]t[link=http:x]\\x1b[2J" in out                      # the file name, as it is
    status = etl("status", "--db", str(db))
    assert status.returncode == 0
    assert_literal(status.stdout + status.stderr)


def test_markup_in_a_failing_file_name_is_a_clean_failure(tmp_path: Path) -> None:
    bad = tmp_path / "[bold]oops[link=http:x]\x1b[2Jbad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    proc = etl("load", str(bad), "--db", str(tmp_path / "wh.duckdb"))
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert_literal(out)
    assert "[bold]oops[link=http:x]\\x1b[2Jbad.csv" in out and "no mapping profile fits" in out
    status = etl("status", "--db", str(tmp_path / "wh.duckdb"))
    assert status.returncode == 0 and "last failed run" in status.stdout
    assert_literal(status.stdout + status.stderr)


def test_refresh_log_escapes_control_characters_in_file_names(tmp_path: Path) -> None:
    s = inbox_settings(tmp_path)
    hostile_export(s.inbox)
    (s.inbox / "bad\u202e\x1b[2J.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    out = io.StringIO()
    result = refresh(s, log=json_logger(out))
    assert result.exit_code == EXIT_PARTIAL
    text = out.getvalue()
    for raw in ("\x1b", "\r", "\u202e"):
        assert raw not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert any(e["event"] == "file_loaded" and e["file"].startswith("[bold]t[link=http:x]") for e in lines)
    reason = next((s.inbox / "failed").glob("*.reason.txt")).read_text(encoding="utf-8")
    assert "\u202e" not in reason and "\x1b" not in reason and "\\u202e" in reason


# 4. not line-structured, no records ---------------------------------------------------------

def one_line(path: Path, size: int = 3 << 20) -> Path:
    with path.open("w", encoding="utf-8") as fh:  # a valid header start, then MBs with no line break
        fh.write("ticket_id,created_at,")
        fh.write("x" * size)
    return path


@pytest.mark.parametrize("name, content, message", [
    ("oneline.csv", None, "no line break"),
    ("header-no-eol.csv", b"ticket_id,created_at", "no line break"),
    ("nul.csv", b"\0" * 100_000, "NUL"),
    ("long-name.csv", b"ticket_id," + b"y" * 5000 + b"\n1,2\n", "not a header"),
])
def test_files_without_records_fail_instead_of_loading_zero_rows(tmp_path: Path, name: str,
                                                                 content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is None:
        one_line(path)
    else:
        path.write_bytes(content)
    s = settings_with(tmp_path, {})
    with pytest.raises(InputError, match=message) as exc:
        load([path], s, as_of=SAMPLE_AS_OF)
    assert not s.warehouse_path.exists()
    assert len(exc.value.detail) <= 1000 and "x" * 300 not in exc.value.detail


def test_refresh_sets_aside_a_file_without_line_breaks(tmp_path: Path) -> None:
    s = inbox_settings(tmp_path)
    s.inbox.mkdir()
    shutil.copyfile(SAMPLE / "tickets.csv", s.inbox / "tickets.csv")
    one_line(s.inbox / "huge.csv")
    (s.inbox / "header-only.csv").write_text("ticket_id,created_at\n", encoding="utf-8")
    out = io.StringIO()
    result = refresh(s, log=json_logger(out))
    assert result.exit_code == EXIT_PARTIAL
    assert sorted(result.loaded) == ["header-only.csv", "tickets.csv"]   # an empty export is not a failure
    assert "no line break" in result.failed["huge.csv"]
    assert (s.inbox / "failed" / "huge.csv.reason.txt").exists()
    assert "x" * 300 not in out.getvalue()
    header_only = [json.loads(x) for x in out.getvalue().splitlines() if '"header-only.csv"' in x]
    assert any(e.get("note", "").startswith("header only") for e in header_only)


# 5. unexpected errors -----------------------------------------------------------------------

def test_unexpected_error_is_one_line_and_exit_1(tmp_path: Path) -> None:
    garbage = tmp_path / "wh.duckdb"
    garbage.write_bytes(b"this is not a database\n" * 100)
    proc = etl("status", "--db", str(garbage))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "DESK_DEBUG" in proc.stderr
    debug = etl("status", "--db", str(garbage), env={"DESK_DEBUG": "1"})
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_every_command_turns_an_unexpected_exception_into_exit_1(monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from etl import cli
    from etl.__main__ import main

    def boom(_args):  # type: ignore[no-untyped-def]
        raise RuntimeError("[/oops] \x1b[2J kaboom")

    monkeypatch.setattr(cli, "dispatch", boom)
    umask = os.umask(0o022)
    try:
        for argv in (["status"], ["refresh"], ["load", "x.csv"], ["sql", "select 1"], ["rollback"]):
            assert main(argv) == 1
            err = capsys.readouterr().err
            assert "kaboom" in err and "\x1b" not in err and "Traceback" not in err
    finally:
        os.umask(umask)
