"""Write a starting profile for an export no profile fits, from its header and sampled
values: which column is which canonical field (English and Chinese names), durations given
instead of time stamps, the time format, the encoding and delimiter, and the enumeration
values the vocabulary does not know (to be filled in by the user)."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import duckdb

from etl.core.errors import ConfigError, InputError
from etl.core.kinds import KIND_COLUMNS, normalise_header
from etl.core.sqlfiles import quote_ident
from etl.core.vocab import map_values
from etl.ingest.read import ReadOptions, file_format, json_record_paths, read_raw, sheet_names
from etl.ingest.timeformats import infer

SHIPPED_HEADERS = Path(__file__).resolve().parent.parent / "headers.toml"


def synonyms() -> dict[str, list[str]]:
    """Header synonyms per canonical tickets field: a user's headers.toml (beside their
    profiles) first, then the shipped etl/ingest/headers.toml."""
    from etl.ingest.profiles import search_dirs

    merged: dict[str, list[str]] = {}
    files = [d / "headers.toml" for d in search_dirs() if (d / "headers.toml").is_file()]
    for file in [*(f for f in files if f != SHIPPED_HEADERS), SHIPPED_HEADERS]:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{file}: cannot be read as TOML ({exc})") from None
        for target, words in data.get("tickets", {}).items():
            if target not in KIND_COLUMNS["tickets"]:
                raise ConfigError(f"{file}: [tickets] {target} is not a column of a tickets file")
            merged.setdefault(target, []).extend(str(w) for w in words)
    return merged


# a duration column: "First reply time in minutes", "Resolution time (in hrs)", "首次响应时长(分钟)"
DURATION = re.compile(r"(?P<what>first (reply|response)|resolution|full resolution|首次(回复|响应)|解决|处理)"
                      r"[^a-z]*(time|时间|时长|耗时).*?(in\s*)?[(（]?"
                      r"(?P<unit>minutes|mins|min|hours|hrs|hr|seconds|secs|分钟|小时|秒)[)）]?", re.I)
UNITS = {"minutes": "minutes", "mins": "minutes", "min": "minutes", "hours": "hours", "hrs": "hours",
         "hr": "hours", "seconds": "seconds", "secs": "seconds", "分钟": "minutes", "小时": "hours",
         "秒": "seconds"}
# figures within business hours are the export's own, not offsets from creation in calendar time
BUSINESS = re.compile(r"business|working|office hours|工作时间|营业时间|工作日|hábil|habil|útil|util", re.I)
TIME_TARGETS = ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "escalated_at")
ENUM_TARGETS = ("channel", "category", "priority", "status")
# words of satisfaction surveys → CSAT 1–5
CSAT_WORDS = [("extremely dissatisfied", 1), ("very dissatisfied", 1), ("非常不满意", 1), ("dissatisfied", 2),
              ("不满意", 2), ("unsatisfied", 2), ("neutral", 3), ("一般", 3), ("extremely satisfied", 5),
              ("very satisfied", 5), ("非常满意", 5), ("satisfied", 4), ("满意", 4), ("good", 5), ("bad", 1)]


def _key(text: str) -> str:
    """A header as synonyms are compared: normalised, "_" a blank, and camelCase words apart
    (an API's ticketCode, createTime read as "ticket code", "create time")."""
    return normalise_header(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)).replace("_", " ")


def match_headers(headers: list[str], words: dict[str, list[str]]) -> dict[str, str]:
    """canonical field → the file's column for it: per field, the column whose name is the
    earliest synonym in its list (the lists go from specific to general)."""
    rank: dict[str, dict[str, int]] = {t: {_key(w): i for i, w in reversed(list(enumerate(ws)))}
                                       for t, ws in words.items()}
    best: dict[str, tuple[int, int, str]] = {}
    taken: set[str] = set()
    # the most specific matches first, so that a column serves one field only
    candidates = sorted((rank[t][_key(h)], pos, t, h) for pos, h in enumerate(headers)
                        for t in rank if _key(h) in rank[t])
    for score, pos, target, header in candidates:
        if target in best or header in taken:
            continue
        best[target] = (score, pos, header)
        taken.add(header)
    return {t: h for t, (_s, _p, h) in best.items()}


def toml_string(text: str) -> str:
    """A TOML basic string; line breaks and control characters (a header cell may hold
    them) escaped."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in out)
    return '"' + out + '"'


YES = {"yes", "y", "true", "1", "是", "有", "sí", "si", "sim"}
NO = {"no", "n", "false", "0", "否", "无", "não", "nao"}


def _texts(sample: object, header: str) -> list[str]:
    return [v.strip() for v in sample[header].dropna().astype(str) if v.strip()]  # type: ignore[index]


TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?")


def _time_of_day_column(sample: object, headers: list[str], columns: dict[str, str]) -> str | None:
    """A column of times of day ("3:53:50 PM") beside a creation column of dates without
    one: the creation's time, in a column of its own."""
    if "created_at" not in columns:
        return None
    dates = _texts(sample, columns["created_at"])
    if not dates or sum(re.search(r"\d:\d\d", v) is not None for v in dates) > 0.1 * len(dates):
        return None  # the creation column has its times of day
    for header in headers:
        if header in columns.values():
            continue
        values = _texts(sample, header)
        if values and sum(TIME_OF_DAY.fullmatch(v) is not None for v in values) >= 0.9 * len(values):
            return header
    return None


CREATION = re.compile(r"creat|open|submit|receiv|regist|start|创建|受理|提交|登记|收到", re.I)


def _guess_by_values(sample: object, headers: list[str], columns: dict[str, str],
                     notes: list[str]) -> None:
    """Where the header names say nothing of the id or the creation time, the values may."""
    free = [h for h in headers if h not in columns.values()]
    # for the creation: a column whose name says so first (property_createdate), then the
    # fullest; a loader's bookkeeping columns (_fivetran_synced: when it was copied) last
    creation = sorted(free, key=lambda h: (h.startswith("_"), CREATION.search(h) is None, -len(_texts(sample, h))))
    if "created_at" not in columns:
        for header in creation:
            values = _texts(sample, header)
            inference = infer(values)
            if values and inference.layout is not None and len(inference.unfit) == 0 \
                    and inference.layout not in ("excel", "unix_s", "unix_ms"):
                columns["created_at"] = header
                notes.append(f"created_at: {header!r} chosen by its values (time stamps: {inference.label}); check it")
                free.remove(header)
                break
    if "ticket_id" not in columns:
        n = len(sample)  # type: ignore[arg-type]
        for header in free:
            values = _texts(sample, header)
            if n and len(values) == n and len(set(values)) == n and all(len(v) <= 40 for v in values):
                columns["ticket_id"] = header
                notes.append(f"ticket_id: {header!r} chosen by its values (unique in the sample); check it")
                break


# an event log (one row per activity or change of state of a case): its activity column
ACTIVITY = re.compile(r"^(activity|activity ?id|activity ?name|action|event|event ?type|event ?name|concept ?name|"
                      r"name|property|field|field ?name|state|status|incident ?state|stage|step|task|"
                      r"活动|动作|操作|事件|节点|环节|状态|处理状态)$", re.I)
# who did it: the event's actor (not the ticket's assignee)
RESOURCE = re.compile(r"^(resource|org ?resource|user|actor|performed ?by|updated ?by|changed ?by|sys ?updated ?by|"
                      r"executor|operator|操作人|处理人|执行人)$", re.I)
DETAIL = re.compile(r"^(value|new ?value|detail|details|description|comment|备注|说明|内容)$", re.I)
# an activity's words → the canonical event type (the first pattern that matches; else a status change)
EVENT_WORDS = [
    (re.compile(r"re-?open|重新打开|重开|重启", re.I), "reopened"),
    (re.compile(r"escalat|升级|转交|上报", re.I), "escalated"),
    (re.compile(r"resolv|solved|fixed|解决|办结|完成", re.I), "resolved"),
    (re.compile(r"clos|结案|关闭|归档", re.I), "closed"),
    (re.compile(r"assign|分配|指派|转派|派单", re.I), "assigned"),
    (re.compile(r"(customer|user|requester|client|客户|用户).*(repl|respon|answer|message)|客户回复|用户回复", re.I),
     "customer_reply"),
    (re.compile(r"repl|respon|answer|回复|答复|响应", re.I), "agent_reply"),
    (re.compile(r"note|comment|备注|批注", re.I), "internal_note"),
    (re.compile(r"^(new|created?|opened|submitted|registered)$|creat|新建|创建|提交|登记|受理", re.I), "created"),
]


def event_type_of(activity: str) -> str:
    """The canonical event type an activity's words name ("Resolve ticket" → resolved);
    status_change when they name none (a numeric activity code, "Wait", "Open")."""
    for pattern, event_type in EVENT_WORDS:
        if pattern.search(activity):
            return event_type
    return "status_change"


def _event_log(sample: object, headers: list[str], columns: dict[str, str]) -> dict[str, str] | None:
    """An event-log-shaped file: many rows per id, and a time column that changes within an
    id (one row per activity or change of state). Its events mapping (event_at, event_type,
    actor_id, detail → the file's columns), or None."""
    if "ticket_id" not in columns or not len(sample):  # type: ignore[arg-type]
        return None
    ids = sample[columns["ticket_id"]].astype("string").str.strip()  # type: ignore[index]
    sizes = ids.value_counts()
    repeated = sizes[sizes > 1]
    if not len(repeated) or repeated.sum() < 0.3 * ids.notna().sum():
        return None
    frame = sample[[h for h in headers]].astype("string")  # type: ignore[index]
    frame = frame[ids.isin(repeated.index)]
    keys = ids[ids.isin(repeated.index)]
    best: tuple[float, int, str] | None = None
    for pos, header in enumerate(headers):
        if header == columns["ticket_id"] or header.startswith("_"):
            continue  # a loader's bookkeeping (_fivetran_synced) is not when it happened
        values = _texts(sample, header)
        inference = infer(values)
        if not values or inference.layout is None or inference.unfit \
                or inference.layout in ("excel", "unix_s", "unix_ms"):
            continue
        varying = (frame[header].groupby(keys).nunique() > 1).mean()
        if varying >= 0.3 and (best is None or (varying, -pos) > best[:2]):
            best = (varying, -pos, header)
    if best is None:
        return None
    out = {"event_at": best[2]}
    rest = [h for h in headers if h not in (columns["ticket_id"], best[2])]
    activity = next((h for h in rest if ACTIVITY.match(_key(h))), columns.get("status"))
    if activity is not None:
        out["event_type"] = activity
    actor = next((h for h in rest if RESOURCE.match(_key(h)) and h != columns.get("agent_id")), None)
    if actor is not None:
        out["actor_id"] = actor
    detail = next((h for h in rest if DETAIL.match(_key(h)) and h not in out.values()), activity)
    if detail is not None:
        out["detail"] = detail
    return out


def _event_lines(sample: object, events: dict[str, str]) -> list[str]:
    """The [events] table of an event log's profile: every row also an event, its activity
    mapped to the canonical event type where the words say so."""
    lines = ["", "# an event log: every row is also an event of its ticket (the ticket is its newest row,",
             "# created at its earliest), so that time in status and escalations see the changes",
             "[events]"]
    for target in ("event_at", "event_type", "actor_id"):
        if target in events:
            lines.append(f"{target} = {toml_string(events[target])}")
    detail = events.get("detail")
    if detail is not None and detail != events.get("event_type") and "event_type" in events:
        # the activity's own words are kept beside its value (the event type is mapped)
        sql = f"concat_ws(': ', {quote_ident(events['event_type'])}, {quote_ident(detail)})"
        lines.append(f"detail = {{ sql = {toml_string(sql)} }}")
    elif detail is not None:
        lines.append(f"detail = {toml_string(detail)}")
    if "event_type" not in events:
        lines.append("event_type = { sql = \"'status_change'\" }  # the file names no activity")
        return lines
    lines += ["", "[events.values.event_type]",
              "# activities → created, assigned, escalated, resolved, closed, reopened, agent_reply, customer_reply,",
              "# internal_note; any other is a change of status (its raw value kept)"]
    counts = Counter(_texts(sample, events["event_type"]))
    for value, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:200]:
        mapped = event_type_of(value)
        if mapped != "status_change":
            lines.append(f"{toml_string(value)} = \"{mapped}\"")
    lines.append('"*" = "status_change"')
    return lines


def _best_sheet(con: duckdb.DuckDBPyConnection, path: Path) -> ReadOptions:
    """For a workbook of several sheets, the one whose header names the most canonical
    fields (an id and a creation time first); the first sheet when none names any."""
    names = sheet_names(path)
    if len(names) < 2:
        return ReadOptions()
    best: tuple[int, int, int] | None = None
    choice = ReadOptions()
    for i, sheet in enumerate(names):
        try:
            raw = read_raw(con, path, seq=0, options=ReadOptions(sheet=sheet))
        except InputError:
            continue
        found = match_headers(raw.headers, synonyms())
        score = (sum(t in found for t in ("ticket_id", "created_at")), len(found), -i)
        if best is None or score > best:
            best, choice = score, ReadOptions(sheet=sheet if i > 0 else None)
    return choice


def _best_records(con: duckdb.DuckDBPyConnection, path: Path) -> ReadOptions:
    """For a JSON document that keeps its records inside (an API's {"data": {"items": [...]}},
    Udesk's {"tickets": [{"ticket": {...}}]}), the array whose keys name the most canonical
    fields (an id and a creation time first); the document as read_json reads it when its top
    level names more."""
    words = synonyms()

    def score(keys: list[str]) -> tuple[int, int]:
        found = match_headers(keys, words)
        return sum(t in found for t in ("ticket_id", "created_at")), len(found)

    try:
        top = read_raw(con, path, seq=0)
        best, choice = score(top.headers), ReadOptions()
        top.cleanup()
    except InputError:
        best, choice = (-1, -1), ReadOptions()
    # an array inside the document wins a tie: a top level that reads as one row is its wrapper
    for json_path, keys in json_record_paths(con, path):
        if (found := score(keys)) >= best:
            best, choice = found, ReadOptions(json_path=json_path)
    return choice


def suggest(path: Path, *, timezone: str = "Asia/Shanghai", name: str | None = None) -> str:
    """The text of a starting profile for `path`: every mapping it can place, TODOs for what
    it cannot; loading with it unedited works whenever an id and a creation time were found."""
    con = duckdb.connect()
    con.execute(f"set TimeZone = '{timezone}'")
    options = _best_records(con, path) if file_format(path) == "json" else _best_sheet(con, path)
    raw = read_raw(con, path, seq=0, options=options)
    try:
        sample = con.execute(f"select * from {raw.source} limit 3000").df()
        delim = raw.delimiter
    finally:
        raw.cleanup()
        con.close()
    notes: list[str] = []
    durations: dict[str, tuple[str, str]] = {}
    ranked: dict[str, tuple[int, str, str]] = {}   # target → (rank, header, unit)
    business: list[str] = []
    duration_headers = []
    for header in raw.headers:
        m = DURATION.search(header)
        if not m:
            continue
        duration_headers.append(header)
        if BUSINESS.search(header):
            business.append(header)
            continue
        what = m.group("what").lower()
        first = re.match(r"first (reply|response)|首次", what) is not None
        target = "first_response_at" if first else "resolved_at"
        # Zendesk's "Full resolution time" ends at the last solve (its "Solved at"), "First
        # resolution time" at the first: the full one is the resolution
        rank = 0 if first or what.startswith("full") else 2 if re.search(r"first\W+resolution", header, re.I) else 1
        if target not in ranked or rank < ranked[target][0]:
            ranked[target] = (rank, header, UNITS[m.group("unit").lower()])
    columns = match_headers([h for h in raw.headers if h not in duration_headers], synonyms())
    reported: dict[str, tuple[str, str]] = {}   # figure → (header, unit): the export's own figure
    for target, (_rank, header, unit) in ranked.items():
        if target in columns:  # a time stamp column wins; the duration is kept to compare with ours
            reported["first_response_minutes" if target == "first_response_at" else "resolution_minutes"] = (header, unit)
        else:
            durations[target] = (header, unit)
    _guess_by_values(sample, raw.headers, columns, notes)
    clock = _time_of_day_column(sample, raw.headers, columns)
    events = _event_log(sample, raw.headers, columns)
    if events is not None and "updated_at" not in columns:
        columns["updated_at"] = events["event_at"]  # a ticket is its newest row

    times = {}
    for target in TIME_TARGETS:
        if target in columns:
            times[target] = infer(_texts(sample, columns[target]))
    if clock is not None:  # the creation's date and time of day in two columns: read as one
        dates = sample[columns["created_at"]].astype("string").str.strip()  # type: ignore[index]
        joined = (dates + " " + sample[clock].astype("string").str.strip().fillna("")).str.strip()  # type: ignore[index]
        times["created_at"] = infer([v for v in joined.dropna() if v])
    ambiguous = any(i.ambiguous for i in times.values())
    day_first = any(i.day_first for i in times.values())

    lines = [f"# A starting profile for {path.name}, written by `python -m etl profile suggest`.",
             "# Check every mapping and the TODOs; try it without touching the warehouse:",
             f"#   python -m etl profile check {path.name} --profile <this file>",
             "[profile]",
             f"name = {toml_string(name or re.sub(r'[^a-z0-9_]+', '_', path.stem.lower()).strip('_') or 'export')}",
             'kind = "tickets"',
             f"description = {toml_string('Export like ' + path.name)}",
             # the minimal set of columns that recognises the export: its id and creation time
             "signature = [" + ", ".join(toml_string(columns[t]) for t in ("ticket_id", "created_at")
                                         if t in columns) + "]", ""]
    read: list[str] = []
    if raw.encoding and raw.encoding not in ("utf-8", "utf_8"):
        read.append(f"encoding = {toml_string(raw.encoding)}")
    if delim is not None and delim != ",":
        read.append(f"delimiter = {toml_string(delim)}")
    if raw.sheet is not None:
        read.append(f"sheet = {toml_string(raw.sheet)}  # the workbook's sheet whose header names the most fields")
    if options.json_path is not None:
        read.append(f"json_path = {toml_string(options.json_path)}  # where the document keeps its records")
    if read:
        lines += ["[read]", *read, ""]
    lines += ["[time]", f"timezone = {toml_string(timezone)}  # the zone of time stamps without an offset"]
    if day_first:
        lines.append("day_first = true  # numeric dates are D/M/Y in this file")
    elif ambiguous:
        lines.append("# day_first = true   # TODO: no day above 12 in the sample; M/D/Y is assumed")
    for target, inference in times.items():
        if target != "created_at" and columns[target] == columns.get("created_at"):
            continue  # the same column, said once
        lines.append(f"# {columns[target]}: {inference.label}"
                     + (f"; not read: {', '.join(repr(v) for v in inference.unfit[:3])}" if inference.unfit else ""))
    lines += ["", "[columns]"]
    for target in KIND_COLUMNS["tickets"]:
        if target == "created_at" and clock is not None:
            lines.append(f"created_at = {{ date = {toml_string(columns[target])}, time = {toml_string(clock)} }}"
                         "  # the date and the time of day, joined")
        elif target in columns:
            lines.append(f"{target} = {toml_string(columns[target])}")
    if events is not None:
        notes.append(f"an event log ({columns['ticket_id']!r} repeats, {events['event_at']!r} changes within it): "
                     "the tickets are each id's newest row, every row an event ([events] below)")
    for required in ("ticket_id", "created_at"):
        if required not in columns:
            lines.append(f"# TODO {required} = \"<the column that holds it>\"  (required)")
    lines += [f"# {n}" for n in notes]
    if business:
        lines.append("# business-hours figures of the export (not offsets from creation): "
                     + ", ".join(business))
    used = {d[0] for d in durations.values()} | {r[0] for r in reported.values()} | {clock} | set((events or {}).values())
    unused = [h for h in raw.headers if h not in columns.values() and h not in used and h not in business]
    if unused:
        lines.append("# not mapped: " + ", ".join(unused[:30]))
    if durations:
        lines += ["", "[durations]"]
        for target, (header, unit) in durations.items():
            lines.append(f"{target} = {{ base = \"created_at\", column = {toml_string(header)}, unit = \"{unit}\" }}")
    if reported:
        lines += ["", "[reported]", "# the export's own figures, compared with ours on Data health (reported_agreement)"]
        for figure, (header, unit) in reported.items():
            lines.append(f"{figure} = {{ column = {toml_string(header)}, unit = \"{unit}\" }}")
    for target in ENUM_TARGETS:
        if target not in columns:
            continue
        counts = Counter(_texts(sample, columns[target]))
        result = map_values(target, dict(counts))
        if not result.unknown:
            continue
        lines += ["", f"[values.{target}]",
                  "# values the vocabulary does not know (loaded as 'other' until mapped): map each"]
        for value, n in result.unknown.most_common(30):
            lines.append(f"# {toml_string(value)} = \"other\"  # TODO ({n} rows)")
    if "escalation_level" in columns:
        words = Counter(v.lower() for v in _texts(sample, columns["escalation_level"]))
        if words and not all(re.fullmatch(r"\d+(\.0+)?", w) for w in words):
            level = "2" if re.search(r"disput|争议|appeal|申诉", columns["escalation_level"], re.I) else "1"
            lines += ["", "[values.escalation_level]",
                      f"# yes/no answers: yes = level {level} ({'a formal appeal' if level == '2' else 'escalated'})"]
            for value in sorted(words):
                mapped = level if value in YES else "0" if value in NO else ""
                lines.append(f"{toml_string(value)} = \"{mapped}\"" + ("" if value in YES | NO else "  # no answer"))
            lines.append('"*" = ""')
    if "csat" in columns:
        texts = Counter(_texts(sample, columns["csat"]))
        words = [v for v in texts if not re.fullmatch(r"\d+(\.0+)?", v)]
        if words:
            lines += ["", "[values.csat]", "# survey answers → 1–5; anything else is no answer:"]
            for value in sorted(words):
                score = next((n for w, n in CSAT_WORDS if w in value.lower()), None)
                note = "" if score else "  # TODO"
                lines.append(f"{toml_string(value)} = \"{score or ''}\"{note}")
            lines.append('"*" = ""')
    if events is not None:
        lines += _event_lines(sample, events)
    # a header cell may hold a line break: in a comment it would end the comment
    lines = [" ".join(line.split("\n")).replace("\r", " ") if line.lstrip().startswith("#") else line
             for line in lines]
    return "\n".join(lines) + "\n"
