"""One place for settings: the shipped defaults, a user's TOML file over them, env overrides.

`load_settings()` returns a validated, immutable `Settings`. Precedence, lowest first:
`etl/core/defaults.toml`, the file named by `--config` or `DESK_CONFIG`, then `DESK_DB` for the
warehouse path (and `--db` on the command line above all).
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from etl.core.alert_settings import AlertSettings, alert_settings
from etl.core.errors import ConfigError

DEFAULTS_FILE = Path(__file__).with_name("defaults.toml")
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS = ("phone", "email", "chat", "web", "app", "ai_bot", "social", "other")
CATEGORIES = (
    "account_security",
    "transaction_delay",
    "withdrawal",
    "account_restriction",
    "password_recovery",
    "app_usage",
    "other",
)
PRIORITIES = ("urgent", "high", "normal", "low", "other")
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed", "other")
CLOCKS = ("calendar", "business")

_HOURS_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    """A working schedule: open intervals per weekday (minutes of the local day)."""

    name: str
    timezone: str
    # weekday index 0=Monday … 6=Sunday → list of (start_minute, end_minute)
    weekly: dict[int, tuple[tuple[int, int], ...]]
    # hours worked on an official make-up working day (调休) that falls on a weekend
    workday_hours: tuple[tuple[int, int], ...]
    holidays: str


@dataclass(frozen=True)
class SlaRule:
    """A first-response target for tickets that match every given dimension."""

    target_minutes: float
    clock: str
    priority: str | None = None
    category: str | None = None
    channel: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class CompletenessRule:
    """What a ticket's record must hold ([[completeness.rules]]): at least one of `any_of`
    (record fields), for tickets of `categories` (None: every category), only once resolved
    when `resolved_only`. `item` names what is missing (ticket_completeness.missing_items)."""

    item: str
    any_of: tuple[str, ...]
    categories: tuple[str, ...] | None = None
    resolved_only: bool = False


# the fields a completeness rule may ask for (tickets columns)
RECORD_FIELDS = ("account_id", "transaction_id", "transaction_at", "amount", "currency", "resolution_note",
                 "customer_id", "subject", "agent_id", "team", "subcategory")


@dataclass(frozen=True)
class ProcessTarget:
    """A time point of the complaint process ([[process.targets]]): from `start` to `stop`
    within `target_minutes` on `clock`, for tickets that match every given dimension. Rules
    with the same name are tried in order; the first that matches a ticket applies."""

    name: str
    start: str
    stop: str
    target_minutes: float
    clock: str
    priority: str | None = None
    category: str | None = None
    channel: str | None = None
    team: str | None = None


# where a process target's clock starts and stops (docs/METRICS.md, process_target_results)
PROCESS_STARTS = ("created", "escalated", "appeal", "external_body")
PROCESS_STOPS = ("first_response", "reply", "solved", "escalated", "solved_or_escalated")


@dataclass(frozen=True)
class ScheduleRule:
    schedule: str
    channel: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class Settings:
    warehouse_path: Path
    memory_limit: str
    source_name: str
    source_timezone: str
    future_tolerance_minutes: float
    reporting_timezone: str
    # Rules in match order; the last one is the catch-all default target.
    sla_rules: tuple[SlaRule, ...]
    schedules: dict[str, Schedule]
    schedule_rules: tuple[ScheduleRule, ...]
    inbox: Path = Path("data/inbox")
    settle_seconds: float = 2.0
    keep_versions: int = 3
    stale_after_hours: float = 26.0
    hash_customer_ids: bool = True
    scrub_free_text: bool = True
    # what the dashboard reads: "warehouse" (the DuckDB file) or "lake" (Parquet metric tables)
    dashboard_source: str = "warehouse"
    lake_metrics: Path | None = None   # the folder `lake metrics --out` publishes
    lake: Path | None = None           # the lake's cleaned tables, when not where the metrics say
    alerts: AlertSettings = field(default_factory=AlertSettings)  # [alerts]: etl/core/alert_settings.py
    process_targets: tuple[ProcessTarget, ...] = ()
    # [import]: the dashboard's Import page (dashboard/views/import_data.py, etl/load/preview.py)
    analysts_may_import: bool = False
    import_max_upload_mb: float = 200.0
    import_profiles: Path = Path("profiles")
    import_sample_rows: int = 500
    # [assistant]: the AI assistant page (ticket_assistant, assistant_automation)
    assistant_human_schedule: str = "default"
    assistant_answered_within_minutes: float = 5.0
    assistant_target_pct: float = 60.0
    assistant_action_cap_minutes: float = 30.0
    assistant_min_handled: int = 20
    repeat_window_days: float = 7.0  # [repeats] window_days: a repeat comes back within this of the resolution  # [[process.targets]], in the order they are tried
    completeness_rules: tuple[CompletenessRule, ...] = ()  # [[completeness.rules]]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge `over` into `base`; tables merge key by key, except the ones that are
    replaced as a whole (schedules, rule lists) so a user's file is not mixed with ours."""
    out = dict(base)
    for key, value in over.items():
        whole = key in ("schedules", "schedule_rules", "rules")
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not whole:
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def _zone(name: Any, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where} must be an IANA time zone name such as 'Asia/Shanghai'")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where} = {name!r} is not a known time zone") from None
    return name


def _intervals(spec: Any, where: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(spec, list):
        raise ConfigError(f"{where} must be a list of 'HH:MM-HH:MM' strings")
    out: list[tuple[int, int]] = []
    for item in spec:
        m = _HOURS_RE.match(str(item).strip())
        if not m:
            raise ConfigError(f"{where}: {item!r} is not of the form 'HH:MM-HH:MM'")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if not (0 <= start < end <= 24 * 60) or m1 > 59 or m2 > 59:
            raise ConfigError(f"{where}: {item!r} must open before it closes, within one day")
        out.append((start, end))
    out.sort()
    for (_s1, e1), (s2, _e2) in zip(out, out[1:]):
        if s2 < e1:
            raise ConfigError(f"{where}: intervals overlap")
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _holiday_countries() -> frozenset[str]:
    """The country codes the holidays library knows (listing them loads its registry: ~20 ms)."""
    import holidays as holidays_lib

    return frozenset(holidays_lib.list_supported_countries())


def _schedule(name: str, spec: dict[str, Any]) -> Schedule:
    where = f"schedules.{name}"
    tz = _zone(spec.get("timezone", "Asia/Shanghai"), f"{where}.timezone")
    days = spec.get("days", list(WEEKDAYS[:5]))
    bad = [d for d in days if d not in WEEKDAYS]
    if bad:
        raise ConfigError(f"{where}.days: {bad} are not weekdays; use {', '.join(WEEKDAYS)}")
    hours = _intervals(spec.get("hours", ["09:00-18:00"]), f"{where}.hours")
    weekly: dict[int, tuple[tuple[int, int], ...]] = {}
    for i, day in enumerate(WEEKDAYS):
        if day in spec:
            weekly[i] = _intervals(spec[day], f"{where}.{day}")
        elif day in days:
            weekly[i] = hours
        else:
            weekly[i] = ()
    holidays = str(spec.get("holidays", ""))
    if holidays:
        if holidays.upper() not in _holiday_countries():
            raise ConfigError(f"{where}.holidays = {holidays!r} is not a country code known "
                              "to the holidays library (e.g. 'CN'), nor '' for none")
    return Schedule(name=name, timezone=tz, weekly=weekly, workday_hours=hours,
                    holidays=holidays.upper())


def _opt(spec: dict[str, Any], key: str, allowed: tuple[str, ...] | None, where: str) -> str | None:
    value = spec.get(key)
    if value is None:
        return None
    if allowed is not None and value not in allowed:
        raise ConfigError(f"{where}.{key} = {value!r}; use one of {', '.join(allowed)}")
    return str(value)


def _minutes(value: Any, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{where} must be a positive number of minutes")
    return float(value)


def _clock(value: Any, where: str) -> str:
    if value not in CLOCKS:
        raise ConfigError(f"{where} = {value!r}; use 'calendar' or 'business'")
    return str(value)


def _assistant(spec: dict[str, Any], schedules: dict[str, Any]) -> dict[str, Any]:
    """[assistant]: the human agents' schedule, "answered at once", the target containment."""
    human = spec.get("human_schedule", "default")
    if human not in schedules:
        raise ConfigError(f"assistant.human_schedule = {human!r} names no [schedules.NAME]")
    within = spec.get("answered_within_minutes", 5)
    target = spec.get("target_containment_pct", 60)
    cap = spec.get("action_cap_minutes", 30)
    least = spec.get("min_handled", 20)
    for name, value in (("answered_within_minutes", within), ("action_cap_minutes", cap)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"assistant.{name} must be a positive number of minutes, not {value!r}")
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 <= target <= 100:
        raise ConfigError(f"assistant.target_containment_pct must be a percentage from 0 to 100, not {target!r}")
    if isinstance(least, bool) or not isinstance(least, int) or least < 1:
        raise ConfigError(f"assistant.min_handled must be a whole number ≥ 1, not {least!r}")
    return {"assistant_human_schedule": str(human), "assistant_answered_within_minutes": float(within),
            "assistant_target_pct": float(target), "assistant_action_cap_minutes": float(cap),
            "assistant_min_handled": least}


def _window_days(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 365:
        raise ConfigError(f"repeats.window_days must be a number of days from 0 to 365, not {value!r}")
    return float(value)


def _completeness_rules(data: dict[str, Any]) -> tuple[CompletenessRule, ...]:
    """[[completeness.rules]]: the record's required fields per category."""
    out: list[CompletenessRule] = []
    for i, rule in enumerate(data.get("completeness", {}).get("rules", [])):
        where = f"completeness.rules[{i}]"
        item = rule.get("item")
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"{where}.item must name what the record lacks (e.g. \"transaction\")")
        fields = rule.get("any_of")
        if isinstance(fields, str):
            fields = [fields]
        if not isinstance(fields, list) or not fields or any(f not in RECORD_FIELDS for f in fields):
            raise ConfigError(f"{where}.any_of = {fields!r}: a list of one or more of {', '.join(RECORD_FIELDS)}")
        cats = rule.get("categories")
        if isinstance(cats, str):
            cats = [cats]
        if cats is not None and (not isinstance(cats, list) or any(c not in CATEGORIES for c in cats)):
            raise ConfigError(f"{where}.categories = {cats!r}: a list of {', '.join(CATEGORIES)} "
                              "(leave it out for every category)")
        resolved_only = rule.get("resolved_only", False)
        if not isinstance(resolved_only, bool):
            raise ConfigError(f"{where}.resolved_only must be true or false")
        out.append(CompletenessRule(item=item.strip(), any_of=tuple(fields),
                                    categories=tuple(cats) if cats is not None else None,
                                    resolved_only=resolved_only))
    return tuple(out)


def _process_targets(data: dict[str, Any]) -> tuple[ProcessTarget, ...]:
    """[[process.targets]]: the process's time points besides the first response (which is
    [sla.first_response])."""
    out: list[ProcessTarget] = []
    for i, rule in enumerate(data.get("process", {}).get("targets", [])):
        where = f"process.targets[{i}]"
        if not isinstance(rule, dict):
            raise ConfigError(f"{where} must be a table ([[process.targets]])")
        keys = set(rule) - {"name", "start", "stop", "target_minutes", "clock", "priority", "category",
                            "channel", "team"}
        if keys:
            raise ConfigError(f"{where}: unknown keys {sorted(keys)}")
        name = rule.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", name):
            raise ConfigError(f"{where}.name must be a name of lower-case letters, digits and _ (e.g. "
                              "'appeal_answered')")
        if name == "first_response":
            raise ConfigError(f"{where}: the first response's time point is [sla.first_response]; "
                              "give this target another name")
        start, stop = rule.get("start", "created"), rule.get("stop")
        if start not in PROCESS_STARTS:
            raise ConfigError(f"{where}.start = {start!r}; use one of {', '.join(PROCESS_STARTS)}")
        if stop not in PROCESS_STOPS:
            raise ConfigError(f"{where}.stop = {stop!r}; use one of {', '.join(PROCESS_STOPS)}")
        if start != "created" and stop not in ("reply", "solved"):
            raise ConfigError(f"{where}: a clock that starts at {start!r} stops at 'reply' or 'solved'")
        out.append(ProcessTarget(
            name=name, start=start, stop=stop,
            target_minutes=_minutes(rule.get("target_minutes"), f"{where}.target_minutes"),
            clock=_clock(rule.get("clock", "calendar"), f"{where}.clock"),
            priority=_opt(rule, "priority", PRIORITIES, where),
            category=_opt(rule, "category", CATEGORIES, where),
            channel=_opt(rule, "channel", CHANNELS, where),
            team=_opt(rule, "team", None, where),
        ))
    return tuple(out)


def _path(value: Any) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else Path.cwd() / path


def _import_settings(spec: dict[str, Any]) -> dict[str, Any]:
    """[import]: who may import, the upload limit, the profile folder, the preview's sample."""
    unknown = set(spec) - {"analysts_may_import", "max_upload_mb", "profiles", "sample_rows"}
    if unknown:
        raise ConfigError(f"import: unknown keys {sorted(unknown)}")
    allowed = spec.get("analysts_may_import", False)
    if not isinstance(allowed, bool):
        raise ConfigError("import.analysts_may_import must be true or false")
    limit = spec.get("max_upload_mb", 200)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 < limit <= 100_000:
        raise ConfigError(f"import.max_upload_mb must be a number of MB above 0, not {limit!r}")
    rows = spec.get("sample_rows", 500)
    if isinstance(rows, bool) or not isinstance(rows, int) or not 10 <= rows <= 1_000_000:
        raise ConfigError(f"import.sample_rows must be a whole number from 10 to 1000000, not {rows!r}")
    return {"analysts_may_import": allowed, "import_max_upload_mb": float(limit),
            "import_profiles": _path(spec.get("profiles", "profiles")), "import_sample_rows": rows}


def build_settings(data: dict[str, Any], db_override: str | os.PathLike[str] | None = None) -> Settings:
    """Validate a merged configuration mapping into `Settings`."""
    wh = data.get("warehouse", {})
    src = data.get("source", {})
    rep = data.get("reporting", {})
    frt = data.get("sla", {}).get("first_response", {})

    default_clock = _clock(frt.get("clock", "calendar"), "sla.first_response.clock")
    default_target = _minutes(frt.get("target_minutes", 1440), "sla.first_response.target_minutes")
    rules: list[SlaRule] = []
    for i, rule in enumerate(frt.get("rules", [])):
        where = f"sla.first_response.rules[{i}]"
        keys = set(rule) - {"priority", "category", "channel", "team", "target_minutes", "clock"}
        if keys:
            raise ConfigError(f"{where}: unknown keys {sorted(keys)}")
        rules.append(SlaRule(
            target_minutes=_minutes(rule.get("target_minutes", default_target), f"{where}.target_minutes"),
            clock=_clock(rule.get("clock", default_clock), f"{where}.clock"),
            priority=_opt(rule, "priority", PRIORITIES, where),
            category=_opt(rule, "category", CATEGORIES, where),
            channel=_opt(rule, "channel", CHANNELS, where),
            team=_opt(rule, "team", None, where),
        ))
    rules.append(SlaRule(target_minutes=default_target, clock=default_clock))

    schedules_spec = data.get("schedules", {})
    if "default" not in schedules_spec:
        raise ConfigError("schedules.default is missing: every ticket needs a schedule")
    schedules = {name: _schedule(name, spec) for name, spec in schedules_spec.items()}
    srules: list[ScheduleRule] = []
    for i, rule in enumerate(data.get("schedule_rules", [])):
        where = f"schedule_rules[{i}]"
        name = rule.get("schedule")
        if name not in schedules:
            raise ConfigError(f"{where}.schedule = {name!r} is not a schedule defined under [schedules]")
        if rule.get("channel") is None and rule.get("team") is None:
            raise ConfigError(f"{where} must name a channel or a team")
        srules.append(ScheduleRule(schedule=name, channel=_opt(rule, "channel", CHANNELS, where),
                                   team=_opt(rule, "team", None, where)))

    path = db_override or os.environ.get("DESK_DB") or wh.get("path", "data/warehouse.duckdb")
    path = Path(path)
    if not path.is_absolute():
        path = Path.cwd() / path
    refresh = data.get("refresh", {})
    inbox = Path(refresh.get("inbox", "data/inbox"))
    if not inbox.is_absolute():
        inbox = Path.cwd() / inbox
    keep = refresh.get("keep_versions", 3)
    if not isinstance(keep, int) or keep < 1:
        raise ConfigError("refresh.keep_versions must be a whole number ≥ 1")
    settle = refresh.get("settle_seconds", 2)
    if not isinstance(settle, (int, float)) or settle < 0:
        raise ConfigError("refresh.settle_seconds must be a number of seconds ≥ 0")
    dash = data.get("dashboard", {})
    source = dash.get("source", "warehouse")
    if source not in ("warehouse", "lake"):
        raise ConfigError(f"dashboard.source = {source!r}: use \"warehouse\" or \"lake\"")
    lake_metrics = _path(dash.get("lake_metrics", "data/lake-metrics"))
    lake = _path(dash["lake"]) if dash.get("lake") else None
    return Settings(
        dashboard_source=source,
        lake_metrics=lake_metrics,
        lake=lake,
        warehouse_path=path,
        memory_limit=str(wh.get("memory_limit", "3GB")),
        source_name=str(src.get("name", "desk")),
        source_timezone=_zone(src.get("timezone", "Asia/Shanghai"), "source.timezone"),
        future_tolerance_minutes=float(src.get("future_tolerance_minutes", 1440)),
        reporting_timezone=_zone(rep.get("timezone", "Asia/Shanghai"), "reporting.timezone"),
        sla_rules=tuple(rules),
        schedules=schedules,
        schedule_rules=tuple(srules),
        inbox=inbox,
        settle_seconds=float(settle),
        keep_versions=keep,
        stale_after_hours=float(refresh.get("stale_after_hours", 26)),
        hash_customer_ids=bool(data.get("privacy", {}).get("hash_customer_ids", True)),
        scrub_free_text=bool(data.get("privacy", {}).get("scrub_free_text", True)),
        alerts=alert_settings(data),
        process_targets=_process_targets(data),
        repeat_window_days=_window_days(data.get("repeats", {}).get("window_days", 7)),
        **_assistant(data.get("assistant", {}), schedules),
        completeness_rules=_completeness_rules(data),
        **_import_settings(data.get("import", {})),
        raw=data,
    )


def load_settings(config: str | os.PathLike[str] | None = None,
                  db: str | os.PathLike[str] | None = None) -> Settings:
    """Defaults, then the user's file (argument or DESK_CONFIG), then DESK_DB / `db`."""
    data = _read_toml(DEFAULTS_FILE)
    config = config or os.environ.get("DESK_CONFIG")
    if config:
        data = _deep_merge(data, _read_toml(Path(config)))
    return build_settings(data, db)


def settings_with(overrides: dict[str, Any], db: str | os.PathLike[str] | None = None) -> Settings:
    """The defaults merged with `overrides`, as a TOML file saying the same would be (for
    callers that hold settings as data: tests, the import page)."""
    return build_settings(_deep_merge(_read_toml(DEFAULTS_FILE), overrides), db)
