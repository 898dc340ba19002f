"""The [alerts] settings: rules, destinations and delivery, checked when the settings load.

They are part of the settings (etl/core) rather than of etl/alerts because every settings
load checks them: a rule naming an unknown metric, field or window is a configuration error
like a bad SLA rule, reported in words before anything runs (and by `python -m etl alerts
list`). The metrics a rule may name are the files of etl/sql/alerts/metrics/: each file's
header declares its label, unit, the fields a rule may filter or split by, and a parameter if
it takes one; the alert evaluation (etl/alerts) runs them. docs/ALERTS.md describes it all.

Values only: environment variables are named here and read at delivery time, so the settings
never hold a password, and a dashboard without them still loads its settings.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from etl.core import sqlfiles
from etl.core.errors import ConfigError
from etl.core.vocab import normalise, vocabulary

METRICS_DIR = "alerts/metrics"
# windows by name (relative to the data's as_of, in the reporting time zone); and last_<N>h / last_<N>d
WINDOWS = ("today", "yesterday", "this_week", "last_week", "this_month", "last_month", "all")
_LAST = re.compile(r"^last_(\d{1,4})_?(h|d|hours?|days?)$")
THRESHOLDS = ("above", "below", "at_least", "at_most")
CHANGES = ("drops_by", "rises_by")  # against the window of the same length just before
CONDITIONS = (*THRESHOLDS, *CHANGES)
FORMATS = ("desk", "slack", "wecom", "dingtalk")
SECURITY = ("starttls", "ssl", "none")
LANGUAGES = ("en", "zh")
# rule fields whose values are canonical (etl/core/vocab.toml): a synonym is read as its value
CANONICAL = ("channel", "category", "priority", "status")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_RULE_KEYS = {"name", "metric", "window", "where", "per", "min_count", "notify", "enabled", "description",
              *CONDITIONS}


class AlertRuleError(ConfigError):
    """An alert rule (or the alert delivery settings) cannot be used as written."""

    title = "An alert rule is not valid"


@dataclass(frozen=True)
class Metric:
    """A metric a rule may watch: etl/sql/alerts/metrics/<name>.sql and its header."""

    name: str
    label_en: str
    label_zh: str
    unit: str            # percent | tickets | minutes
    fields: tuple[str, ...]
    parameter: str | None
    empty: float | None  # the value of a window without any row (0 for counts, else unknown)
    basis: str
    behind: str
    source: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@cache
def metrics() -> dict[str, Metric]:
    """The metrics a rule may name, from the headers of etl/sql/alerts/metrics/*.sql."""
    out = {}
    for path in sorted((sqlfiles.SQL_DIR / METRICS_DIR).glob("*.sql")):
        head = sqlfiles.header(f"{METRICS_DIR}/{path.stem}")
        empty = head.get("empty", "null")
        out[path.stem] = Metric(
            name=path.stem, label_en=head.get("label_en", path.stem), label_zh=head.get("label_zh", path.stem),
            unit=head.get("unit", ""), fields=tuple(f.strip() for f in head.get("fields", "").split(",") if f.strip()),
            parameter=head.get("parameter"), empty=None if empty == "null" else float(empty),
            basis=head.get("basis", ""), behind=head.get("behind", ""), source=head.get("from", ""))
    return out


@dataclass(frozen=True)
class AlertRule:
    """When to tell someone: a metric over a window, filtered, against a threshold or against
    the previous window. Fires when it starts to hold and when it clears (per subject: the
    value of `per`, e.g. each agent, or the rule as a whole)."""

    name: str
    metric: str
    window: str
    condition: str        # one of CONDITIONS
    threshold: float      # the number after the condition (drops_by/rises_by: in the metric's unit)
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()
    per: str | None = None
    parameter: str | None = None  # the value of the metric's parameter (e.g. error_type)
    min_count: int = 0
    notify: tuple[str, ...] | None = None  # destination names; None: every destination
    enabled: bool = True
    description: str = ""

    @property
    def compares_previous(self) -> bool:
        return self.condition in CHANGES


@dataclass(frozen=True)
class Destination:
    """Where a rule's messages go: a list of e-mail addresses, or a webhook."""

    name: str
    kind: str  # email | webhook
    to: tuple[str, ...] = ()
    url: str = ""
    url_env: str = ""
    secret_env: str = ""
    format: str = "desk"
    signature_header: str = "X-Desk-Signature"
    ca_file: str = ""


@dataclass(frozen=True)
class Smtp:
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username_env: str = ""
    password_env: str = ""
    sender: str = ""
    ca_file: str = ""


@dataclass(frozen=True)
class AlertSettings:
    rules: tuple[AlertRule, ...] = ()
    destinations: dict[str, Destination] = field(default_factory=dict)
    smtp: Smtp = Smtp()
    dashboard_url: str = ""
    language: str = "en"
    max_tickets: int = 200
    retries: int = 2
    backoff_seconds: float = 1.0
    timeout_seconds: float = 10.0
    digest_notify: tuple[str, ...] | None = None  # [alerts.digest] notify; None: every destination
    digest_min_decided: int = 20
    rules_file: Path | None = None  # [alerts] rules_file, resolved (its rules are in `rules`)

    def rule(self, name: str) -> AlertRule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        known = ", ".join(r.name for r in self.rules) or "none are configured"
        raise AlertRuleError(f"there is no alert rule named {name!r} (rules: {known})")

    def destinations_of(self, rule: AlertRule) -> list[Destination]:
        names = rule.notify if rule.notify is not None else tuple(self.destinations)
        return [self.destinations[n] for n in names]


def window_name(text: str) -> str | None:
    """A window as written (`last_24h`, `last 7 days`, `this_week` …) in its canonical form
    (`last_24h`, `last_7d`, `this_week`), or None when it is not a window."""
    text = text.strip().lower().replace(" ", "_")
    if text in WINDOWS:
        return text
    m = _LAST.match(text)
    if not m or int(m.group(1)) == 0:
        return None
    return f"last_{int(m.group(1))}{m.group(2)[0]}"


def _text(spec: dict[str, Any], key: str, where: str, default: str = "") -> str:
    value = spec.get(key, default)
    if not isinstance(value, str):
        raise AlertRuleError(f"{where}.{key} must be a text, not {value!r}")
    return value.strip()


def _env_name(spec: dict[str, Any], key: str, where: str, default: str = "") -> str:
    value = _text(spec, key, where, default)
    if value and not _ENV.match(value):
        raise AlertRuleError(f"{where}.{key} = {value!r} must be the name of an environment variable "
                             "(letters, digits, _), not its value")
    return value


def _number(spec: dict[str, Any], key: str, where: str, default: float, low: float, high: float) -> float:
    value = spec.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise AlertRuleError(f"{where}.{key} = {value!r} must be a number from {low:g} to {high:g}")
    return float(value)


def _values(fld: str, raw: Any, where: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise AlertRuleError(f"{where}.{fld} must be a value or a list of values (texts), not {raw!r}")
    if fld not in CANONICAL:
        return tuple(v.strip() for v in items)
    table = vocabulary()[fld]
    out = []
    for v in items:
        canonical = table.get(normalise(v))
        if canonical is None:
            allowed = ", ".join(sorted(set(table.values())))
            raise AlertRuleError(f"{where}.{fld} = {v!r} is not a {fld} the warehouse knows; use one of {allowed}")
        out.append(canonical)
    return tuple(out)


def _rule(spec: Any, where: str, destinations: dict[str, Destination]) -> AlertRule:
    if not isinstance(spec, dict):
        raise AlertRuleError(f"{where} must be a table of keys ([[alerts.rules]])")
    name = spec.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise AlertRuleError(f"{where}.name = {name!r}: give each rule a name of lower-case letters, digits, "
                             "'_' or '-' (at most 64)")
    where = f"{where} ({name})"
    unknown = sorted(set(spec) - _RULE_KEYS)
    if unknown:
        raise AlertRuleError(f"{where}: unknown keys {unknown}; a rule has {', '.join(sorted(_RULE_KEYS))}")
    catalogue = metrics()
    metric = catalogue.get(str(spec.get("metric")))
    if metric is None:
        raise AlertRuleError(f"{where}.metric = {spec.get('metric')!r} is not a metric; use one of "
                             f"{', '.join(catalogue)} (docs/ALERTS.md)")
    window = window_name(_text(spec, "window", where))
    if window is None:
        raise AlertRuleError(f"{where}.window = {spec.get('window')!r} is not a window; use last_<N>h, "
                             f"last_<N>d (e.g. last_24h, last_7d), or one of {', '.join(WINDOWS)}")
    found = [c for c in CONDITIONS if c in spec]
    if len(found) != 1:
        raise AlertRuleError(f"{where} must give exactly one condition of {', '.join(CONDITIONS)} "
                             f"(e.g. below = 95, or drops_by = 10), not {found or 'none'}")
    condition = found[0]
    threshold = _number(spec, condition, where, 0, -1e12, 1e12)
    if condition in CHANGES and threshold <= 0:
        raise AlertRuleError(f"{where}.{condition} must be above 0 (how much the value moves against the "
                             "previous window)")
    if condition in CHANGES and window == "all":
        raise AlertRuleError(f"{where}: window \"all\" has no previous window to compare with; "
                             "use a threshold or another window")
    filters = spec.get("where", {})
    if not isinstance(filters, dict):
        raise AlertRuleError(f"{where}.where must be a table such as {{ category = \"withdrawal\" }}")
    parameter = None
    parsed: list[tuple[str, tuple[str, ...]]] = []
    for fld, raw in filters.items():
        if metric.parameter is not None and fld == metric.parameter:
            if not isinstance(raw, str):
                raise AlertRuleError(f"{where}.where.{fld} must be one value")
            table = vocabulary().get(fld, {})
            parameter = table.get(normalise(raw)) if table else raw
            if parameter is None:
                raise AlertRuleError(f"{where}.where.{fld} = {raw!r} is not known; use one of "
                                     f"{', '.join(sorted(set(table.values())))}")
            continue
        if fld not in metric.fields:
            raise AlertRuleError(f"{where}.where names the field {fld!r}, which {metric.name} does not have; "
                                 f"its fields: {', '.join(metric.fields)}")
        parsed.append((fld, _values(fld, raw, f"{where}.where")))
    if metric.parameter is not None and parameter is None:
        raise AlertRuleError(f"{where}: {metric.name} needs where.{metric.parameter} (e.g. "
                             f"where = {{ {metric.parameter} = \"incomplete_record\" }})")
    per = spec.get("per")
    if per is not None and per not in metric.fields:
        raise AlertRuleError(f"{where}.per = {per!r} is not a field of {metric.name}; use one of "
                             f"{', '.join(metric.fields)}")
    min_count = spec.get("min_count", 0)
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 0:
        raise AlertRuleError(f"{where}.min_count must be a whole number ≥ 0")
    notify = spec.get("notify")
    if notify is not None:
        if not isinstance(notify, list) or not all(isinstance(n, str) for n in notify):
            raise AlertRuleError(f"{where}.notify must be a list of destination names")
        missing = [n for n in notify if n not in destinations]
        if missing:
            raise AlertRuleError(f"{where}.notify names {missing}, not defined under [alerts.destinations] "
                                 f"(defined: {', '.join(destinations) or 'none'})")
        notify = tuple(notify)
    enabled = spec.get("enabled", True)
    if not isinstance(enabled, bool):
        raise AlertRuleError(f"{where}.enabled must be true or false")
    return AlertRule(name=name, metric=metric.name, window=window, condition=condition, threshold=threshold,
                     where=tuple(parsed), per=per, parameter=parameter, min_count=min_count, notify=notify,
                     enabled=enabled, description=_text(spec, "description", where))


def _destination(name: str, spec: Any) -> Destination:
    where = f"alerts.destinations.{name}"
    if not isinstance(spec, dict):
        raise AlertRuleError(f"{where} must be a table with type = \"email\" or \"webhook\"")
    kind = spec.get("type")
    if kind == "email":
        to = spec.get("to")
        if not isinstance(to, list) or not to or not all(isinstance(a, str) and "@" in a for a in to):
            raise AlertRuleError(f"{where}.to must be a list of e-mail addresses")
        return Destination(name=name, kind="email", to=tuple(a.strip() for a in to))
    if kind == "webhook":
        url, url_env = _text(spec, "url", where), _env_name(spec, "url_env", where)
        if bool(url) == bool(url_env):
            raise AlertRuleError(f"{where}: give url (an http(s) address) or url_env (the environment "
                                 "variable holding it, for addresses that carry a key), one of them")
        if url and not re.match(r"^https?://[^\s/]+", url):
            raise AlertRuleError(f"{where}.url = {url!r} must be an http:// or https:// address")
        fmt = _text(spec, "format", where, "desk")
        if fmt not in FORMATS:
            raise AlertRuleError(f"{where}.format = {fmt!r}; use one of {', '.join(FORMATS)}")
        header = _text(spec, "signature_header", where, "X-Desk-Signature")
        if not re.match(r"^[A-Za-z0-9-]{1,64}$", header):
            raise AlertRuleError(f"{where}.signature_header = {header!r} is not an HTTP header name")
        return Destination(name=name, kind="webhook", url=url, url_env=url_env, format=fmt,
                           secret_env=_env_name(spec, "secret_env", where), signature_header=header,
                           ca_file=_text(spec, "ca_file", where))
    raise AlertRuleError(f"{where}.type = {kind!r}; use \"email\" or \"webhook\"")


def _read_rules_file(path: Path) -> list[Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise AlertRuleError(f"alerts.rules_file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise AlertRuleError(f"alerts.rules_file {path} is not valid TOML: {exc}") from None
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise AlertRuleError(f"alerts.rules_file {path}: give the rules as [[rules]] tables")
    return rules


def alert_settings(data: dict[str, Any]) -> AlertSettings:
    """Validate the [alerts] table of a merged configuration (and its rules file)."""
    spec = data.get("alerts", {})
    if not isinstance(spec, dict):
        raise AlertRuleError("alerts must be a table")
    smtp_spec = spec.get("smtp", {})
    port = smtp_spec.get("port", 587)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise AlertRuleError(f"alerts.smtp.port = {port!r} must be a port number")
    security = _text(smtp_spec, "security", "alerts.smtp", "starttls")
    if security not in SECURITY:
        raise AlertRuleError(f"alerts.smtp.security = {security!r}; use one of {', '.join(SECURITY)}")
    smtp = Smtp(host=_text(smtp_spec, "host", "alerts.smtp"), port=port, security=security,
                username_env=_env_name(smtp_spec, "username_env", "alerts.smtp"),
                password_env=_env_name(smtp_spec, "password_env", "alerts.smtp"),
                sender=_text(smtp_spec, "from", "alerts.smtp"), ca_file=_text(smtp_spec, "ca_file", "alerts.smtp"))
    if security == "none" and smtp.username_env:
        raise AlertRuleError("alerts.smtp: a login (username_env) needs security = \"starttls\" or \"ssl\"; "
                             "a password is never sent in clear text")
    destinations = {str(n): _destination(str(n), d) for n, d in spec.get("destinations", {}).items()}
    if any(d.kind == "email" for d in destinations.values()) and not (smtp.host and smtp.sender):
        raise AlertRuleError("an e-mail destination needs alerts.smtp.host and alerts.smtp.from")
    raw_rules = spec.get("rules", [])
    if not isinstance(raw_rules, list):
        raise AlertRuleError("alerts.rules must be a list of [[alerts.rules]] tables")
    rules = [_rule(r, f"alerts.rules[{i}]", destinations) for i, r in enumerate(raw_rules)]
    rules_file = _text(spec, "rules_file", "alerts")
    path = None
    if rules_file:
        path = Path(rules_file) if Path(rules_file).is_absolute() else Path.cwd() / rules_file
        rules += [_rule(r, f"{path.name} rules[{i}]", destinations) for i, r in enumerate(_read_rules_file(path))]
    names = [r.name for r in rules]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise AlertRuleError(f"alert rule names must be unique; {', '.join(twice)} given twice")
    language = _text(spec, "language", "alerts", "en")
    if language not in LANGUAGES:
        raise AlertRuleError(f"alerts.language = {language!r}; use \"en\" or \"zh\"")
    max_tickets = spec.get("max_tickets", 200)
    if not isinstance(max_tickets, int) or isinstance(max_tickets, bool) or not 0 <= max_tickets <= 100_000:
        raise AlertRuleError("alerts.max_tickets must be a whole number from 0 to 100000")
    digest = spec.get("digest", {})
    digest_notify = digest.get("notify")
    if digest_notify is not None:
        if not isinstance(digest_notify, list) or not all(isinstance(n, str) for n in digest_notify):
            raise AlertRuleError("alerts.digest.notify must be a list of destination names")
        missing = [n for n in digest_notify if n not in destinations]
        if missing:
            raise AlertRuleError(f"alerts.digest.notify names {missing}, not defined under [alerts.destinations]")
        digest_notify = tuple(digest_notify)
    return AlertSettings(
        rules_file=path, digest_notify=digest_notify,
        digest_min_decided=int(_number(digest, "min_decided", "alerts.digest", 20, 1, 1e9)),
        rules=tuple(rules), destinations=destinations, smtp=smtp,
        dashboard_url=_text(spec, "dashboard_url", "alerts"), language=language, max_tickets=max_tickets,
        retries=int(_number(spec, "retries", "alerts", 2, 0, 5)),
        backoff_seconds=_number(spec, "backoff_seconds", "alerts", 1.0, 0, 30),
        timeout_seconds=_number(spec, "timeout_seconds", "alerts", 10.0, 0.1, 120))
