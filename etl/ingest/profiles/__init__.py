"""Mapping profiles: how someone else's export becomes the canonical format, as TOML.

A profile names the kind of file it maps, the header signature that recognises it, how to
read it ([read]: encoding, delimiter, header row, JSON records), its time zone and time
formats ([time]), and for each canonical column where the value comes from ([columns]):
a source column, the first non-empty of several, a lookup in a sibling file, or a SQL
expression; durations that stand in for time stamps ([durations]); constants; value maps
([values.<field>]); ordered pattern rules ([rules.<field>]); and rows to skip on purpose
([skip]). It compiles to SQL over the file's text columns; the staging step then validates
the result like any canonical file. docs/PROFILES.md is the reference.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.core.errors import ConfigError, InputError
from etl.core.kinds import KIND_COLUMNS, REQUIRED_COLUMNS, normalise_header
from etl.core.sqlfiles import quote_ident, quote_literal
from etl.ingest.read import ReadOptions, csv_dialect

SHIPPED_DIR = Path(__file__).parent
TIME_FIELDS = {"created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "escalated_at",
               "event_at", "reviewed_at", "transaction_at"}
UNIT_MINUTES = {"seconds": 1 / 60, "minutes": 1.0, "hours": 60.0, "days": 1440.0}
PROFILE_KEYS = {"profile", "read", "time", "columns", "durations", "reported", "constants", "values", "rules",
                "lookups", "skip", "events"}
# [reported]: the export's own figures, kept beside ours to compare (reported_agreement)
REPORTED = ("first_response_minutes", "resolution_minutes")


@dataclass
class Mapping:
    """The compiled mapping for one file: canonical column → SQL, joins, skip condition."""

    exprs: dict[str, str]
    joins: str = ""
    skip: str | None = None
    ignored: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # mapped fields whose columns the file lacks


@dataclass
class Profile:
    name: str
    kind: str
    path: Path
    description: str = ""
    signature: list[str] = field(default_factory=list)
    signature_exact: bool = False  # the signature's names as written (case, blanks), not normalised
    files: list[str] = field(default_factory=list)
    read: ReadOptions = field(default_factory=ReadOptions)
    timezone: str | None = None
    time_formats: list[str] = field(default_factory=list)
    day_first: bool | None = None  # pins the reading of numeric dates (else decided from the values)
    columns: dict[str, Any] = field(default_factory=dict)
    durations: dict[str, dict[str, Any]] = field(default_factory=dict)
    reported: dict[str, dict[str, Any]] = field(default_factory=dict)  # figure → {column, unit}
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    lookups: dict[str, dict[str, Any]] = field(default_factory=dict)
    skip: dict[str, str] | None = None
    empty: list[str] = field(default_factory=list)   # values that mean "no value" in this export ("?")
    events: dict[str, Any] = field(default_factory=dict)  # [events]: the same rows as ticket events

    def companion(self) -> Profile | None:
        """An event log (one row per change of a ticket) is a ticket source and an events
        source at once: the tickets profile's [events] table maps the same rows as events
        (ticket_id as the tickets' own); None when the profile has none."""
        if not self.events or self.kind != "tickets":
            return None
        spec = dict(self.events)
        values = spec.pop("values", {})
        rules = spec.pop("rules", {})
        return Profile(name=f"{self.name} (events)", kind="events", path=self.path, description=self.description,
                       read=self.read, timezone=self.timezone, time_formats=self.time_formats,
                       day_first=self.day_first, columns={"ticket_id": self.columns["ticket_id"], **spec},
                       values={k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
                       rules=rules, lookups=self.lookups, empty=self.empty)

    # ------------------------------------------------------------------ recognition
    def fits(self, headers: list[str], path: Path) -> bool:
        if self.files and not any(fnmatch.fnmatch(path.name, pattern) for pattern in self.files):
            return False
        if self.signature_exact:  # e.g. Zendesk's "Id", "Created at", not a Fivetran table's id, created_at
            written = {h.strip().lstrip("\ufeff") for h in headers}
            return all(s in written for s in self.signature)
        normalised = {normalise_header(h) for h in headers}
        return all(normalise_header(s) in normalised for s in self.signature)

    def missing(self, headers: list[str]) -> list[str]:
        normalised = {normalise_header(h) for h in headers}
        return [s for s in self.signature if normalise_header(s) not in normalised]

    def read_options(self, encoding: str | None = None) -> ReadOptions:
        r = self.read
        return ReadOptions(encoding=encoding or r.encoding, delimiter=r.delimiter, header_row=r.header_row,
                           json_path=r.json_path, json_join=r.json_join, sheet=r.sheet)

    def date_time_pairs(self) -> dict[str, tuple[str, str]]:
        """Mappings given as a date column and a separate time-of-day column
        (`created_at = { date = "Date", time = "Time" }`): the name of the column that joins
        them (added to the file's columns before its time format is inferred) → (date, time)."""
        return {combined_name(spec): (spec["date"], spec["time"]) for spec in self.columns.values()
                if isinstance(spec, dict) and "date" in spec and "time" in spec}

    def time_headers(self, headers: list[str]) -> list[str]:
        """The file's columns that hold the time stamps this profile maps (directly, as the
        first non-empty of several, or as the base of a duration), for the time-format
        inference; none when the profile fixes its time formats ([time] formats)."""
        if self.time_formats:
            return []
        by_norm = {normalise_header(h): h for h in headers}
        refs: list[Any] = [self.columns.get(t) for t in sorted(TIME_FIELDS) if t not in self.durations]
        refs += [self.columns.get(spec.get("base", "created_at")) for spec in self.durations.values()]
        out: list[str] = []
        for ref in refs:
            if isinstance(ref, dict) and "date" in ref and "time" in ref:
                ref = combined_name(ref)
            for name in ([ref] if isinstance(ref, str) else ref if isinstance(ref, list) else []):
                header = name if name in headers else by_norm.get(normalise_header(name))
                if header is not None and header not in out:
                    out.append(header)
        return out

    # ------------------------------------------------------------------ compilation
    def mapping(self, headers: list[str], path: Path) -> Mapping:
        """SQL expressions over the raw view `src` (and lookup joins) for this file."""
        resolver = _Resolver(self, headers, path)
        exprs: dict[str, str] = {}
        absent: list[str] = []

        def optional(target: str, build: Callable[[], str]) -> None:
            # every mapping but the id and the creation time is optional: an export has the
            # columns its admin picked, and a mapping whose column is missing is left out
            try:
                exprs[target] = build()
            except InputError:
                if target in REQUIRED_COLUMNS[self.kind]:
                    raise
                absent.append(target)

        for target, spec in self.columns.items():
            optional(target, lambda spec=spec, target=target: resolver.expr(spec, target))
        for target, value in self.constants.items():
            exprs[target] = quote_literal(str(value))
        for target, spec in self.durations.items():
            if target in exprs:  # the export's own time stamp, where it has one, wins over base + duration
                continue
            optional(target, lambda spec=spec, target=target: resolver.duration(target, spec, exprs))
            if target in exprs and target in absent:  # its column is missing, the duration stands in
                absent.remove(target)
        for figure, spec in self.reported.items():
            optional(f"{figure}_reported", lambda spec=spec, figure=figure: resolver.amount(figure, spec))
        for target, spec in self.rules.items():
            optional(target, lambda spec=spec, target=target: resolver.rules(target, spec))
        for target, table in self.values.items():
            if target in exprs:
                exprs[target] = _value_map(exprs[target], table)
        if self.empty:  # the export's own word for "no value" ("?", "null") is no value
            listed = ", ".join(quote_literal(v) for v in self.empty)
            for target, expr in list(exprs.items()):
                if target not in self.constants:
                    exprs[target] = f"(case when trim({expr}) in ({listed}) then null else {expr} end)"
        if self.time_formats:
            fmts = "[" + ", ".join(quote_literal(f) for f in self.time_formats) + "]"
            for target in TIME_FIELDS & exprs.keys():
                if target in self.durations:
                    continue
                e = exprs[target]
                exprs[target] = (f"coalesce(strftime(try_strptime(nullif(trim({e}), ''), {fmts}), "
                                 f"'%Y-%m-%d %H:%M:%S'), {e})")
        missing = [c for c in REQUIRED_COLUMNS[self.kind] if c not in exprs]
        if missing:
            raise ConfigError(f"profile {self.name} maps no source to the required column(s) {missing}")
        skip = None
        if self.skip:
            skip = f"case when ({self.skip['when']}) then {quote_literal(self.skip.get('reason', 'skipped by the profile'))} end"
        used = resolver.used
        ignored = [h for h in headers if h not in used]
        return Mapping(exprs=exprs, joins=resolver.joins(), skip=skip, ignored=ignored, absent=absent)


class _Resolver:
    """Turns the column references of a profile into SQL for one file's header."""

    def __init__(self, profile: Profile, headers: list[str], path: Path) -> None:
        self.profile = profile
        self.headers = headers
        self.by_norm = {normalise_header(h): h for h in headers}
        self.path = path
        self.used: set[str] = set()
        self.lookups_used: set[str] = set()

    def column(self, ref: str) -> str:
        """SQL for a source column reference: a header (exact or normalised), a JSON path
        into a column ("metric_set.reply_time_in_minutes.calendar"), or lookup.<name>.<column>."""
        if ref in self.headers or normalise_header(ref) in self.by_norm:
            header = ref if ref in self.headers else self.by_norm[normalise_header(ref)]
            self.used.add(header)
            return f"src.{quote_ident(header)}"
        if ref.startswith("lookup."):
            _, name, col = ref.split(".", 2)
            if name not in self.profile.lookups:
                raise ConfigError(f"profile {self.profile.name}: no lookup named {name!r}")
            self.lookups_used.add(name)
            return f"lk_{name}.{quote_ident(col)}"
        head, _, rest = ref.partition(".")
        if rest and (head in self.headers or normalise_header(head) in self.by_norm):
            base = self.column(head)
            return f"json_extract_string({base}, {quote_literal('$.' + rest)})"
        raise InputError(f"{self.path.name}: profile {self.profile.name} expects a column {ref!r}, which the "
                         f"file does not have (its columns: {', '.join(self.headers[:15])})")

    def expr(self, spec: Any, target: str) -> str:
        if isinstance(spec, str):
            return self.column(spec)
        if isinstance(spec, list):  # the first non-empty of the columns the file has
            parts = []
            for ref in spec:
                try:
                    parts.append(f"nullif(trim({self.column(ref)}), '')")
                except InputError:
                    continue
            if not parts:
                raise InputError(f"{self.path.name}: profile {self.profile.name} expects one of the columns "
                                 f"{', '.join(map(repr, spec))} for {target}, which the file does not have")
            return f"coalesce({', '.join(parts)})" if len(parts) > 1 else parts[0]
        if isinstance(spec, dict):
            if "sql" in spec:
                sql = spec["sql"]
                for name in re.findall(r'"([^"]+)"', sql):
                    if name in self.headers:
                        self.used.add(name)
                for name in re.findall(r"lk_(\w+)\.", sql):
                    self.lookups_used.add(name)
                return f"({sql})"
            if "column" in spec:
                return self.expr(spec["column"], target)
            if "date" in spec and "time" in spec:  # joined into one column by combine_date_time
                for part in (spec["date"], spec["time"]):
                    try:
                        self.column(part)  # counts as used
                    except InputError:
                        pass
                return self.column(combined_name(spec))
        raise ConfigError(f"profile {self.profile.name}: columns.{target} must be a column name, a list of "
                          "them, or a table with column = …, sql = … or date = … and time = …")

    def duration(self, target: str, spec: dict[str, Any], exprs: dict[str, str]) -> str:
        """base time + duration (minutes, hours, 'HH:MM:SS' …) as text with its offset."""
        base_name = spec.get("base", "created_at")
        base = exprs.get(base_name) or self.expr(self.profile.columns.get(base_name), base_name)
        if self.profile.time_formats:
            fmts = "[" + ", ".join(quote_literal(f) for f in self.profile.time_formats) + "]"
            base = f"coalesce(strftime(try_strptime(nullif(trim({base}), ''), {fmts}), '%Y-%m-%d %H:%M:%S'), {base})"
        unit = spec.get("unit", "minutes")
        if unit not in UNIT_MINUTES:
            raise ConfigError(f"profile {self.profile.name}: durations.{target}.unit must be one of "
                              f"{', '.join(UNIT_MINUTES)}")
        amount = self.expr(spec["column"], target)
        minutes = f"parse_duration_minutes({amount}, {UNIT_MINUTES[unit]})"
        return (f"cast(parse_ts({base}) + to_microseconds(cast(round({minutes} * 60000000) as bigint)) "
                f"as varchar)")

    def amount(self, figure: str, spec: dict[str, Any]) -> str:
        """An exported figure (a duration in the spec's unit, or 'HH:MM:SS') as minutes, in
        text; a value that is no duration stays as written, for staging to record."""
        unit = spec.get("unit", "minutes")
        if unit not in UNIT_MINUTES:
            raise ConfigError(f"profile {self.profile.name}: reported.{figure}.unit must be one of "
                              f"{', '.join(UNIT_MINUTES)}")
        if "column" not in spec:
            raise ConfigError(f"profile {self.profile.name}: reported.{figure} needs column = \"<the column>\"")
        value = self.expr(spec["column"], figure)
        return (f"coalesce(cast(parse_duration_minutes({value}, {UNIT_MINUTES[unit]}) as varchar), "
                f"nullif(trim({value}), ''))")

    def rules(self, target: str, spec: dict[str, Any]) -> str:
        sources = spec.get("source", [])
        sources = [sources] if isinstance(sources, str) else sources
        present = []
        for source in sources:  # the rule reads the sources the file has
            try:
                present.append(self.column(source))
            except InputError:
                continue
        if not present:
            raise InputError(f"{self.path.name}: none of the columns of rule {target} ({', '.join(sources)})")
        text = "concat_ws(' | ', " + ", ".join(present) + ")"
        cases = " ".join(f"when regexp_matches({text}, {quote_literal(r['match'])}) then {quote_literal(r['value'])}"
                         for r in spec.get("when", []))
        default = spec.get("default")
        fallback = quote_literal(default) if default is not None else "null"
        return f"(case {cases} else {fallback} end)" if cases else fallback

    def joins(self) -> str:
        out = []
        for name in sorted(self.lookups_used):
            spec = self.profile.lookups[name]
            file = self.path.parent / spec["file"]
            if not file.is_file():
                if spec.get("optional"):
                    cols = ", ".join(f"cast(null as varchar) as {quote_ident(c)}" for c in spec.get("columns", []))
                    out.append(f" left join (select cast(null as varchar) as _key, {cols}) lk_{name} on false")
                    continue
                raise InputError(f"{self.path.name}: profile {self.profile.name} looks up {name} in "
                                 f"{spec['file']}, which is not beside the file (in {self.path.parent})")
            delim, headers = csv_dialect(file, "utf-8")
            cols = ", ".join(f"{quote_literal(h)}: 'VARCHAR'" for h in headers)
            keep = ", ".join(quote_ident(c) for c in spec.get("columns", headers))
            table = (f"(select {quote_ident(spec['key'])} as _key, {keep} from read_csv("
                     f"{quote_literal(str(file))}, delim = {quote_literal(delim)}, header = true, "
                     f"auto_detect = false, columns = {{{cols}}}) qualify row_number() over "
                     f"(partition by {quote_ident(spec['key'])}) = 1)")
            on = self.column(spec["on"])
            out.append(f" left join {table} lk_{name} on lk_{name}._key = {on}")
        return "".join(out)


def _value_map(expr: str, table: dict[str, str]) -> str:
    """CASE on the trimmed, lower-cased value; '*' is the value for anything else (default:
    the source value itself, which the vocabulary then tries)."""
    default = table.get("*")
    whens = " ".join(f"when {quote_literal(k.strip().lower())} then {quote_literal(str(v))}"
                     for k, v in table.items() if k != "*")
    fallback = quote_literal(str(default)) if default is not None else expr
    if not whens:
        return fallback
    return f"(case lower(trim({expr})) {whens} else {fallback} end)"


def combined_name(spec: dict[str, Any]) -> str:
    """The column a {date, time} mapping reads: the two joined (see Profile.date_time_pairs)."""
    return f"{spec['date']} + {spec['time']}"


# ---------------------------------------------------------------------- loading profiles
def read_options_of(read: dict[str, Any]) -> ReadOptions:
    """A profile's [read] table (as TOML gives it) as the options to read its files with."""
    return ReadOptions(encoding=read.get("encoding"), delimiter=read.get("delimiter"),
                       header_row=int(read.get("header_row", 1)), json_path=read.get("json_path"),
                       json_join=read.get("json_join"), sheet=str(read["sheet"]) if "sheet" in read else None)


def parse(path: Path) -> Profile:
    """Read and check a profile TOML file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"profile {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"profile {path} is not valid TOML: {exc}") from None
    unknown = set(data) - PROFILE_KEYS
    if unknown:
        raise ConfigError(f"profile {path.name}: unknown tables {sorted(unknown)}")
    meta = data.get("profile", {})
    kind = meta.get("kind", "tickets")
    if kind not in KIND_COLUMNS:
        raise ConfigError(f"profile {path.name}: kind must be one of {', '.join(KIND_COLUMNS)}")
    allowed = set(KIND_COLUMNS[kind])
    for table in ("columns", "durations", "constants", "values", "rules"):
        bad = set(data.get(table, {})) - allowed
        if bad:
            raise ConfigError(f"profile {path.name}: [{table}] names {sorted(bad)}, which are not "
                              f"columns of a {kind} file ({', '.join(sorted(allowed))})")
    bad = set(data.get("reported", {})) - set(REPORTED)
    if bad:
        raise ConfigError(f"profile {path.name}: [reported] names {sorted(bad)}; the figures an export can "
                          f"report are {', '.join(REPORTED)}")
    events = data.get("events", {})
    if events:
        if kind != "tickets":
            raise ConfigError(f"profile {path.name}: [events] belongs to a tickets profile (an event log)")
        bad = set(events) - set(KIND_COLUMNS["events"]) - {"values", "rules"}
        if bad:
            raise ConfigError(f"profile {path.name}: [events] names {sorted(bad)}, which are not columns of "
                              f"an events file ({', '.join(KIND_COLUMNS['events'])})")
        if "ticket_id" not in data.get("columns", {}):
            raise ConfigError(f"profile {path.name}: [events] needs columns.ticket_id")
    read = data.get("read", {})
    time = data.get("time", {})
    tz = time.get("timezone")
    if tz:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"profile {path.name}: time.timezone {tz!r} is not a known time zone") from None
    skip = data.get("skip")
    if skip is not None and "when" not in skip:
        raise ConfigError(f"profile {path.name}: [skip] needs when = \"<SQL condition>\"")
    return Profile(
        name=meta.get("name", path.stem), kind=kind, path=path, description=meta.get("description", ""),
        signature=list(meta.get("signature", [])), signature_exact=bool(meta.get("signature_exact", False)),
        files=list(meta.get("files", [])),
        read=read_options_of(read),
        timezone=tz, time_formats=list(time.get("formats", [])),
        day_first=bool(time["day_first"]) if "day_first" in time else None, columns=data.get("columns", {}),
        durations=data.get("durations", {}), reported=data.get("reported", {}), constants=data.get("constants", {}),
        values={k: {str(a): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()},
        rules=data.get("rules", {}), lookups=data.get("lookups", {}), skip=skip,
        empty=[str(v) for v in read.get("empty", [])], events=events,
    )


def search_dirs() -> list[Path]:
    """Where profiles are found: the shipped ones, ./profiles, and DESK_PROFILES (a list)."""
    dirs = [SHIPPED_DIR, Path.cwd() / "profiles"]
    dirs += [Path(p) for p in os.environ.get("DESK_PROFILES", "").split(os.pathsep) if p]
    return [d for d in dirs if d.is_dir()]


# not a profile: the header synonyms of `profile suggest` (etl/ingest/headers.toml and a
# user's own beside their profiles)
NOT_PROFILES = {"headers.toml"}


def available() -> list[Profile]:
    """Every profile in the search folders (parsed once per file version: detection asks
    for them for every file of a load)."""
    files = [f for folder in search_dirs() for f in sorted(folder.glob("*.toml")) if f.name not in NOT_PROFILES]
    return [_parsed(f, f.stat().st_mtime_ns, f.stat().st_size) for f in files]


@functools.lru_cache(maxsize=256)
def _parsed(path: Path, _mtime_ns: int, _size: int) -> Profile:
    return parse(path)


def find(name_or_path: str) -> Profile:
    """A profile by name (shipped or user) or by the path of its TOML file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.is_file():
        return parse(path)
    for profile in available():
        if profile.name == name_or_path:
            return profile
    names = ", ".join(p.name for p in available())
    raise ConfigError(f"no profile named {name_or_path!r}; known: {names}")


def detect(headers: list[str], path: Path) -> Profile | None:
    """The profile whose signature (and file pattern) fits, the most specific first."""
    fitting = [p for p in available() if p.signature and p.fits(headers, path)]
    if not fitting:
        return None
    return max(fitting, key=lambda p: (len(p.signature) + (10 if p.files else 0), p.name))


def no_profile_error(headers: list[str], path: Path) -> InputError:
    """A message that lists what does not fit and says what to do next."""
    canonical = set().union(*KIND_COLUMNS.values())
    unmatched = [h for h in headers if normalise_header(h) not in canonical]
    closest = sorted(available(), key=lambda p: (-(len(p.signature) - len(p.missing(headers))),
                                                 len(p.missing(headers))))
    hint = ""
    if closest and len(closest[0].missing(headers)) < len(closest[0].signature):
        best = closest[0]
        hint = f" The closest profile, {best.name}, misses the column(s) {', '.join(best.missing(headers))}."
    return InputError(
        f"{path.name}: no mapping profile fits this file, and it is not in the canonical format. "
        f"Columns no profile or canonical column knows: {', '.join(unmatched[:20])}"
        f"{' …' if len(unmatched) > 20 else ''}.{hint} Next step: python -m etl profile suggest "
        f"{path} --out my-profile.toml, check and edit it, then python -m etl load {path} "
        "--profile my-profile.toml (docs/PROFILES.md).")
