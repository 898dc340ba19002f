"""Write a starting profile for an export no profile fits, from its header and sampled
values: which column is which canonical field (English and Chinese names), durations given
instead of time stamps, the time format, the encoding and delimiter, and the enumeration
values the vocabulary does not know (to be filled in by the user)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb

from etl.core.kinds import KIND_COLUMNS, normalise_header
from etl.core.vocab import map_values
from etl.ingest.read import ReadOptions, read_raw

SYNONYMS: dict[str, list[str]] = {
    "ticket_id": ["ticket id", "id", "ticket", "ticket number", "ticket no", "case id", "case number",
                  "complaint id", "unique key", "工单编号", "工单号", "工单id", "编号", "单号", "投诉编号"],
    "created_at": ["created", "created at", "created time", "created date", "create time", "date received",
                   "creation date", "open date", "opened at", "submitted at", "创建时间", "创建日期", "提交时间",
                   "受理时间", "投诉时间", "发起时间"],
    "updated_at": ["updated", "updated at", "last update time", "last updated", "modified", "modified at",
                   "更新时间", "最后更新时间", "修改时间"],
    "first_response_at": ["first response", "first response at", "first reply at", "first responded at",
                          "initial response time", "首次响应时间", "首次回复时间", "首响时间"],
    "resolved_at": ["resolved", "resolved at", "resolved time", "solved at", "resolution date",
                    "resolution time", "解决时间", "处理完成时间", "完成时间"],
    "closed_at": ["closed", "closed at", "closed time", "closed date", "关闭时间", "结案时间"],
    "channel": ["channel", "source", "via", "submitted via", "ticket channel", "contact channel", "渠道",
                "来源", "投诉渠道", "来源渠道"],
    "category": ["category", "type", "ticket type", "issue type", "problem type", "product", "问题分类", "分类",
                 "类型", "投诉类型", "问题类型", "工单类型"],
    "subcategory": ["subcategory", "sub category", "sub-category", "sub-issue", "sub issue", "子分类", "二级分类"],
    "priority": ["priority", "ticket priority", "urgency", "优先级", "紧急程度"],
    "status": ["status", "ticket status", "state", "状态", "工单状态", "处理状态"],
    "team": ["team", "group", "department", "agency", "queue", "所属团队", "团队", "部门", "组", "技能组"],
    "agent_id": ["agent", "assignee", "agent id", "agent name", "owner", "handler", "处理人", "客服",
                 "负责人", "受理人", "坐席"],
    "escalation_level": ["escalation", "escalation level", "escalated", "升级级别", "升级"],
    "escalated_at": ["escalated at", "escalation time", "escalation date", "升级时间"],
    "reopen_count": ["reopens", "reopen count", "reopened count", "times reopened", "重开次数"],
    "csat": ["csat", "satisfaction", "satisfaction score", "customer satisfaction rating", "rating",
             "survey results", "satisfaction rating", "满意度", "评分", "满意度评分"],
    "customer_id": ["customer", "customer id", "requester", "requester id", "contact id", "customer email",
                    "client id", "客户", "客户编号", "客户id", "用户id", "用户"],
    "language": ["language", "locale", "语言"],
    "subject": ["subject", "title", "summary", "ticket subject", "主题", "标题", "摘要"],
    "frt_sla_reported": ["first response status", "timely response?", "timely response", "sla status",
                         "response sla", "响应是否及时", "首响是否达标"],
}
DURATION = re.compile(r"(?P<what>first (reply|response)|resolution|full resolution|首次(回复|响应)|解决|处理)"
                      r"[^a-z]*(time|时间|时长|耗时).*?(in\s*)?[(（]?"
                      r"(?P<unit>minutes|mins|min|hours|hrs|hr|seconds|secs|分钟|小时|秒)[)）]?", re.I)
UNITS = {"minutes": "minutes", "mins": "minutes", "min": "minutes", "hours": "hours", "hrs": "hours",
         "hr": "hours", "seconds": "seconds", "secs": "seconds", "分钟": "minutes", "小时": "hours",
         "秒": "seconds"}
TIME_FORMATS = ["%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S",
                "%m/%d/%Y %I:%M %p", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y",
                "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y%m%d%H%M%S", "%Y%m%d"]
TIME_TARGETS = ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "escalated_at")
ENUM_TARGETS = ("channel", "category", "priority", "status")
# words of satisfaction surveys → CSAT 1–5
CSAT_WORDS = [("extremely dissatisfied", 1), ("very dissatisfied", 1), ("非常不满意", 1), ("dissatisfied", 2),
              ("不满意", 2), ("unsatisfied", 2), ("neutral", 3), ("一般", 3), ("extremely satisfied", 5),
              ("very satisfied", 5), ("非常满意", 5), ("satisfied", 4), ("满意", 4), ("good", 5), ("bad", 1)]


def _match(header: str) -> str | None:
    key = normalise_header(header).replace("_", " ")
    for target, words in SYNONYMS.items():
        if key in {normalise_header(w).replace("_", " ") for w in words}:
            return target
    return None


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def suggest(path: Path, *, timezone: str = "Asia/Shanghai", name: str | None = None) -> str:
    """The text of a starting profile for `path`."""
    con = duckdb.connect()
    con.execute(f"set TimeZone = '{timezone}'")
    from etl.core import sqlfiles

    sqlfiles.run(con, "staging/macros")
    raw = read_raw(con, path, seq=0, options=ReadOptions())
    sample = con.execute(f"select * from {raw.source} limit 3000").df()
    columns: dict[str, str] = {}
    durations: dict[str, tuple[str, str]] = {}
    notes: list[str] = []
    for header in raw.headers:
        m = DURATION.search(header)
        if m:
            first = "first" in m.group("what").lower() or "首次" in m.group("what")
            target = "first_response_at" if first else "resolved_at"
            if target not in durations:
                durations[target] = (header, UNITS[m.group("unit").lower()])
            continue
        target = _match(header)
        if target and target not in columns:
            columns[target] = header
    for target in list(durations):
        if target in columns:  # a time stamp column wins over a duration
            del durations[target]

    # one time format for the whole file: the one that reads most sampled values of all its
    # time columns (so 13/5 settles day-first against month-first for every column)
    time_formats: list[str] = []
    values = [v for target in TIME_TARGETS if target in columns
              for v in sample[columns[target]].dropna().astype(str).tolist()[:500] if v.strip()]
    if values:
        parsed = con.execute("select count(parse_ts(v)) from (select unnest(?) as v)", [values]).fetchall()[0][0]
        best, best_n = None, parsed
        for fmt in TIME_FORMATS:
            n = con.execute("select count(try_strptime(v, ?)) from (select unnest(?) as v)",
                            [fmt, values]).fetchall()[0][0]
            if n > best_n:
                best, best_n = fmt, n
        if best:
            time_formats.append(best)
            notes.append(f"{best_n} of {len(values)} sampled time stamps read as {best} "
                         f"({parsed} as ISO 8601)")

    lines = [f"# A starting profile for {path.name}, written by `python -m etl profile suggest`.",
             "# Check every mapping, fill in the TODOs, then try it without touching the warehouse:",
             f"#   python -m etl profile check {path.name} --profile <this file>",
             "[profile]",
             f"name = {_toml_str(name or re.sub(r'[^a-z0-9_]+', '_', path.stem.lower()))}",
             'kind = "tickets"',
             f"description = {_toml_str('Export like ' + path.name)}",
             "signature = [" + ", ".join(_toml_str(h) for h in list(columns.values())[:8]) + "]", ""]
    read: list[str] = []
    if raw.encoding and raw.encoding not in ("utf-8", "utf_8"):
        read.append(f"encoding = {_toml_str(raw.encoding)}")
    if raw.fmt == "csv":
        from etl.ingest.read import csv_dialect

        delim, _ = csv_dialect(path if not raw.tempfile else raw.tempfile, "utf-8")
        if delim != ",":
            read.append(f"delimiter = {_toml_str(delim)}")
    if read:
        lines += ["[read]", *read, ""]
    lines += ["[time]", f"timezone = {_toml_str(timezone)}  # the zone of time stamps without an offset"]
    if time_formats:
        lines.append("formats = [" + ", ".join(_toml_str(f) for f in time_formats) + "]")
        lines += [f"# {n}" for n in notes]
    lines += ["", "[columns]"]
    for target in KIND_COLUMNS["tickets"]:
        if target in columns:
            lines.append(f"{target} = {_toml_str(columns[target])}")
    for required in ("ticket_id", "created_at"):
        if required not in columns:
            lines.append(f"# TODO {required} = \"<the column that holds it>\"  (required)")
    unused = [h for h in raw.headers if h not in columns.values() and h not in {d[0] for d in durations.values()}]
    if unused:
        lines.append("# not mapped: " + ", ".join(unused[:30]))
    if durations:
        lines += ["", "[durations]"]
        for target, (header, unit) in durations.items():
            lines.append(f"{target} = {{ base = \"created_at\", column = {_toml_str(header)}, unit = \"{unit}\" }}")
    for target in ENUM_TARGETS:
        if target not in columns:
            continue
        counts = Counter(v.strip() for v in sample[columns[target]].dropna().astype(str) if v.strip())
        result = map_values(target, dict(counts))
        if not result.unknown:
            continue
        lines += ["", f"[values.{target}]",
                  "# values the vocabulary does not know; map each to a canonical value:"]
        for value, n in result.unknown.most_common(30):
            lines.append(f"{_toml_str(value)} = \"other\"  # TODO ({n} rows)")
    if "csat" in columns:
        texts = Counter(v.strip() for v in sample[columns["csat"]].dropna().astype(str) if v.strip())
        words = [v for v in texts if not re.fullmatch(r"\d+(\.0+)?", v)]
        if words:
            lines += ["", "[values.csat]", "# survey answers → 1–5; anything else is no answer:"]
            for value in sorted(words):
                score = next((n for w, n in CSAT_WORDS if w in value.lower()), None)
                note = "" if score else "  # TODO"
                lines.append(f"{_toml_str(value)} = \"{score or ''}\"{note}")
            lines.append('"*" = ""')
    con.close()
    if raw.tempfile:
        raw.tempfile.unlink(missing_ok=True)
    return "\n".join(lines) + "\n"

