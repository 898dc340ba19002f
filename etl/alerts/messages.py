"""What a firing says: the rule in words, the message's title and text, its JSON, in English or Chinese.

Values from the data (an agent id, a team) are put into plain text only; control characters
are replaced, so a value cannot start a new mail header line or hide text in a terminal.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from etl.core.alert_settings import AlertRule, Metric, metrics

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

WORDS: dict[str, tuple[str, str]] = {
    "above": ("above", "高于"), "below": ("below", "低于"), "at_least": ("at least", "不少于"),
    "at_most": ("at most", "不多于"), "drops_by": ("dropped by at least", "下降至少"),
    "rises_by": ("rose by at least", "上升至少"),
    "started": ("STARTED", "触发"), "cleared": ("CLEARED", "解除"), "test": ("TEST", "测试"),
    "where": ("where", "条件"), "per": ("per", "按"),
    "at_least_basis": ("judged on at least", "至少需要"), "vs_previous": ("against the window before", "与前一时间窗相比"),
    "title": ("[Complaint desk]", "[投诉服务台]"),
    "started_text": ("started to hold", "开始成立"), "cleared_text": ("no longer holds", "已不再成立"),
    "test_text": ("test message: the values are the current ones; nothing fired",
                  "测试消息:数值为当前数据,并未真正触发"),
    "value": ("value", "数值"), "previous": ("previous window", "前一时间窗"), "change": ("change", "变化"),
    "window": ("window", "时间窗"), "basis": ("based on", "依据"), "behind": ("tickets behind it", "相关工单"),
    "data_as_of": ("data as of", "数据截至"), "dashboard": ("dashboard", "看板"), "note": ("note", "说明"),
    "no_value": ("no value (not enough data)", "无数值(数据不足)"), "and_more": ("and {n} more", "另有 {n} 张"),
    "points": ("points", "个百分点"),
}
WINDOW_WORDS: dict[str, tuple[str, str]] = {
    "today": ("today", "今天"), "yesterday": ("yesterday", "昨天"), "this_week": ("this week", "本周"),
    "last_week": ("last week", "上周"), "this_month": ("this month", "本月"), "last_month": ("last month", "上月"),
    "all": ("over everything up to as_of", "截至数据时间的全部"),
}
UNITS = {"percent": (" %", " %"), "minutes": (" min", " 分钟"), "tickets": ("", " 张")}
TICKETS_LISTED = 20  # ticket ids listed in a message's text (the JSON carries up to 50)


def word(key: str, lang: str) -> str:
    en, zh = WORDS[key]
    return zh if lang == "zh" else en


def plain(value: object) -> str:
    """A value as one line of plain text (no control, line-separator or bidi characters)."""
    return _CONTROL.sub(" ", "" if value is None else str(value)).strip()


def window_words(name: str, lang: str) -> str:
    if name in WINDOW_WORDS:
        return WINDOW_WORDS[name][1 if lang == "zh" else 0]
    n, unit = int(name[5:-1]), name[-1]
    if lang == "zh":
        return f"最近 {n} {'小时' if unit == 'h' else '天'}"
    if n == 1:
        return f"over the last {'hour' if unit == 'h' else 'day'}"
    return f"over the last {n} {'hours' if unit == 'h' else 'days'}"


def number(value: float | None, metric: Metric, lang: str = "en") -> str:
    if value is None:
        return word("no_value", lang)
    unit = UNITS.get(metric.unit, ("", ""))[1 if lang == "zh" else 0]
    if metric.unit == "tickets":
        return f"{value:,.0f}{unit}"
    return f"{value:,.1f}".removesuffix(".0") + unit


def condition_words(rule: AlertRule, lang: str = "en") -> str:
    metric = metrics()[rule.metric]
    amount = number(rule.threshold, metric, lang)
    if rule.compares_previous and metric.unit == "percent":
        amount = f"{rule.threshold:g} {word('points', lang)}"
    text = f"{word(rule.condition, lang)} {amount}"
    return f"{text} ({word('vs_previous', lang)})" if rule.compares_previous else text


def filter_words(rule: AlertRule) -> str:
    parts = [f"{fld} = {' or '.join(values)}" for fld, values in rule.where]
    if rule.parameter is not None:
        parts.insert(0, f"{metrics()[rule.metric].parameter} = {rule.parameter}")
    return ", ".join(parts)


def describe(rule: AlertRule, lang: str = "en") -> str:
    """The rule in words: 'share of first responses within the SLA below 95 % over the last
    24 hours, where category = account_security; judged on at least 10 …'."""
    metric = metrics()[rule.metric]
    text = f"{metric.label(lang)} {condition_words(rule, lang)} {window_words(rule.window, lang)}"
    if rule.where or rule.parameter:
        text += f", {word('where', lang)} {filter_words(rule)}"
    if rule.per:
        text += f", {word('per', lang)} {rule.per}"
    if rule.min_count:
        text += f"; {word('at_least_basis', lang)} {rule.min_count} {metric.basis}"
    return text


def title(fields: dict[str, Any], lang: str) -> str:
    """The message's title (a mail's Subject): one line."""
    metric = metrics().get(fields["metric"])
    value = number(fields.get("value"), metric, lang) if metric else plain(fields.get("value"))
    who = f" · {plain(fields['per'])} {plain(fields['subject'])}" if fields.get("subject") is not None else ""
    label = metric.label(lang) if metric else plain(fields["metric"])
    return plain(f"{word('title', lang)} {word(fields['state'], lang)}: {fields['rule']}{who} — {label} {value}")


def text(fields: dict[str, Any], lang: str, tz: ZoneInfo, dashboard_url: str = "") -> str:
    """The message's text: what holds (or no longer does), the values, the window, the tickets."""
    metric = metrics().get(fields["metric"])
    state = fields["state"]
    who = f" ({plain(fields['per'])} {plain(fields['subject'])})" if fields.get("subject") is not None else ""
    lines = [f"{plain(fields['rule'])}{who}: {word(state + '_text', lang)}."]
    if fields.get("description"):
        lines.append(plain(fields["description"]))
    lines.append(plain(fields.get("rule_text")))
    lines.append("")
    if metric is not None:
        lines.append(f"{word('value', lang)}: {number(fields.get('value'), metric, lang)}")
        if fields.get("previous_end") is not None:
            lines.append(f"{word('previous', lang)}: {number(fields.get('previous_value'), metric, lang)}")
            if fields.get("value") is not None and fields.get("previous_value") is not None:
                change = fields["value"] - fields["previous_value"]
                unit = f" {word('points', lang)}" if metric.unit == "percent" else ""
                lines.append(f"{word('change', lang)}: {change:+,.1f}{unit}")
        lines.append(f"{word('basis', lang)}: {fields.get('basis') or 0:,} {metric.basis}")
    start, end = fields.get("window_start"), fields["window_end"]
    span = (f"{start.astimezone(tz):%Y-%m-%d %H:%M} – " if start is not None else "… – ") + f"{end.astimezone(tz):%Y-%m-%d %H:%M}"
    lines.append(f"{word('window', lang)}: {window_words(fields['window_name'], lang)}, {span} ({tz.key})")
    ids = [plain(t) for t in fields.get("ticket_ids", [])]
    if metric is not None:
        listed = ", ".join(ids[:TICKETS_LISTED])
        more = fields.get("tickets", len(ids)) - min(len(ids), TICKETS_LISTED)
        if more > 0:
            listed += (", " if listed else "") + word("and_more", lang).format(n=f"{more:,}")
        lines.append(f"{word('behind', lang)} ({metric.behind}): {fields.get('tickets', len(ids)):,}"
                     + (f": {listed}" if listed else ""))
    if fields.get("note"):
        lines.append(f"{word('note', lang)}: {plain(fields['note'])}")
    lines.append(f"{word('data_as_of', lang)} {fields['as_of'].astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})")
    if dashboard_url:
        lines.append(f"{word('dashboard', lang)}: {dashboard_url.rstrip('/')}/alerts")
    return "\n".join(lines) + "\n"


def payload(fields: dict[str, Any], title_text: str, body: str) -> dict[str, Any]:
    """The JSON a webhook of format "desk" receives (the others get the title and text)."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "title": title_text, "text": body, "test": fields["state"] == "test",
        "firing_id": fields.get("firing_id"), "rule": fields["rule"], "state": fields["state"],
        "subject": fields.get("subject"), "per": fields.get("per"), "metric": fields["metric"],
        "condition": fields["condition"], "threshold": fields["threshold"], "value": fields.get("value"),
        "basis": fields.get("basis"), "previous_value": fields.get("previous_value"),
        "window": {"name": fields["window_name"], "start": iso(fields.get("window_start")),
                   "end": iso(fields["window_end"])},
        "previous_window": ({"start": iso(fields.get("previous_start")), "end": iso(fields.get("previous_end"))}
                            if fields.get("previous_end") is not None else None),
        "tickets": fields.get("tickets", 0), "ticket_ids": list(fields.get("ticket_ids", []))[:50],
        "rule_text": fields.get("rule_text"), "as_of": iso(fields["as_of"]),
        "evaluated_at": iso(fields.get("evaluated_at")),
    }
