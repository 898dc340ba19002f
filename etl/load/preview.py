"""Import from the dashboard without a second set of rules: accept an uploaded file into the
inbox, start a mapping (the profile that fits, or `profile suggest`'s), edit it, preview it
by running the real load (extract → stage → merge → models) into a throw-away warehouse,
save it as a profile in the CLI's format, and load it with the CLI's atomic publish.

The page (dashboard/views/import_data.py) only draws; everything here runs without Streamlit.
A mapping being edited is a `Draft`: the profile as TOML data (the tables of a profile file,
docs/PROFILES.md). It becomes a `Profile` by being written out as TOML and parsed back, so
what is previewed is exactly what is saved and what `python -m etl load --profile NAME` reads.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
import re
import stat
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from etl.core.errors import ConfigError, DeskError, InputError
from etl.core.kinds import KIND_COLUMNS
from etl.core.settings import Settings, build_settings
from etl.core.sqlfiles import quote_ident, quote_literal
from etl.core.vocab import map_values
from etl.ingest import profiles
from etl.ingest.canonical import identity_columns
from etl.ingest.profiles import SHIPPED_DIR, TIME_FIELDS, Profile
from etl.ingest.profiles.suggest import suggest, toml_string
from etl.ingest.read import excerpt, first_line, read_raw, visible
from etl.ingest.timeformats import infer
from etl.load.run import Progress, RunResult, load
from etl.warehouse.versions import resolve_live

# what the page accepts (the ETL reads more: .txt, .xls, .ods, .gz …, from the shell)
UPLOAD_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".parquet", ".xlsx")
ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".zst")
# a file name: letters (any script), digits, blank, . _ - ( ) +; no path, no leading dot
NAME = re.compile(r"[^\W_][\w .()+\-]{0,150}")
ENUM_FIELDS = ("channel", "category", "priority", "status")
SAMPLES = 5
DURATION_UNITS = ("seconds", "minutes", "hours", "days")
# the time formats offered besides "as the values show" (docs/PROFILES.md, [time] formats)
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
                "%d-%m-%Y %H:%M", "%d.%m.%Y %H:%M", "%m/%d/%Y %I:%M %p", "%Y年%m月%d日 %H:%M")
# tables of a profile whose entries are tables of their own ([values.channel], [rules.category])
SUBTABLES = {"values", "rules", "lookups"}


class UploadError(InputError):
    """An uploaded file the page refuses, with the reason in words."""


# ---------------------------------------------------------------------------- the inbox
def safe_name(name: str) -> str:
    """The uploaded file's name as it will be stored, or UploadError saying why not."""
    raw = unicodedata.normalize("NFC", str(name or ""))
    shown = excerpt(raw, 80)
    if not raw.strip():
        raise UploadError("the file has no name")
    if "/" in raw or "\\" in raw or ".." in raw or raw.startswith("."):
        raise UploadError(f"{shown}: a file name with a path, '..' or a leading dot is refused; "
                          "upload the file under a plain name")
    lower = raw.lower()
    if lower.endswith(ARCHIVES):
        raise UploadError(f"{shown}: an archive (zip, gz …) is not loaded; unpack it and upload the "
                          "export files themselves")
    if not lower.endswith(UPLOAD_SUFFIXES):
        raise UploadError(f"{shown}: not a kind of file the import takes; upload "
                          f"{', '.join(UPLOAD_SUFFIXES)}")
    if not NAME.fullmatch(raw):
        raise UploadError(f"{shown}: the name holds characters a file name here may not have (only "
                          "letters, digits, blanks and . _ - ( ) +); rename the file and upload it again")
    return raw


def check_content(name: str, data: bytes, max_mb: float) -> None:
    """Refuse what is empty, too big, an archive, or binary where text is expected."""
    shown = excerpt(name, 80)
    if not data:
        raise UploadError(f"{shown}: the file is empty (0 bytes)")
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(f"{shown}: {len(data) / 1024 / 1024:,.1f} MB is over the limit of {max_mb:,.0f} MB "
                          "([import] max_upload_mb); load it from the shell: python -m etl load FILE")
    suffix = name.lower().rsplit(".", 1)[-1]
    head = data[: 1 << 20]
    if suffix == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise UploadError(f"{shown}: not an .xlsx workbook (its content is not one)")
        return
    if head.startswith((b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        raise UploadError(f"{shown}: the content is an archive (zip, gzip …), not a {suffix.upper()} file; "
                          "unpack it and upload the export files themselves")
    if suffix == "parquet":
        if not (head.startswith(b"PAR1") and data.endswith(b"PAR1")):
            raise UploadError(f"{shown}: not a Parquet file (its content is not one)")
        return
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and b"\0" in head:
        raise UploadError(f"{shown}: the content is binary (NUL bytes), not text; an export of this kind is text")


def _inbox(settings: Settings) -> Path:
    """The inbox folder, made if missing; a link is not followed."""
    inbox = settings.inbox
    if inbox.is_symlink():
        raise UploadError(f"the inbox {visible(inbox)} is a symbolic link; links are not followed")
    inbox.mkdir(parents=True, exist_ok=True)
    return inbox


def accept_upload(settings: Settings, name: str, data: bytes) -> Path:
    """Write an uploaded file into the inbox (and nowhere else): its name sanitised, its
    content checked; the same content under the same name is kept once; another content under
    a name already taken gets a number ("export (2).csv"). Written beside under a hidden name,
    then linked in: the refresh never sees half a file, and nothing existing is overwritten."""
    clean = safe_name(name)
    check_content(clean, data, settings.import_max_upload_mb)
    inbox = _inbox(settings)
    stem, dot, suffix = clean.rpartition(".")
    for n in range(1, 1000):
        target = inbox / (clean if n == 1 else f"{stem} ({n}).{suffix}")
        if target.parent.resolve() != inbox.resolve():
            raise UploadError(f"{excerpt(clean, 80)}: would be written outside the inbox; refused")
        if target.is_symlink():
            continue  # never written through, never replaced
        if target.exists():
            if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
                return target
            continue
        fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=inbox)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o640)
            try:
                os.link(tmp, target)  # fails if the name was taken meanwhile
            except FileExistsError:
                continue
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return target
    raise UploadError(f"{excerpt(clean, 80)}: too many files of this name in the inbox")


def inbox_files(settings: Settings) -> list[Path]:
    """The export files waiting in the inbox (regular files, no links, no hidden files)."""
    inbox = settings.inbox
    if not inbox.is_dir() or inbox.is_symlink():
        return []
    out = []
    for child in sorted(inbox.iterdir()):
        if child.name.startswith(".") or not child.name.lower().endswith(UPLOAD_SUFFIXES):
            continue
        if stat.S_ISREG(child.lstat().st_mode):
            out.append(child)
    return out


def inbox_file(settings: Settings, name: str) -> Path:
    """A file of the inbox by its name (only one `inbox_files` lists)."""
    for path in inbox_files(settings):
        if path.name == name:
            return path
    raise InputError(f"{excerpt(name, 80)}: no such file in the inbox")


# ---------------------------------------------------------------------------- drafts
@dataclass
class Draft:
    """A mapping being edited: the profile's TOML tables, where it came from, and the file's
    columns with the distinct values of its enumeration columns."""

    data: dict[str, Any]
    origin: str                   # detected | suggested | canonical
    headers: list[str]
    based_on: str | None = None   # the detected profile's name
    distinct: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # header → (value, rows)

    @property
    def kind(self) -> str:
        """tickets (mapped field by field on the page), or the kind of a detected profile of
        events, QA reviews or agents (loaded as that profile says)."""
        return str(self.data.get("profile", {}).get("kind", "tickets"))

    @property
    def name(self) -> str:
        return str(self.data.get("profile", {}).get("name", "export"))

    def columns(self) -> dict[str, Any]:
        return self.data.setdefault("columns", {})

    def column_of(self, target: str) -> Any:
        return self.columns().get(target)

    def set_column(self, target: str, header: str | None) -> None:
        """Map `target` to one of the file's columns (None: unmap it)."""
        if target not in KIND_COLUMNS[self.kind]:
            raise ConfigError(f"{target} is not a field of a {self.kind} file")
        if header is not None and header not in self.headers:
            raise ConfigError(f"the file has no column {excerpt(header, 60)!r}")
        cols = self.columns()
        for table in ("durations", "constants"):  # a column mapping replaces them
            self.data.get(table, {}).pop(target, None)
        if header is None:
            cols.pop(target, None)
        else:
            cols[target] = header
        if target in ("ticket_id", "created_at") and self.kind == "tickets":
            self.data.setdefault("profile", {})["signature"] = [
                c for c in (cols.get("ticket_id"), cols.get("created_at")) if isinstance(c, str)]

    def time(self) -> dict[str, Any]:
        return self.data.setdefault("time", {})

    def set_timezone(self, zone: str) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{excerpt(zone, 60)!r} is not a known time zone") from None
        self.time()["timezone"] = zone

    def set_day_first(self, value: bool | None) -> None:
        if value is None:
            self.time().pop("day_first", None)
        else:
            self.time()["day_first"] = bool(value)

    def set_time_format(self, fmt: str | None) -> None:
        if fmt is None:
            self.time().pop("formats", None)
        else:
            self.time()["formats"] = [fmt]

    def set_duration_unit(self, target: str, unit: str) -> None:
        if unit not in DURATION_UNITS:
            raise ConfigError(f"a duration's unit is one of {', '.join(DURATION_UNITS)}")
        for table in ("durations", "reported"):
            for name, spec in self.data.get(table, {}).items():
                if name == target and isinstance(spec, dict):
                    spec["unit"] = unit

    def set_value(self, fld: str, raw: str, canonical: str | None) -> None:
        """[values.<fld>]: the file's value `raw` read as `canonical` (None: as the vocabulary reads it)."""
        table = self.data.setdefault("values", {}).setdefault(fld, {})
        if canonical is None:
            table.pop(raw, None)
            if not table:
                self.data["values"].pop(fld, None)
        else:
            table[raw] = canonical

    def set_name(self, name: str) -> str:
        clean = profile_name(name)
        self.data.setdefault("profile", {})["name"] = clean
        return clean

    def toml(self) -> str:
        return to_toml(self.data, header=f"A profile written by the dashboard's Import page ({self.origin}"
                                         f"{' from ' + self.based_on if self.based_on else ''}).")

    def copy(self) -> Draft:
        return Draft(data=copy.deepcopy(self.data), origin=self.origin, headers=list(self.headers),
                     based_on=self.based_on, distinct=self.distinct)


def profile_name(name: str) -> str:
    """A profile name as the CLI writes one: lower-case letters, digits and _."""
    clean = re.sub(r"[^a-z0-9_]+", "_", str(name or "").lower()).strip("_")[:60]
    if not clean:
        raise ConfigError("give the profile a name (letters, digits, _)")
    return clean


def _distinct(con: duckdb.DuckDBPyConnection, source: str, headers: list[str],
              limit: int = 40) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for h in headers:
        rows = con.execute(f"select trim(cast({quote_ident(h)} as varchar)) as v, count(*) from {source} "
                           f"where nullif(trim(cast({quote_ident(h)} as varchar)), '') is not null "
                           f"group by 1 order by 2 desc, 1 limit {limit}").fetchall()
        out[h] = [(str(v), int(n)) for v, n in rows]
    return out


def start(path: Path, settings: Settings) -> Draft:
    """The mapping to start from (see `_start`); a file DuckDB cannot follow is an InputError."""
    try:
        return _start(path, settings)
    except duckdb.Error as exc:
        raise InputError(f"{visible(path.name)}: cannot be read: {first_line(exc)}") from None


def _start(path: Path, settings: Settings) -> Draft:
    """The mapping to start from: the profile whose signature fits the file (detected), or
    what `python -m etl profile suggest` writes for it (suggested; also for a file in the
    canonical format, whose columns it maps to themselves)."""
    con = duckdb.connect()
    try:
        raw = read_raw(con, path, seq=0)
        try:
            headers = list(raw.headers)
            canonical = True
            try:
                identity_columns(raw, "tickets")
            except InputError:
                canonical = False
            detected = None if canonical else profiles.detect(headers, path)
            if detected is not None and not detected.read.json_path:
                with detected.path.open("rb") as fh:
                    data = tomllib.load(fh)
                draft = Draft(data=data, origin="detected", headers=headers, based_on=detected.name)
            else:
                text = suggest(path, timezone=settings.source_timezone)
                draft = Draft(data=tomllib.loads(text), origin="canonical" if canonical else "suggested",
                              headers=headers)
            options = profiles.read_options_of(draft.data.get("read", {}))
            if options.header_row != 1 or options.sheet or options.encoding or options.json_path:
                # another header row, a sheet, an encoding or records inside a JSON document:
                # the columns are that read's header
                raw.cleanup()
                raw = read_raw(con, path, seq=0, options=options)
                draft.headers = list(raw.headers)
            wanted = [h for t in ENUM_FIELDS for h in [draft.column_of(t)] if isinstance(h, str)
                      and h in draft.headers]
            draft.distinct = _distinct(con, raw.source, list(dict.fromkeys(wanted)))
        finally:
            raw.cleanup()
    finally:
        con.close()
    return draft


# ---------------------------------------------------------------------------- TOML
def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def _inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    raise ConfigError(f"cannot write {type(value).__name__} into a profile")


def _table(lines: list[str], path: list[str], table: dict[str, Any]) -> None:
    table = {k: v for k, v in table.items() if not (isinstance(v, dict) and not v and
                                                    (k in SUBTABLES or (path and path[-1] in SUBTABLES)))}
    subtables = {k: v for k, v in table.items() if isinstance(v, dict)
                 and (k in SUBTABLES or (path and path[-1] in SUBTABLES))}
    plain = {k: v for k, v in table.items() if k not in subtables}
    if plain or not subtables:
        lines.append("[" + ".".join(_key(p) for p in path) + "]")
        lines += [f"{_key(k)} = {_inline(v)}" for k, v in plain.items()]
        lines.append("")
    for k, v in subtables.items():
        _table(lines, [*path, k], v)


ORDER = ("profile", "read", "time", "columns", "durations", "reported", "constants", "values", "rules",
         "lookups", "skip", "events")


def to_toml(data: dict[str, Any], header: str = "") -> str:
    """A profile's tables as TOML text, in the order `profile suggest` writes them."""
    lines = [f"# {header}", "# Check it: python -m etl profile check FILE --profile <this file>", ""] if header else []
    for name in sorted(data, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
        value = data[name]
        if isinstance(value, dict) and value and (name not in SUBTABLES or any(value.values())):
            _table(lines, [name], value)
    text = "\n".join(lines).rstrip("\n") + "\n"
    tomllib.loads(text)  # what we write must read back
    return text


def compile_profile(draft: Draft, folder: Path) -> Profile:
    """The draft as the Profile `profiles.parse` reads from its TOML (written into `folder`)."""
    path = folder / f"{draft.name}.toml"
    path.write_text(draft.toml(), encoding="utf-8")
    return profiles.parse(path)


# ---------------------------------------------------------------------------- preview
@dataclass
class Preview:
    """What a load of the file (or its first rows) with the draft would do."""

    whole: bool
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)   # reason, rows, examples
    skipped: list[dict[str, Any]] = field(default_factory=list)    # reason, rows
    issues: list[dict[str, Any]] = field(default_factory=list)     # rule, field, rows, examples
    tickets: int = 0
    median_first_response_minutes: float | None = None
    resolution_by_category: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)     # the mapping table
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def _sample_file(path: Path, profile: Profile, folder: Path, rows: int) -> Path:
    """The file's first `rows` records, read as the profile reads the file, as Parquet (text
    columns named by the header): what the sample preview loads."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{path.stem[:80] or 'sample'}.parquet"
    con = duckdb.connect()
    try:
        raw = read_raw(con, path, seq=0, options=profile.read_options(), workdir=folder)
        try:
            con.execute(f"copy (select * from {raw.source} limit {int(rows)}) to {quote_literal(str(out))} (format parquet)")
        finally:
            raw.cleanup()
    finally:
        con.close()
    return out


def _spec_columns(spec: Any) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list):
        return [str(s) for s in spec]
    if isinstance(spec, dict):
        if "column" in spec:
            return _spec_columns(spec["column"])
        if "date" in spec and "time" in spec:
            return [spec["date"], spec["time"]]
    return []


def _source_of(draft: Draft, target: str) -> tuple[str, list[str], str]:
    """(how the field is mapped, the file's columns it reads, the format to show)."""
    data = draft.data
    tz = data.get("time", {}).get("timezone", "")
    for table in ("durations", "reported"):
        name = {"first_response_minutes_reported": "first_response_minutes",
                "resolution_minutes_reported": "resolution_minutes"}.get(target, target)
        spec = data.get(table, {}).get(name if table == "reported" else target)
        if isinstance(spec, dict):
            cols = _spec_columns(spec.get("column"))
            return f"{table}: {', '.join(cols)}", cols, f"duration in {spec.get('unit', 'minutes')}"
    if target in data.get("constants", {}):
        return f"constant {data['constants'][target]!r}", [], ""
    spec = data.get("columns", {}).get(target)
    if spec is None:
        if target in data.get("rules", {}):
            return "rules", [], ""
        return "", [], ""
    cols = _spec_columns(spec)
    shown = " + ".join(cols) if isinstance(spec, dict) and "date" in spec else ", ".join(cols)
    if isinstance(spec, dict) and "sql" in spec:
        shown = "SQL expression"
    return shown, cols, f"time zone {tz}" if target in TIME_FIELDS and tz else ""


def _texts(values: list[Any]) -> list[str]:
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def _fields(con: duckdb.DuckDBPyConnection, sample: Path, draft: Draft, profile: Profile,
            source_file: str) -> list[dict[str, Any]]:
    """The mapping table: canonical field → source column(s) → the first records' raw values →
    their values as loaded → the format inferred."""
    lit = quote_literal(str(sample))
    cols = [r[0] for r in con.execute(f"describe select * from read_parquet({lit})").fetchall()]
    first = con.execute(f"select * from read_parquet({lit}) limit {SAMPLES}").fetchall()
    head = {c: [row[i] for row in first] for i, c in enumerate(cols)}
    loaded = {c[0] for c in con.execute("describe tickets").fetchall()}
    parsed: dict[int, dict[str, Any]] = {}
    shown = []
    for c in KIND_COLUMNS["tickets"]:
        if c not in loaded:
            continue
        if c in TIME_FIELDS:
            shown.append(f"strftime(timezone('UTC', {c}), '%Y-%m-%d %H:%M UTC') as {c}")
        else:
            shown.append(f"cast({c} as varchar) as {c}")
    for row in con.execute(f"select source_record, {', '.join(shown)} from tickets where source_file = ? "
                           f"and source_record <= {SAMPLES}", [source_file]).fetchall():
        parsed[int(row[0])] = dict(zip([c for c in KIND_COLUMNS["tickets"] if c in loaded], row[1:], strict=True))
    out = []
    for target in KIND_COLUMNS["tickets"]:
        how, used, fmt = _source_of(draft, target)
        used = [c for c in used if c in head]
        raws = []
        for i in range(len(first)):
            parts = [str(head[c][i]) for c in used if head[c][i] not in (None, "")]
            raws.append(" ".join(parts) if parts else "")
        if target in TIME_FIELDS and used and target not in draft.data.get("durations", {}):
            values = [r[0] for r in con.execute(
                f"select distinct {quote_ident(used[0])} from read_parquet({lit})").fetchall()]
            if len(used) == 2:
                values = [r[0] for r in con.execute(
                    f"select distinct concat_ws(' ', {quote_ident(used[0])}, {quote_ident(used[1])}) "
                    f"from read_parquet({lit})").fetchall()]
            if profile.time_formats:
                label = "format " + ", ".join(profile.time_formats)
            else:
                label = infer(_texts(values), day_first=profile.day_first).label
            fmt = f"{label}; {fmt}" if fmt else label
        values_loaded = [(parsed.get(i + 1) or {}).get(target) for i in range(len(first))]
        out.append({"field": target, "source": how, "raw": raws,
                    "parsed": ["(not loaded)" if i + 1 not in parsed else "" if v is None else str(v)
                               for i, v in enumerate(values_loaded)],
                    "format": fmt})
    return out


def run_preview(path: Path, draft: Draft, settings: Settings, *, whole: bool = False,
                rows: int | None = None, as_of: dt.datetime | None = None) -> Preview:
    """Load the file's first `rows` records ([import] sample_rows), or the whole file, with
    the draft into a throw-away warehouse (etl.load.run.load: the same staging, rules, merge
    and models as a real load) and read back what it did."""
    preview = Preview(whole=whole)
    with tempfile.TemporaryDirectory(prefix="desk-preview-") as tmp:
        folder = Path(tmp)
        try:
            profile = compile_profile(draft, folder)
            file = path if whole else _sample_file(path, profile, folder, rows or settings.import_sample_rows)
            dry = build_settings(settings.raw, folder / "wh" / "preview.duckdb")
            result = load([file], dry, profile=profile, command="import preview", as_of=as_of,
                          source=settings.source_name)
        except DeskError as exc:  # the file or the mapping: said in words, nothing published anywhere
            preview.error = str(exc)
            return preview
        except duckdb.Error as exc:
            preview.error = f"{path.name}: cannot be read with this mapping: {first_line(exc)}"
            return preview
        try:
            head = file if not whole else _sample_file(path, profile, folder / "head", SAMPLES)
        except InputError:
            head = None
        _read_back(preview, result, dry, draft, profile, head, file.name)
    return preview


def _read_back(preview: Preview, result: RunResult, dry: Settings, draft: Draft, profile: Profile,
               head: Path | None, source_file: str) -> None:
    tickets = [f for f in result.files if f.kind == "tickets"]
    f = tickets[0] if tickets else result.files[0]
    preview.rows_read, preview.rows_loaded = f.rows_read, f.rows_loaded
    preview.rows_rejected, preview.rows_skipped = f.rows_rejected, f.rows_skipped
    preview.warnings = list(f.warnings)
    preview.skipped = [{"reason": k, "rows": v} for k, v in f.skipped_reasons.items()]
    con = duckdb.connect(str(resolve_live(dry.warehouse_path)), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        for code, n in sorted(f.rejected_reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            examples = con.execute("select coalesce(record_no, line_no), reason from rejects where reason_code = ? "
                                   "and kind = 'tickets' order by 1 limit 3", [code]).fetchall()
            preview.rejected.append({"reason": code, "rows": n,
                                     "examples": [f"record {w}: {r}" for w, r in examples]})
        for rule, fld, n in con.execute("select rule, field, count(*) from data_issues group by 1, 2 "
                                        "order by 3 desc, 1, 2").fetchall():
            examples = con.execute("select source_record, ticket_id, raw_value, reason from data_issues where "
                                   "rule = ? and field = ? order by 1 limit 3", [rule, fld]).fetchall()
            preview.issues.append({"rule": rule, "field": fld, "rows": int(n),
                                   "examples": [f"record {r} ({t}): {v!r}: {why}" for r, t, v, why in examples]})
        n, frt = con.execute("select count(*), median(first_response_minutes) from ticket_metrics").fetchall()[0]
        preview.tickets, preview.median_first_response_minutes = int(n), frt
        preview.resolution_by_category = [
            {"category": c, "tickets": int(k), "resolved": int(r), "median_resolution_hours": m}
            for c, k, r, m in con.execute(
                "select category, count(*), count(resolution_minutes), median(resolution_minutes) / 60 "
                "from ticket_metrics group by 1 order by 2 desc, 1").fetchall()]
        if head is not None and draft.kind == "tickets":
            preview.fields = _fields(con, head, draft, profile, source_file)
    finally:
        con.close()


# ---------------------------------------------------------------------------- save, load
def save_profile(draft: Draft, settings: Settings, name: str | None = None) -> Path:
    """Write the draft as profiles/NAME.toml ([import] profiles), in the CLI's format; a
    shipped profile's name is refused (`--profile NAME` would find the shipped one first)."""
    clean = draft.set_name(name if name is not None else draft.name)
    if (SHIPPED_DIR / f"{clean}.toml").exists() or any(
            p.name == clean and p.path.parent == SHIPPED_DIR for p in profiles.available()):
        raise ConfigError(f"{clean} is the name of a shipped profile; give yours another name")
    folder = settings.import_profiles
    if folder.is_symlink():
        raise ConfigError(f"the profile folder {visible(folder)} is a symbolic link; links are not followed")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{clean}.toml"
    if target.is_symlink():
        raise ConfigError(f"{target.name} in the profile folder is a symbolic link; not written through")
    text = draft.toml()
    fd, tmp = tempfile.mkstemp(prefix=f".{clean}-", suffix=".toml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        profiles.parse(Path(tmp))  # it must read back as a profile
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return target


def load_with(path: Path, draft: Draft, settings: Settings, *, progress: Progress | None = None,
              saved: Path | None = None, as_of: dt.datetime | None = None) -> RunResult:
    """Load the file into the real warehouse with the draft (or the profile saved from it):
    `etl.load.run.load`, the CLI's all-or-nothing run and atomic publish."""
    with tempfile.TemporaryDirectory(prefix="desk-import-") as tmp:
        profile = profiles.parse(saved) if saved is not None else compile_profile(draft, Path(tmp))
        return load([path], settings, profile=profile, command="import", progress=progress, as_of=as_of)


def value_choices(fld: str) -> tuple[str, ...]:
    from etl.core import settings as s

    return {"channel": s.CHANNELS, "category": s.CATEGORIES, "priority": s.PRIORITIES,
            "status": s.STATUSES}[fld]


def value_rows(draft: Draft, fld: str) -> list[tuple[str, int, str, str | None]]:
    """(the file's value, rows, what the vocabulary reads it as, what the draft maps it to)."""
    header = draft.column_of(fld)
    if not isinstance(header, str):
        return []
    pairs = draft.distinct.get(header, [])
    vocab = map_values(fld, dict(pairs)).mapping
    table = {k.strip().lower(): v for k, v in draft.data.get("values", {}).get(fld, {}).items()}
    return [(v, n, vocab.get(v) or "other", table.get(v.strip().lower())) for v, n in pairs]

__all__ = ["Draft", "Preview", "UploadError", "accept_upload", "inbox_files", "inbox_file", "load_with",
           "profile_name", "run_preview", "safe_name", "save_profile", "start", "to_toml", "value_choices",
           "value_rows"]
