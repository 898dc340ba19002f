"""The weekly digest: for managers who do not open the dashboard, one message a week.

The overview's figures for the last full week against the week before, the largest moves of
the first-response share by category and by team, the week's breaches and tickets that
reached an external body, the alerts that started, and a link to the dashboard's view of the
week; in the configured language ([alerts] language). Read only on the live warehouse (the
SQL is in etl/sql/alerts/digest/); sent by the alerts' delivery (etl/alerts/deliver.py) to
[alerts.digest] notify (default every destination): e-mail as HTML with a plain-text part
(tables, and bars drawn as table cells: no chart renderer is needed), webhooks as text (format
desk: the figures as JSON too). Scheduled like the refresh: deploy/systemd/complaint-desk-digest.*
and deploy/cron/complaint-desk-digest.cron run `python -m etl alerts digest` on Monday mornings.

A week is Monday 00:00 to Monday 00:00 in the reporting time zone; the digest's week is the
last full one before the week of the data's as_of (or the one holding `--week DATE`).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import duckdb

from etl.alerts.deliver import Delivery, DeliveryError, Message, record, send
from etl.alerts.evaluate import as_of_of
from etl.alerts.messages import plain
from etl.core import sqlfiles
from etl.core.settings import Settings
from etl.warehouse import schema as warehouse

Log = Callable[..., None]
LISTED = 20  # breaches and external tickets listed at most
MOVES_BY = ("category", "team")

WORDS: dict[str, tuple[str, str]] = {
    "title": ("[Complaint desk] Weekly digest {start} – {end}", "[投诉服务台] 周报 {start} – {end}"),
    "intro": ("Tickets created {start} – {end} ({tz}) against the week before; data as of {as_of}.",
              "{start} – {end}({tz})创建的工单,与前一周对比;数据截至 {as_of}。"),
    "figures": ("The week's figures", "本周指标"), "figure": ("figure", "指标"), "week": ("this week", "本周"),
    "previous": ("week before", "前一周"), "change": ("change", "变化"),
    "tickets": ("Tickets", "工单数"), "frt_median": ("Median first response", "首次响应中位数"),
    "pct_sla": ("First response within SLA", "首次响应达标率"), "breached": ("Breached first responses", "首次响应超时"),
    "resolution_median": ("Median resolution", "解决时长中位数"), "pct_escalated": ("Escalation rate", "升级率"),
    "pct_reopened": ("Reopen rate", "重开率"), "pct_csat": ("CSAT (share 4–5)", "满意度(4–5 分占比)"),
    "moves": ("Largest moves of the share within SLA, by {dim}", "达标率变化最大的{dim}"),
    "category": ("category", "分类"), "team": ("team", "团队"),
    "no_moves": ("No {dim} had {n} or more decided tickets in both weeks.", "没有{dim}在两周内都有至少 {n} 张已判定工单。"),
    "breaches": ("Breaches of the week ({n})", "本周超时({n} 张)"),
    "external": ("Tickets that reached an external body ({n})", "到达外部机构的工单({n} 张)"),
    "alerts": ("Alerts that started ({n})", "本周触发的告警({n} 条)"),
    "time_unknown": ("* the time it reached the external body is unknown (no event log): its creation",
                     "* 到达外部机构的时间未知(无事件记录):按创建时间计"),
    "none": ("None.", "无。"), "more": ("… and {n} more", "……另有 {n} 张"),
    "ticket": ("ticket", "工单"), "created": ("created", "创建"), "reached": ("reached", "到达"),
    "channel": ("channel", "渠道"), "agent": ("agent", "客服"), "wait": ("wait", "等待"),
    "unanswered": ("unanswered", "未响应"), "rule": ("rule", "规则"), "value": ("value", "数值"),
    "link": ("The dashboard for this week", "看板上的本周视图"), "decided": ("decided", "已判定"),
}
FIGURES = (("tickets", "count"), ("frt_median", "minutes"), ("pct_sla", "percent"), ("breached", "count"),
           ("resolution_median", "minutes"), ("pct_escalated", "percent"), ("pct_reopened", "percent"),
           ("pct_csat", "percent"))


def word(key: str, lang: str, **fmt: object) -> str:
    en, zh = WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


@dataclass
class Digest:
    start: dt.date        # the week's Monday
    as_of: dt.datetime
    tz: ZoneInfo
    lang: str
    figures: dict[str, dict[str, Any]]             # period (week | previous) → figure → value
    moves: dict[str, list[dict[str, Any]]]         # category | team → rows of moves.sql
    breached: int
    breaches: list[dict[str, Any]]
    external: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    min_decided: int
    link: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def end(self) -> dt.date:  # the week's Sunday
        return self.start + dt.timedelta(days=6)


def week_bounds(monday: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(the week before's start, the week's start, its end) in UTC."""
    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)

    return at(monday - dt.timedelta(days=7)), at(monday), at(monday + dt.timedelta(days=7))


def digest_week(as_of: dt.datetime, tz: ZoneInfo, day: dt.date | None = None) -> dt.date:
    """The Monday of the digest's week: the week holding `day`, else the last full week before
    the week of as_of."""
    if day is not None:
        return day - dt.timedelta(days=day.weekday())
    local = as_of.astimezone(tz).date()
    return local - dt.timedelta(days=local.weekday() + 7)


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any], **fills: str) -> list[dict[str, Any]]:
    (stmt,) = sqlfiles.statements(sqlfiles.query(f"alerts/digest/{name}", **fills))
    cur = con.cursor()
    try:
        result = sqlfiles.execute(cur, stmt, params, f"alerts/digest/{name}.sql")
        cols = [d[0] for d in result.description]
        return [dict(zip(cols, row, strict=True)) for row in result.fetchall()]
    finally:
        cur.close()


def build(con: duckdb.DuckDBPyConnection, settings: Settings, day: dt.date | None = None) -> Digest:
    """The digest of a week, read from the state `con` holds."""
    tz = ZoneInfo(settings.reporting_timezone)
    as_of = as_of_of(con)
    monday = digest_week(as_of, tz, day)
    prev_start, start, end = week_bounds(monday, tz)
    span = {"prev_start": prev_start, "start": start, "end": end}
    figures: dict[str, dict[str, Any]] = {"week": {}, "previous": {}}
    for row in _rows(con, "kpis", span):
        figures[row.pop("period")] = row
    min_decided = settings.alerts.digest_min_decided
    moves = {dim: _rows(con, "moves", {**span, "min_decided": min_decided}, dim=sqlfiles.quote_ident(dim))
             for dim in MOVES_BY}
    breaches = _rows(con, "breaches", {"start": start, "end": end, "limit": LISTED})
    external = _rows(con, "external", {"start": start, "end": end})
    try:
        alerts = _rows(con, "firings", {"start": start, "end": end})
    except duckdb.CatalogException:  # a warehouse published before alerts existed
        alerts = []
    base = settings.alerts.dashboard_url.rstrip("/")
    link = (f"{base}/?" + urlencode({"period": "custom", "from": monday.isoformat(),
                                     "to": (monday + dt.timedelta(days=6)).isoformat(),
                                     "lang": settings.alerts.language})) if base else ""
    return Digest(start=monday, as_of=as_of, tz=tz, lang=settings.alerts.language, figures=figures,
                  moves=moves, breached=int(figures["week"].get("breached") or 0), breaches=breaches,
                  external=external, alerts=alerts, min_decided=min_decided, link=link)


def figure(value: Any, unit: str, lang: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:.1f} %"
    if unit == "minutes":
        if value < 120:
            return f"{value:,.0f} {'分钟' if lang == 'zh' else 'min'}"
        return f"{value / 60:,.1f} {'小时' if lang == 'zh' else 'h'}"
    return f"{value:,.0f}"


def change(now: Any, before: Any, unit: str) -> str:
    if now is None or before is None:
        return "—"
    diff = now - before
    if unit == "percent":
        return f"{diff:+.1f} pp"
    if unit == "minutes":
        return f"{diff:+,.0f} min" if abs(diff) < 120 else f"{diff / 60:+,.1f} h"
    return f"{diff:+,.0f}"


def _local(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value is not None else "—"


def _figure_rows(d: Digest) -> list[tuple[str, str, str, str]]:
    week, before = d.figures["week"], d.figures["previous"]
    return [(word(key, d.lang), figure(week.get(key), unit, d.lang), figure(before.get(key), unit, d.lang),
             change(week.get(key), before.get(key), unit)) for key, unit in FIGURES]


def _breach_rows(d: Digest) -> list[tuple[str, ...]]:
    return [(plain(r["ticket_id"]), _local(r["created_at"], d.tz), plain(r["channel"]), plain(r["category"]),
             plain(r["agent_id"] or "—"),
             figure(r["wait_minutes"], "minutes", d.lang) + (f" ({word('unanswered', d.lang)})" if r["unanswered"] else ""))
            for r in d.breaches]


def _external_rows(d: Digest) -> list[tuple[str, ...]]:
    return [(plain(r["ticket_id"]), _local(r["reached_at"], d.tz) + (" *" if r["time_unknown"] else ""),
             plain(r["channel"]), plain(r["category"]), plain(r["agent_id"] or "—")) for r in d.external[:LISTED]]


def title(d: Digest) -> str:
    return word("title", d.lang, start=d.start.isoformat(), end=d.end.isoformat())


def text(d: Digest) -> str:
    """The digest as plain text (the e-mail's text part; what a webhook receives)."""
    lang = d.lang
    out = [word("intro", lang, start=d.start, end=d.end, tz=d.tz.key, as_of=_local(d.as_of, d.tz)), "",
           f"{word('figures', lang)} ({word('week', lang)} / {word('previous', lang)} / {word('change', lang)}):"]
    out += [f"  {name}: {now} / {before} / {diff}" for name, now, before, diff in _figure_rows(d)]
    for dim in MOVES_BY:
        out += ["", word("moves", lang, dim=word(dim, lang)) + ":"]
        rows = d.moves[dim]
        out += [f"  {plain(r['value'])}: {r['previous_pct_sla']:.1f} % → {r['pct_sla']:.1f} % ({r['change']:+.1f} pp; "
                f"{r['decided']:,} {word('decided', lang)})" for r in rows] or [
            "  " + word("no_moves", lang, dim=word(dim, lang), n=d.min_decided)]
    out += ["", word("breaches", lang, n=f"{d.breached:,}") + ":"]
    out += [f"  {' · '.join(row)}" for row in _breach_rows(d)] or ["  " + word("none", lang)]
    if d.breached > len(d.breaches):
        out.append("  " + word("more", lang, n=f"{d.breached - len(d.breaches):,}"))
    out += ["", word("external", lang, n=len(d.external)) + ":"]
    out += [f"  {' · '.join(row)}" for row in _external_rows(d)] or ["  " + word("none", lang)]
    if any(r["time_unknown"] for r in d.external):
        out.append("  " + word("time_unknown", lang))
    out += ["", word("alerts", lang, n=len(d.alerts)) + ":"]
    out += [f"  {plain(a['rule'])}{' · ' + plain(a['subject']) if a['subject'] else ''}: {plain(a['rule_text'])}"
            for a in d.alerts] or ["  " + word("none", lang)]
    if d.link:
        out += ["", f"{word('link', lang)}: {d.link}"]
    return "\n".join(out) + "\n"


class Markup(str):
    """HTML our own code wrote (a bar); every other cell is text and escaped."""


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    cell = 'style="padding:4px 10px;border-bottom:1px solid #ddd;text-align:left"'
    th = "".join(f"<th {cell}>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td {cell}>{c if isinstance(c, Markup) else html.escape(c)}</td>"
                                    for c in row) + "</tr>" for row in rows)
    return f'<table style="border-collapse:collapse;font-size:14px"><tr>{th}</tr>{body}</table>'


def _bar(pct: float | None, colour: str) -> Markup:
    width = 0 if pct is None else max(0.0, min(100.0, pct))
    return Markup(f'<div style="background:#eee;width:160px;height:10px"><div style="background:{colour};'
            f'width:{width * 1.6:.0f}px;height:10px"></div></div>')


def html_page(d: Digest) -> str:
    """The digest as an HTML e-mail: every value escaped, tables and bars as table cells."""
    lang = d.lang
    parts = [f"<h2>{html.escape(title(d))}</h2>",
             f"<p>{html.escape(word('intro', lang, start=d.start, end=d.end, tz=d.tz.key, as_of=_local(d.as_of, d.tz)))}</p>",
             f"<h3>{html.escape(word('figures', lang))}</h3>",
             _table((word("figure", lang), word("week", lang), word("previous", lang), word("change", lang)),
                    _figure_rows(d))]
    for dim in MOVES_BY:
        parts.append(f"<h3>{html.escape(word('moves', lang, dim=word(dim, lang)))}</h3>")
        rows = [(plain(r["value"]), f"{r['previous_pct_sla']:.1f} %", f"{r['pct_sla']:.1f} %",
                 _bar(r["pct_sla"], "#2e7d32" if r["change"] >= 0 else "#c62828"), f"{r['change']:+.1f} pp",
                 f"{r['decided']:,}") for r in d.moves[dim]]
        parts.append(_table((word(dim, lang), word("previous", lang), word("week", lang), "", word("change", lang),
                             word("decided", lang)), rows) if rows else
                     f"<p>{html.escape(word('no_moves', lang, dim=word(dim, lang), n=d.min_decided))}</p>")
    parts.append(f"<h3>{html.escape(word('breaches', lang, n=f'{d.breached:,}'))}</h3>")
    breach_head = (word("ticket", lang), word("created", lang), word("channel", lang), word("category", lang),
                   word("agent", lang), word("wait", lang))
    parts.append(_table(breach_head, _breach_rows(d)) if d.breaches else f"<p>{html.escape(word('none', lang))}</p>")
    if d.breached > len(d.breaches):
        parts.append(f"<p>{html.escape(word('more', lang, n=f'{d.breached - len(d.breaches):,}'))}</p>")
    parts.append(f"<h3>{html.escape(word('external', lang, n=len(d.external)))}</h3>")
    external_head = (word("ticket", lang), word("reached", lang), word("channel", lang), word("category", lang),
                     word("agent", lang))
    parts.append(_table(external_head, _external_rows(d)) if d.external else f"<p>{html.escape(word('none', lang))}</p>")
    if any(r["time_unknown"] for r in d.external):
        parts.append(f"<p><small>{html.escape(word('time_unknown', lang))}</small></p>")
    parts.append(f"<h3>{html.escape(word('alerts', lang, n=len(d.alerts)))}</h3>")
    alert_rows = [(plain(a["rule"]), plain(a["subject"] or ""), plain(a["rule_text"])) for a in d.alerts]
    parts.append(_table((word("rule", lang), "", ""), alert_rows) if alert_rows else
                 f"<p>{html.escape(word('none', lang))}</p>")
    if d.link:
        parts.append(f'<p><a href="{html.escape(d.link, quote=True)}">{html.escape(word("link", lang))}</a></p>')
    return ('<!doctype html><html><body style="font-family:sans-serif;color:#222">' + "".join(parts)
            + "</body></html>")


def payload(d: Digest) -> dict[str, Any]:
    def iso(value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value

    return {"title": title(d), "text": text(d), "digest": {
        "week_start": d.start.isoformat(), "week_end": d.end.isoformat(), "as_of": d.as_of.isoformat(),
        "figures": d.figures, "moves": d.moves, "breached": d.breached,
        "breaches": [{k: iso(v) for k, v in r.items()} for r in d.breaches],
        "external": [{k: iso(v) for k, v in r.items()} for r in d.external],
        "alerts": [{k: iso(v) for k, v in r.items()} for r in d.alerts], "link": d.link}}


def make(settings: Settings, day: dt.date | None = None) -> Digest:
    """The digest of the live warehouse (read only)."""
    with warehouse.open_readonly(settings.warehouse_path) as con:
        return build(con, settings, day)


def send_digest(settings: Settings, d: Digest, *, log: Log | None = None,
                env: Mapping[str, str] | None = None) -> list[Delivery]:
    """Send the digest to [alerts.digest] notify (default: every destination); record and log
    each outcome. Raises DeliveryError when no destination is configured."""
    log = log or (lambda *_a, **_k: None)
    cfg = settings.alerts
    names = cfg.digest_notify if cfg.digest_notify is not None else tuple(cfg.destinations)
    if not names:
        raise DeliveryError("the digest has no destination: define one under [alerts.destinations] "
                            "(and name it in [alerts.digest] notify, or leave notify out for all)")
    msg = Message(title(d), text(d), payload(d), html=html_page(d))
    out = []
    for name in names:
        dest = cfg.destinations[name]
        try:
            attempts, error = send(cfg, dest, msg, env), None
        except DeliveryError as exc:
            attempts, error = getattr(exc, "attempts", 1), exc.detail
        delivery = Delivery(at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), destination=name,
                            kind=dest.kind, ok=error is None, attempts=attempts, error=error, firing_id=None,
                            rule="digest", subject=d.start.isoformat(), state="digest", version=None)
        record(settings.warehouse_path, delivery)
        if error is None:
            log("digest_delivered", week=d.start.isoformat(), destination=name, kind=dest.kind, attempts=attempts)
        else:
            log("digest_delivery_failed", week=d.start.isoformat(), destination=name, kind=dest.kind,
                attempts=attempts, error=error)
        out.append(delivery)
    return out
