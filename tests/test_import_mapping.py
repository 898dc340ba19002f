"""The Import page's logic without Streamlit (etl/load/preview.py): uploads land in the inbox
only and bad ones are refused in words; a mapping is started, edited, written as TOML that
reads back as the same profile; the preview is the real load into a throw-away warehouse;
a saved profile is what `python -m etl load --profile NAME` uses."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from etl.core.errors import ConfigError
from etl.core.settings import Settings, settings_with
from etl.ingest import profiles
from etl.load import preview as pv
from tests.helpers import REALDATA, ROOT, query
from tests.test_import_page import EXPORT


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DESK_PROFILES", str(tmp_path / "profiles"))
    return settings_with({"refresh": {"inbox": str(tmp_path / "inbox")},
                          "import": {"profiles": str(tmp_path / "profiles"), "max_upload_mb": 1}},
                         tmp_path / "wh" / "warehouse.duckdb")


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.mark.parametrize("name, data, message", [
    ("../escape.csv", b"id,created\n1,2026-01-01\n", "a path, '..'"),
    ("sub/dir.csv", b"id,created\n", "a path"),
    (".hidden.csv", b"id,created\n", "leading dot"),
    ("ex<port>.csv", b"id,created\n", "characters a file name here may not have"),
    ("export\u202egpj.csv", b"id,created\n", "characters a file name here may not have"),
    ("export.zip", b"PK\x03\x04rest", "an archive"),
    ("export.csv", b"PK\x03\x04\x14\x00rest", "the content is an archive"),
    ("export.csv.gz", b"\x1f\x8b\x08rest", "an archive"),
    ("export.csv", b"id,created\n\x00\x01\x02binary", "binary"),
    ("export.csv", b"", "empty"),
    ("export.csv", b"x" * (1024 * 1024 + 1), "over the limit of 1 MB"),
    ("export.pdf", b"%PDF-1.7", "not a kind of file the import takes"),
    ("export.parquet", b"id,created\n", "not a Parquet file"),
    ("export.xlsx", b"id,created\n", "not an .xlsx workbook"),
])
def test_bad_uploads_are_refused_and_nothing_is_written(desk: Settings, tmp_path: Path, name: str, data: bytes,
                                                        message: str) -> None:
    before = listing(tmp_path)
    with pytest.raises(pv.UploadError, match=message.replace("(", r"\(").replace(".", r"\.")):
        pv.accept_upload(desk, name, data)
    assert [p for p in listing(tmp_path) if p != "inbox"] == [p for p in before if p != "inbox"]
    assert listing(tmp_path / "inbox") == []


def test_uploads_go_into_the_inbox_only(desk: Settings, tmp_path: Path) -> None:
    data = EXPORT.encode()
    first = pv.accept_upload(desk, "desk export (1).csv", data)
    assert first == desk.inbox / "desk export (1).csv" and first.read_bytes() == data
    assert pv.accept_upload(desk, "desk export (1).csv", data) == first   # the same file twice: kept once
    other = pv.accept_upload(desk, "desk export (1).csv", data + b"C7,01/06/2026 10:00,,,Email,Withdrawal\n")
    assert other.name == "desk export (1) (2).csv"                        # another content: never overwritten
    assert first.read_bytes() == data
    assert [p.name for p in pv.inbox_files(desk)] == ["desk export (1) (2).csv", "desk export (1).csv"]
    assert not [p for p in desk.inbox.iterdir() if p.name.startswith(".")]  # no half-written file left
    chinese = pv.accept_upload(desk, "工单导出.csv", data)
    assert chinese.parent == desk.inbox


def test_a_link_in_the_inbox_is_never_followed(desk: Settings, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("keep me\n", encoding="utf-8")
    desk.inbox.mkdir(parents=True)
    (desk.inbox / "export.csv").symlink_to(outside)
    stored = pv.accept_upload(desk, "export.csv", EXPORT.encode())
    assert stored.name == "export (2).csv" and outside.read_text() == "keep me\n"
    assert [p.name for p in pv.inbox_files(desk)] == ["export (2).csv"]     # the link is not offered
    with pytest.raises(pv.InputError, match="no such file in the inbox"):
        pv.inbox_file(desk, "export.csv")


def test_an_inbox_that_is_a_link_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    (tmp_path / "inbox").symlink_to(real)
    s = settings_with({"refresh": {"inbox": str(tmp_path / "inbox")}}, tmp_path / "wh" / "w.duckdb")
    with pytest.raises(pv.UploadError, match="symbolic link"):
        pv.accept_upload(s, "export.csv", EXPORT.encode())
    assert list(real.iterdir()) == []


def test_draft_edits_and_toml_round_trip(desk: Settings, tmp_path: Path) -> None:
    path = pv.accept_upload(desk, "desk_export.csv", EXPORT.encode())
    draft = pv.start(path, desk)
    assert draft.origin == "suggested" and draft.columns()["ticket_id"] == "Case ID"
    assert draft.distinct["Channel"][0] == ("Email", 2)          # the file's values with their counts
    draft.set_day_first(True)
    draft.set_timezone("UTC")
    draft.set_value("channel", "Carrier pigeon", "other")
    draft.set_column("subject", "Type")
    with pytest.raises(ConfigError, match="no column"):
        draft.set_column("team", "Nope")
    with pytest.raises(ConfigError, match="not a known time zone"):
        draft.set_timezone("Mars/Olympus")
    data = tomllib.loads(draft.toml())
    assert data["time"] == {"timezone": "UTC", "day_first": True}
    assert data["values"]["channel"] == {"Carrier pigeon": "other"}
    profile = pv.compile_profile(draft, tmp_path)
    assert profile.day_first is True and profile.columns["subject"] == "Type"
    assert [r[:3] for r in pv.value_rows(draft, "channel")][:1] == [("Email", 2, "email")]


@pytest.mark.parametrize("shipped", sorted(p.name for p in profiles.SHIPPED_DIR.glob("*.toml")))
def test_every_shipped_profile_survives_the_toml_writer(shipped: str, tmp_path: Path) -> None:
    original = profiles.parse(profiles.SHIPPED_DIR / shipped)
    data = tomllib.loads((profiles.SHIPPED_DIR / shipped).read_text(encoding="utf-8"))
    out = tmp_path / shipped
    out.write_text(pv.to_toml(data), encoding="utf-8")
    again = profiles.parse(out)
    assert {k: v for k, v in vars(again).items() if k != "path"} == \
        {k: v for k, v in vars(original).items() if k != "path"}


def test_preview_is_the_real_load_and_the_saved_profile_is_the_cli_s(desk: Settings, tmp_path: Path) -> None:
    path = pv.accept_upload(desk, "desk_export.csv", EXPORT.encode())
    draft = pv.start(path, desk)
    sample = pv.run_preview(path, draft, desk)
    assert (sample.rows_read, sample.rows_loaded, sample.rows_rejected, sample.rows_skipped) == (6, 4, 2, 0)
    assert sample.median_first_response_minutes == 1440.0
    assert [r["reason"] for r in sample.rejected] == ["bad_time", "missing_ticket_id"]
    assert [(i["rule"], i["rows"]) for i in sample.issues] == [("response_before_creation", 1)]
    assert not desk.warehouse_path.exists()             # nothing was written to the real warehouse
    draft.set_day_first(True)
    draft.set_value("channel", "Web", "app")        # a value map: this desk's "Web" is its app
    edited = pv.run_preview(path, draft, desk, whole=True)
    assert edited.median_first_response_minutes == 40320.0
    channel = next(f for f in edited.fields if f["field"] == "channel")
    assert channel["raw"][:3] == ["Email", "Phone", "Web"] and channel["parsed"][:3] == ["email", "phone", "app"]
    by_cat = {r["category"]: r["median_resolution_hours"] for r in edited.resolution_by_category}
    assert by_cat["password_recovery"] == 1068.0
    two = pv.run_preview(path, draft, desk, rows=2)
    assert two.rows_read == 2

    saved = pv.save_profile(draft, desk, "Desk Export v2")
    assert saved == tmp_path / "profiles" / "desk_export_v2.toml"
    with pytest.raises(ConfigError, match="shipped profile"):
        pv.save_profile(draft, desk, "kaggle_customer_support")
    # the CLI loads the file with the saved profile by its name
    env = {**os.environ, "DESK_PROFILES": str(saved.parent), "DESK_CONFIG": ""}
    cli = subprocess.run([sys.executable, "-m", "etl", "load", str(path), "--profile", "desk_export_v2",
                          "--db", str(desk.warehouse_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "rows read 6 = loaded 4 + rejected 2 + skipped 0" in cli.stdout
    assert query(desk, "select ticket_id, first_response_minutes, channel from ticket_metrics order by 1") == [
        ("C1", 40320.0, "email"), ("C2", 44640.0, "phone"), ("C3", 30.0, "app"), ("C6", None, "other")]
    # loading through the page's path again changes nothing (the same content, the same source)
    again = pv.load_with(path, draft, desk, saved=saved)
    assert not again.published


def test_real_exports_preview_as_they_load(desk: Settings) -> None:
    files = {REALDATA / "comcast-fcc-complaints" / "Comcast_telecom_complaints_data.csv": 200,  # of 2,224
             REALDATA / "glpi-pgdf-ptbr" / "glpi.csv": 148}   # all of it (148 tickets)
    if not all(f.exists() for f in files):
        pytest.skip(f"the real exports are not beside the checkout ({REALDATA})")
    for f, rows in files.items():
        draft = pv.start(f, desk)
        assert draft.origin == "suggested"
        result = pv.run_preview(f, draft, desk, rows=200)
        assert result.error is None, (f.name, result.error)
        assert result.rows_read == rows
        assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_skipped
        assert result.rows_loaded >= 0.95 * rows, (f.name, result.rejected)
        created = next(x for x in result.fields if x["field"] == "created_at")
        assert created["source"] and all(p.endswith("UTC") for p in created["parsed"] if p != "(not loaded)")


def test_a_detected_profile_of_another_kind_loads_as_it_says(desk: Settings) -> None:
    comments = REALDATA / "zendesk-fivetran-seeds" / "ticket_comment_data.csv"
    if not comments.exists():
        pytest.skip(f"the real exports are not beside the checkout ({REALDATA})")
    draft = pv.start(comments, desk)
    assert (draft.origin, draft.based_on, draft.kind) == ("detected", "zendesk_fivetran_ticket_comment", "events")
    result = pv.run_preview(comments, draft, desk)
    assert result.error is None and (result.rows_read, result.rows_loaded) == (20, 20)
    assert result.fields == [] and result.tickets == 0   # no ticket-field table for an events file


def test_a_json_document_previews_with_its_records_keys(desk: Settings) -> None:
    """An uploaded API response that keeps its records inside (Udesk's tickets[].ticket):
    the mapping offers the records' keys, not the document's, and the preview loads them."""
    udesk = ROOT / "tests" / "fixtures" / "profiles" / "udesk_tickets.json"
    draft = pv.start(udesk, desk)
    assert draft.origin == "suggested" and draft.data["read"]["json_path"] == "tickets[*].ticket"
    assert {"id", "created_at", "platform_name"} <= set(draft.headers) and "meta" not in draft.headers
    assert draft.column_of("ticket_id") == "id"
    result = pv.run_preview(udesk, draft, desk)
    assert result.error is None and (result.rows_read, result.rows_loaded) == (4, 4)
