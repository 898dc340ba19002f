"""Demo data: a year of a digital-wallet complaint desk, with documented planted patterns.

`generate(n, seed, out)` writes tickets.csv, ticket_events.csv, qa_reviews.csv and agents.csv
in the canonical export format (local Asia/Shanghai time stamps without offset). Everything is
vectorised with NumPy and written with Arrow in chunks of days, so ten million tickets take
minutes and bounded memory; the output depends only on (n, seed, end, events_share).

The planted patterns, which tests check through the metric views, are listed in
docs/DEMO_DATA.md and in PLANTED below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DEFAULT_END = dt.date(2026, 9, 30)
DAYS = 365
SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # no daylight saving since 1991
CHUNK_DAYS = 14

CHANNELS = np.array(["chat", "email", "app", "ai_bot", "phone", "web", "social"])
EMAIL_CODE = int(np.flatnonzero(CHANNELS == "email")[0])
CHANNEL_P = np.array([0.28, 0.18, 0.16, 0.18, 0.10, 0.07, 0.03])
CHANNEL_ZH = np.array(["在线客服", "邮件", "应用", "智能客服", "电话", "网页", "社交媒体"])
# median minutes from the start of staffed time to a human's first reply, per channel
CHANNEL_WAIT = np.array([4.0, 240.0, 90.0, 12.0, 1.5, 150.0, 120.0])

CATEGORIES = np.array(["app_usage", "password_recovery", "transaction_delay", "withdrawal",
                       "account_security", "account_restriction", "other"])
CATEGORY_P = np.array([0.22, 0.14, 0.19, 0.18, 0.09, 0.12, 0.06])
CATEGORY_ZH = np.array(["使用咨询", "密码找回", "交易延迟", "提现", "账户安全", "封号/限制", "其他"])
# median minutes from first response to resolution
CATEGORY_RESOLVE = np.array([35.0, 25.0, 900.0, 4320.0, 2880.0, 2400.0, 240.0])
CATEGORY_ESCALATE = np.array([0.015, 0.015, 0.05, 0.14, 0.12, 0.09, 0.015])
# the share of its tickets the AI assistant solves alone, per category (CATEGORIES order): simple
# questions well, financial and security cases hardly at all (docs/DEMO_DATA.md)
BOT_CONTAIN = np.array([0.55, 0.65, 0.04, 0.02, 0.0, 0.06, 0.30])

PRIORITIES = np.array(["urgent", "high", "normal", "low"])
# P(priority | category), rows in CATEGORIES order
PRIORITY_P = np.array([
    [0.00, 0.00, 0.40, 0.60],
    [0.00, 0.00, 0.50, 0.50],
    [0.00, 0.30, 0.60, 0.10],
    [0.05, 0.45, 0.50, 0.00],
    [0.60, 0.35, 0.05, 0.00],
    [0.00, 0.30, 0.60, 0.10],
    [0.00, 0.00, 0.50, 0.50],
])
PRIORITY_WAIT = np.array([0.5, 0.8, 1.0, 1.1])

TEAMS = np.array(["frontline_zh", "frontline_en", "payments", "security"])
TEAM_SHARE = np.array([0.45, 0.20, 0.20, 0.15])
ERROR_TYPES = ("communication", "product_knowledge", "timeliness", "incomplete_record", "policy", "other")

HOURLY = np.array([0.6, 0.4, 0.3, 0.25, 0.25, 0.35, 0.7, 1.4, 2.6, 3.8, 4.4, 4.3, 3.6, 3.9, 4.3,
                   4.4, 4.1, 3.7, 3.2, 3.0, 2.9, 2.6, 1.9, 1.1])
STAFF_OPEN, STAFF_CLOSE = 8 * 60, 22 * 60  # human agents work 08:00–22:00 local, every day
INCIDENT_DAYS = (103, 247)  # day offsets (weekdays) of two incidents: a chain congestion, a node outage

# The agents with planted error patterns, and what the tests look for.
AGENT_INCOMPLETE_RECORDS = "A0003"
AGENT_COMMUNICATION = "A0005"
# the agents who leave records incomplete (ticket_completeness): A0003 (front line zh: no
# resolution notes), A0004 (payments: no transaction reference); their tickets come back more
AGENTS_INCOMPLETE_FIELDS = ("A0003", "A0004")
PLANTED = {
    "email_worst_sla": "email has the lowest share of first responses within 24 h of all channels",
    "weekend_backlog": "tickets created on weekends and holidays wait over twice as long for a first response",
    "financial_slowest": "withdrawal and account_security take days to resolve; password_recovery and app_usage under two hours (medians)",
    "withdrawal_improves": "withdrawal's median resolution time falls by over a quarter from the first to the last quarter",
    "escalations_financial": "withdrawal and account_security have the highest escalation rates; most external-body escalations come from them",
    "new_hires_knowledge": "agents in their first 90 days have over three times the product_knowledge error rate of the others",
    "incomplete_records_agent": f"{AGENT_INCOMPLETE_RECORDS} has an incomplete_record rate over five times the rest of the desk",
    "communication_agent": f"{AGENT_COMMUNICATION} has the highest communication error rate and a raised reopen rate",
    "incident_days": "two incident days carry over 2.5 times the median daily volume, mostly transaction_delay",
    "bot_first": "the AI assistant answers within a minute and solves some simple tickets without a human",
    "bot_contains_simple": "the AI assistant contains password_recovery and app_usage questions well and the financial ones (transaction_delay, withdrawal, account_security) hardly at all",
    "csat_escalated": "escalated tickets have lower CSAT than the others",
    "repeat_chains": "the repeat-contact rate lies between 8 % and 20 %; most customers have one ticket",
    "incomplete_fields_agents": "A0003's and A0004's records are incomplete far more often than the rest of "
                                "the desk's, and incomplete tickets are followed by a repeat more often",
}


@dataclass
class GenInfo:
    tickets: int
    events: int
    reviews: int
    agents: int
    as_of: dt.datetime
    files: list[Path]


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(median.shape))


def _ts(epoch_s: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Local epoch seconds → 'YYYY-MM-DD HH:MM:SS' strings (NULL where not valid)."""
    text = np.datetime_as_string(epoch_s.astype("datetime64[s]"), unit="s")
    arr = pc.replace_substring(pa.array(text), "T", " ")
    if valid is not None:
        arr = pc.if_else(pa.array(valid), arr, pa.scalar(None, pa.string()))
    return arr


def _pick(labels: np.ndarray, codes: np.ndarray) -> pa.Array:
    return pc.take(pa.array(labels), pa.array(codes))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _holiday_days(start: dt.date) -> np.ndarray:
    import holidays as holidays_lib

    cal = holidays_lib.country_holidays("CN", years=range(start.year, start.year + 2))
    days = np.zeros(DAYS + 1, dtype=bool)
    for d in cal:
        i = (d - start).days
        if 0 <= i <= DAYS:
            days[i] = True
    return days


def _agents(rng: np.random.Generator, n_tickets: int, start_s: int) -> dict[str, np.ndarray]:
    n = int(np.clip(n_tickets // 2500, 24, 4000))
    team = rng.choice(len(TEAMS), size=n, p=TEAM_SHARE)
    team[:8] = [0, 1, 0, 2, 1, 3, 0, 1]  # every team staffed, planted agents placed
    new_hire = rng.random(n) < 0.25
    new_hire[[2, 4]] = False  # the planted agents are experienced
    tenure_days = rng.uniform(365, 5 * 365, n)
    hired = np.where(new_hire, start_s + rng.uniform(0, 300, n) * 86400, start_s - tenure_days * 86400)
    hired = (hired // 86400 * 86400).astype(np.int64)
    return {"number": np.arange(1, n + 1), "team": team, "hired_s": hired}


def _assign_agents(rng: np.random.Generator, agents: dict[str, np.ndarray], team: np.ndarray,
                   created_s: np.ndarray) -> np.ndarray:
    """Index of an agent of the ticket's team already hired when the ticket arrived."""
    out = np.zeros(len(team), dtype=np.int64)
    for t in range(len(TEAMS)):
        members = np.flatnonzero(agents["team"] == t)
        order = members[np.argsort(agents["hired_s"][members], kind="stable")]
        hired_sorted = agents["hired_s"][order]
        sel = np.flatnonzero(team == t)
        eligible = np.searchsorted(hired_sorted, created_s[sel], side="right")
        eligible = np.maximum(eligible, 1)
        out[sel] = order[(rng.random(len(sel)) * eligible).astype(np.int64)]
    return out


def _staffed_start(local_s: np.ndarray) -> np.ndarray:
    """The first moment at or after local_s inside staffed hours (08:00–22:00)."""
    minute = (local_s % 86400) // 60
    day0 = local_s - local_s % 86400
    before = minute < STAFF_OPEN
    after = minute >= STAFF_CLOSE
    return np.where(before, day0 + STAFF_OPEN * 60,
                    np.where(after, day0 + 86400 + STAFF_OPEN * 60, local_s))


def _subjects(rng: np.random.Generator, category: np.ndarray, zh: np.ndarray) -> pa.Array:
    zh_t = {
        0: ["如何导入钱包", "怎么添加自定义代币", "如何切换网络", "怎么备份助记词"],
        1: ["忘记密码无法登录", "重置交易密码", "找回钱包密码"],
        2: ["转账一直显示打包中", "交易长时间未确认", "转账到账很慢"],
        3: ["提现三天未到账", "提币显示成功但没收到", "提现审核太久"],
        4: ["账户被盗资产被转走", "收到陌生授权交易", "有人登录了我的账户"],
        5: ["账户被限制无法交易", "账号被封申诉", "钱包被冻结"],
        6: ["其他问题", "建议与反馈"],
    }
    en_t = {
        0: ["How to import a wallet", "How do I add a custom token", "Switching networks"],
        1: ["Forgot my password", "Reset transaction password", "Cannot log in"],
        2: ["Transfer stuck as pending", "Transaction not confirmed for hours", "Slow transfer"],
        3: ["Withdrawal not received after 3 days", "Withdrawal shows success but nothing arrived"],
        4: ["Account hacked, funds moved", "Unauthorized transaction", "Unknown login on my account"],
        5: ["Account restricted", "Appeal against account ban", "Wallet frozen"],
        6: ["Other question", "Feedback"],
    }
    labels: list[str] = []
    offsets = {}
    for c in range(len(CATEGORIES)):
        offsets[(c, True)] = (len(labels), len(zh_t[c]))
        labels.extend(zh_t[c])
        offsets[(c, False)] = (len(labels), len(en_t[c]))
        labels.extend(en_t[c])
    base = np.zeros(len(category), dtype=np.int64)
    size = np.ones(len(category), dtype=np.int64)
    for (c, is_zh), (off, k) in offsets.items():
        sel = (category == c) & (zh == is_zh)
        base[sel] = off
        size[sel] = k
    return _pick(np.array(labels), base + (rng.random(len(category)) * size).astype(np.int64))


# --- the customers' repeat chains and the record's fields (issue 18) ----------------------
RETURN_BASE = 0.07  # the chance that a customer comes back about the same problem, before the factors
NOTE_ZH = np.array(["已指导用户完成操作", "已协助重置密码", "已查询链上状态并告知用户", "已核实提现并补发",
                    "已冻结账户并完成调查", "已审核申诉并答复", "已答复用户"])
NOTE_EN = np.array(["Guided the customer through the app", "Helped reset the password",
                    "Checked the transfer on chain and told the customer", "Verified the withdrawal and re-sent it",
                    "Froze the account and investigated", "Reviewed the appeal and replied", "Answered the customer"])
CURRENCIES = np.array(["USDT", "CNY", "ETH", "BTC"])


@dataclass
class _Returns:
    """Customers still to come back (their return falls after the chunk that made them)."""

    category: np.ndarray
    channel: np.ndarray   # the channel the customer prefers to come back by (-1: any)
    customer: np.ndarray
    at: np.ndarray

    @staticmethod
    def none() -> _Returns:
        empty = np.zeros(0, dtype=np.int64)
        return _Returns(empty, empty, empty, empty)


def _record_gaps(rng: np.random.Generator, category: np.ndarray, agent: np.ndarray, has_human: np.ndarray,
                 is_resolved: np.ndarray) -> dict[str, np.ndarray]:
    """Which tickets' records lack what their category needs (the defaults of
    [[completeness.rules]]): the planted agents leave out far more than the rest."""
    m = len(category)
    omit = np.where(has_human & np.isin(agent, AGENTS_INCOMPLETE_FIELDS), 0.45, 0.03)
    gaps = {
        "transaction": np.isin(category, [2, 3]) & (rng.random(m) < omit),
        "account": (category == 4) & (rng.random(m) < omit),
        "note": is_resolved & has_human & (rng.random(m) < omit),
    }
    gaps["incomplete"] = gaps["transaction"] | gaps["account"] | gaps["note"]
    return gaps


def _returns(rng: np.random.Generator, category: np.ndarray, reopens: np.ndarray, breached: np.ndarray,
             level: np.ndarray, incomplete: np.ndarray, bot_solved: np.ndarray) -> np.ndarray:
    """Whether each ticket's customer comes back about the same problem: more often when it
    was badly handled (reopened, late, escalated, an incomplete record), for money matters."""
    p = (RETURN_BASE * np.where(np.isin(category, [2, 3, 4]), 1.6, 1.0) * np.where(reopens > 0, 1.8, 1.0)
         * np.where(breached, 1.5, 1.0) * np.where(level > 0, 1.4, 1.0) * np.where(incomplete, 3.0, 1.0)
         * np.where(bot_solved, 0.6, 1.0))
    return rng.random(len(category)) < np.minimum(p, 0.7)


def _match(p_key: np.ndarray, p_at: np.ndarray, p_src: np.ndarray, key: np.ndarray, created: np.ndarray,
           free: np.ndarray) -> np.ndarray:
    """For each return (key, time, the chunk's ticket it follows or -1): the first free ticket
    of the chunk with that key created at or after its time, within two days (-1: none).
    Returns that would land on the same ticket take the next ones."""
    dst = np.full(len(p_at), -1)
    for k in np.unique(p_key):
        pend = np.flatnonzero(p_key == k)
        pend = pend[np.argsort(p_at[pend], kind="stable")]
        cand = np.flatnonzero((key == k) & free)  # in order of creation
        pos = np.searchsorted(created[cand], p_at[pend], side="left")
        _, first, counts = np.unique(pos, return_index=True, return_counts=True)
        pos = pos + (np.arange(len(pos)) - np.repeat(first, counts))
        ok = pos < len(cand)
        hit = np.full(len(pos), -1)
        hit[ok] = cand[pos[ok]]
        ok &= (created[np.maximum(hit, 0)] - p_at[pend] <= 2 * 86400)
        ok &= (p_src[pend] < 0) | (hit > p_src[pend])
        dst[pend[ok]] = hit[ok]
    placed = np.flatnonzero(dst >= 0)
    _, unique = np.unique(dst[placed], return_index=True)
    out = np.full(len(p_at), -1)
    out[placed[unique]] = dst[placed[unique]]
    return out


def _chain_customers(rng: np.random.Generator, numbers: np.ndarray, category: np.ndarray, channel: np.ndarray,
                     created: np.ndarray, resolved: np.ndarray, waiting: _Returns, as_of_s: int, *,
                     returns: np.ndarray) -> tuple[np.ndarray, _Returns]:
    """The customer of each ticket of a chunk: a new one (its own number) unless it is a
    returning customer's next ticket: about the same category, a few days after the earlier
    one was resolved (15 % only after the repeat window), or while it was still open; by the
    same channel for about half of them, by phone for a quarter of those who wrote an e-mail,
    else by whichever. A return is the first ticket of its category (and channel) at or after
    its time, within two days; one that falls after the chunk waits for the next one."""
    customer = numbers.astype(np.int64).copy()
    src = np.flatnonzero(returns)
    k = len(src)
    end = np.where(resolved[src] >= 0, resolved[src], created[src] + 5 * 86400)
    while_open = (end - created[src] > 86400) & (rng.random(k) < 0.4)
    delay = np.where(rng.random(k) < 0.85, rng.exponential(1.5, k), rng.uniform(8, 25, k)) * 86400
    at = np.where(while_open, created[src] + rng.uniform(0.2, 0.9, k) * (end - created[src]), end + delay)
    at = at.astype(np.int64)
    how = rng.random(k)
    phone = int(np.flatnonzero(CHANNELS == "phone")[0])
    prefer = np.where(how < 0.5, channel[src],
                      np.where((channel[src] == EMAIL_CODE) & (how < 0.75), phone, -1))
    keep = at <= as_of_s
    src, at, prefer = src[keep], at[keep], prefer[keep]
    # every return to place: the waiting ones (their customer known), then this chunk's (by index)
    p_cat = np.concatenate([waiting.category, category[src]])
    p_chan = np.concatenate([waiting.channel, prefer])
    p_at = np.concatenate([waiting.at, at])
    p_cust = np.concatenate([waiting.customer, np.full(len(src), -1)])
    p_src = np.concatenate([np.full(len(waiting.at), -1), src])
    free = np.ones(len(category), dtype=bool)
    width = len(CHANNELS) + 1
    # first by category and channel where the customer prefers one, then by category alone
    dst = np.full(len(p_at), -1)
    with_channel = np.flatnonzero(p_chan >= 0)
    dst[with_channel] = _match(p_cat[with_channel] * width + p_chan[with_channel], p_at[with_channel],
                               p_src[with_channel], category * width + channel, created, free)
    free[dst[dst >= 0]] = False
    rest = np.flatnonzero(dst < 0)
    dst[rest] = _match(p_cat[rest], p_at[rest], p_src[rest], category, created, free)
    placed = dst >= 0
    chosen = np.flatnonzero(placed)
    chosen = chosen[np.argsort(dst[chosen], kind="stable")]
    outer = chosen[p_src[chosen] < 0]
    inner = chosen[p_src[chosen] >= 0]
    customer[dst[outer]] = p_cust[outer]
    for _ in range(8):  # a chain of returns within the chunk: each takes its predecessor's customer
        customer[dst[inner]] = customer[p_src[inner]]
    later = ~placed & (p_at > created[-1])
    later_cust = np.where(p_src >= 0, customer[np.maximum(p_src, 0)], p_cust)
    return customer, _Returns(p_cat[later], p_chan[later], later_cust[later], p_at[later])


def _record_fields(rng: np.random.Generator, customer: np.ndarray, category: np.ndarray, created: np.ndarray,
                   zh: np.ndarray, gaps: dict[str, np.ndarray], is_resolved: np.ndarray,
                   bot_solved: np.ndarray) -> dict[str, pa.Array]:
    """The record's fields: the customer's wallet account; for transaction delays,
    withdrawals and a third of the security cases the transaction (id, time, amount,
    currency); a resolution note for every resolved ticket; each left out where `gaps` says."""
    m = len(category)
    money = np.isin(category, [2, 3]) | ((category == 4) & (rng.random(m) < 0.35))
    money_kept = money & ~gaps["transaction"]
    form = rng.random(m)  # some exports give only the transaction's time, a few only its id
    with_id = money_kept & (form >= 0.10)
    with_time = money_kept & (form < 0.95)
    tx_at = created - rng.integers(600, 3 * 86400, m)
    amount = np.round(_lognormal(rng, np.full(m, 300.0), 1.2), 2)
    currency = rng.choice(len(CURRENCIES), size=m, p=[0.55, 0.30, 0.10, 0.05])
    note_text = pc.if_else(pa.array(zh), _pick(NOTE_ZH, category), _pick(NOTE_EN, category))
    bot_note = pc.if_else(pa.array(zh), pa.scalar("智能客服已解答"), pa.scalar("Answered by the AI assistant"))
    note_text = pc.if_else(pa.array(bot_solved), bot_note, note_text)
    return {
        "account_id": pc.if_else(pa.array(gaps["account"]), pa.scalar(None, pa.string()), _ids("W", customer, 8)),
        "transaction_id": pc.if_else(pa.array(with_id), _ids("TX", rng.integers(0, 10**12, m), 12),
                                     pa.scalar(None, pa.string())),
        "transaction_at": _ts(tx_at, with_time),
        "amount": pa.array(amount, mask=~money_kept),
        "currency": pc.if_else(pa.array(money_kept), _pick(CURRENCIES, currency), pa.scalar(None, pa.string())),
        "resolution_note": pc.if_else(pa.array(is_resolved & ~gaps["note"]), note_text,
                                      pa.scalar(None, pa.string())),
    }


class _EventLog:
    """Events of one chunk, collected per type and sorted by ticket and time at the end."""

    def __init__(self, with_events: np.ndarray) -> None:
        self.with_events = with_events
        self.parts: list[tuple[np.ndarray, np.ndarray, str, np.ndarray, str, np.ndarray]] = []

    def add(self, mask: np.ndarray, at: np.ndarray, etype: str, actor: np.ndarray | str,
            role: str, detail: np.ndarray | str | None = None) -> None:
        sel = np.flatnonzero(mask & self.with_events)
        if len(sel):
            actors = np.full(len(sel), actor, dtype=object) if isinstance(actor, str) else actor[sel]
            details = detail[sel] if isinstance(detail, np.ndarray) else np.full(len(sel), detail, dtype=object)
            self.parts.append((sel, at[sel], etype, actors, role, details))

    def table(self, ticket_ids: pa.Array) -> pa.Table | None:
        if not self.parts:
            return None
        idx = np.concatenate([p[0] for p in self.parts])
        at = np.concatenate([p[1] for p in self.parts])
        types = np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in self.parts])
        actors = np.concatenate([p[3] for p in self.parts])
        roles = np.concatenate([np.full(len(p[0]), p[4], dtype=object) for p in self.parts])
        details = np.concatenate([p[5] for p in self.parts])
        o = np.lexsort((at, idx))
        types, actors, roles = types[o], actors[o], roles[o]
        # the AI assistant's own resolution is the bot's event
        roles = np.where((types == "resolved") & (actors == "bot"), "bot", roles)
        return pa.table({
            "ticket_id": pc.take(ticket_ids, pa.array(idx[o])),
            "event_at": _ts(at[o]),
            "event_type": pa.array(types, pa.string()),
            "actor_id": pa.array(actors, pa.string()),
            "actor_role": pa.array(roles, pa.string()),
            "detail": pa.array(details[o], pa.string()),
        })


class _Writer:
    """Appends Arrow tables to a CSV file, header once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: pacsv.CSVWriter | None = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pacsv.CSVWriter(str(self.path), table.schema,
                                          write_options=pacsv.WriteOptions(quoting_style="needed"))
        self.writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def generate(n: int, *, seed: int = 7, out: Path, end: dt.date | None = None,
             events_share: float | None = None,
             progress: Callable[[str], None] | None = None) -> GenInfo:
    """Write the four demo files into `out`; see the module docstring."""
    if n < 1:
        raise ValueError("the number of tickets must be at least 1")
    say = progress or (lambda _m: None)
    end = end or DEFAULT_END
    start = end - dt.timedelta(days=DAYS - 1)
    start_s = int(dt.datetime(start.year, start.month, start.day).replace(tzinfo=dt.UTC).timestamp())
    as_of_s = start_s + DAYS * 86400  # midnight after the last day, local time
    as_of = dt.datetime(end.year, end.month, end.day, tzinfo=SHANGHAI) + dt.timedelta(days=1)
    if events_share is None:
        events_share = 1.0 if n <= 200_000 else 0.1
    rng = np.random.default_rng(seed)
    # status changes and assignments draw from a stream of their own, so that every other
    # figure is what it was before they were added
    aux = np.random.default_rng([seed, 19])
    out.mkdir(parents=True, exist_ok=True)

    holiday = _holiday_days(start)
    weekday = (np.arange(DAYS) + start.weekday()) % 7
    off_day = (weekday >= 5) | holiday[:DAYS]
    weights = np.where(weekday == 5, 0.55, np.where(weekday == 6, 0.5, 1.0))
    weights = weights * np.where(holiday[:DAYS], 0.8, 1.0)
    weights = weights * np.linspace(0.85, 1.15, DAYS) * np.exp(0.08 * rng.standard_normal(DAYS))
    for d in INCIDENT_DAYS:
        weights[d] *= 3.2
    per_day = rng.multinomial(n, weights / weights.sum())

    agents = _agents(rng, n, start_s)
    n_agents = len(agents["number"])
    agent_ids = np.array([f"A{i:04d}" for i in agents["number"]])
    is_incomplete_agent = agent_ids == AGENT_INCOMPLETE_RECORDS
    is_comm_agent = agent_ids == AGENT_COMMUNICATION

    tickets_w = _Writer(out / "tickets.csv")
    events_w = _Writer(out / "ticket_events.csv")
    reviews_w = _Writer(out / "qa_reviews.csv")
    first_ticket = 0
    # the customers' repeat chains and the record's fields draw from a stream of their own
    chains = np.random.default_rng([seed, 23])
    waiting = _Returns.none()
    hour_p = HOURLY / HOURLY.sum()
    review_seq = 0
    for chunk_start in range(0, DAYS, CHUNK_DAYS):
        days = np.arange(chunk_start, min(DAYS, chunk_start + CHUNK_DAYS))
        say(f"generating day {chunk_start + 1} of {DAYS}")
        day = np.repeat(days, per_day[days])
        m = len(day)
        if m == 0:
            continue
        created = (start_s + day * 86400 + rng.choice(24, size=m, p=hour_p) * 3600
                   + rng.integers(0, 3600, m)).astype(np.int64)
        order = np.argsort(created, kind="stable")
        day, created = day[order], created[order]
        numbers = first_ticket + np.arange(1, m + 1)
        first_ticket += m
        minute = (created % 86400) // 60
        off = off_day[day]

        channel = rng.choice(len(CHANNELS), size=m, p=CHANNEL_P)
        hotline_closed = off | (minute < 9 * 60) | (minute >= 18 * 60)
        channel[(channel == 4) & hotline_closed] = 3  # the hotline is answered in working hours only
        category = rng.choice(len(CATEGORIES), size=m, p=CATEGORY_P)
        incident = np.isin(day, INCIDENT_DAYS)
        category[incident & (rng.random(m) < 0.7)] = 2
        zh = rng.random(m) < 0.78
        team = np.where(category == 4, 3, np.where(np.isin(category, [2, 3]), 2, np.where(zh, 0, 1)))
        cum_p = PRIORITY_P[category].cumsum(axis=1)
        priority = (rng.random(m)[:, None] > cum_p).sum(axis=1).clip(0, 3)
        agent = _assign_agents(rng, agents, team, created)
        tenure_days = (created - agents["hired_s"][agent]) / 86400
        new_hire = tenure_days < 90

        # AI assistant: replies in seconds; solves some simple tickets on its own
        bot = channel == 3
        bot_reply = np.where(bot, created + rng.integers(3, 40, m), -1)
        bot_solved = bot & (rng.random(m) < BOT_CONTAIN[category])

        # first human response: staffed hours, channel queue, weekend and holiday backlog
        wait_from = _staffed_start(created)
        factor = (np.where(off, 2.6, 1.0) * np.where(new_hire, 1.6, 1.0) * PRIORITY_WAIT[priority]
                  * np.where(holiday[day], 1.5, 1.0))
        queue_min = _lognormal(rng, CHANNEL_WAIT[channel] * factor, 0.9)
        # half of the e-mails of a weekend wait for Monday 09:00
        weekend_email = (channel == 1) & (weekday[day] >= 5) & (rng.random(m) < 0.5)
        monday = created + np.where(weekday[day] == 5, 2, 1) * 86400
        wait_from = np.where(weekend_email, monday - monday % 86400 + 9 * 3600, wait_from)
        first_resp = (wait_from + queue_min * 60).astype(np.int64)
        never_answered = rng.random(m) < 0.003
        has_human = ~bot_solved & ~never_answered

        # resolution after the first response; withdrawal investigations speed up over the year
        trend = np.where(category == 3, np.interp(day, [0, DAYS - 1], [1.3, 0.75]), 1.0)
        esc_p = CATEGORY_ESCALATE[category] * np.where(queue_min > 1440, 1.8, 1.0) * np.where(new_hire, 1.4, 1.0)
        escalated = has_human & (rng.random(m) < esc_p)
        resolve_min = _lognormal(rng, CATEGORY_RESOLVE[category] * trend * np.where(escalated, 2.5, 1.0), 0.8)
        resolve_min = np.where(bot_solved, rng.uniform(2, 15, m), resolve_min)
        resolve_from = np.where(bot_solved, bot_reply, first_resp)
        resolved = (resolve_from + resolve_min * 60).astype(np.int64)
        resolved = np.where(never_answered, -1, resolved)

        level = np.where(escalated, 1, 0)
        fin = np.isin(category, [3, 4])
        level = np.where(escalated & (rng.random(m) < 0.18), 2, level)
        level = np.where((level == 2) & (rng.random(m) < np.where(fin, 0.14, 0.05)), 3, level)
        span = np.maximum(resolved - first_resp, 60)
        esc1 = first_resp + (span * rng.uniform(0.05, 0.3, m)).astype(np.int64)
        esc2 = esc1 + (span * rng.uniform(0.1, 0.3, m)).astype(np.int64)
        esc3 = esc2 + (span * rng.uniform(0.1, 0.3, m)).astype(np.int64)

        reopen_p = np.where(category == 2, 0.10, 0.05) * np.where(is_comm_agent[agent], 2.5, 1.0)
        reopens = np.where(has_human & (rng.random(m) < reopen_p), np.where(rng.random(m) < 0.8, 1, 2), 0)

        # what is known at as_of
        answered = has_human & (first_resp <= as_of_s)
        is_resolved = (resolved >= 0) & (resolved <= as_of_s) & (~has_human | answered)
        reached = [escalated & (esc1 <= as_of_s), (level >= 2) & (esc2 <= as_of_s),
                   (level >= 3) & (esc3 <= as_of_s)]
        level_now = reached[0].astype(np.int64) + reached[1] + reached[2]
        closed = is_resolved & (resolved + 3 * 86400 <= as_of_s)
        open_state = rng.choice(3, size=m, p=[0.45, 0.40, 0.15])  # open, pending, on_hold
        status_code = np.where(closed, 5, np.where(is_resolved, 4,
                               np.where(~answered & ~bot, 0, open_state + 1)))
        statuses = np.array(["new", "open", "pending", "on_hold", "solved", "closed"])
        # a ticket the assistant solved alone was on time (its clock stopped at its resolution)
        breached = (np.where(answered, first_resp, np.where(bot_solved & is_resolved, resolved, as_of_s))
                    - created) > 1440 * 60

        # CSAT from about a quarter of customers whose ticket was resolved
        csat_given = is_resolved & (rng.random(m) < 0.28)
        csat_mean = (4.4 - 1.3 * (level_now > 0) - 0.9 * breached - 0.6 * (reopens > 0)
                     - 0.4 * (resolve_min > 3 * 1440))
        csat = np.clip(np.rint(csat_mean + 0.7 * rng.standard_normal(m)), 1, 5).astype(np.int64)

        updated = np.maximum.reduce([created, np.where(answered, first_resp, 0),
                                     np.where(is_resolved, resolved, 0),
                                     np.where(closed, resolved + 3 * 86400, 0),
                                     np.where(reached[0], esc1, 0), np.where(reached[1], esc2, 0),
                                     np.where(reached[2], esc3, 0)])
        chinese_values = rng.random(m) < 0.15
        channel_text = pc.if_else(pa.array(chinese_values), _pick(CHANNEL_ZH, channel), _pick(CHANNELS, channel))
        category_text = pc.if_else(pa.array(chinese_values), _pick(CATEGORY_ZH, category), _pick(CATEGORIES, category))
        ticket_ids = _ids("T", numbers, 9)
        rng.zipf(1.6, m)  # the customers of earlier versions: drawn still, so that every later figure stays
        gaps = _record_gaps(chains, category, agent_ids[agent], has_human, is_resolved)
        customer, waiting = _chain_customers(
            chains, numbers, category, channel, created, np.where(is_resolved, resolved, -1), waiting, as_of_s,
            returns=_returns(chains, category, reopens, breached, level_now, gaps["incomplete"], bot_solved))
        record = _record_fields(chains, customer, category, created, zh, gaps, is_resolved, bot_solved)
        tickets_w.write(pa.table({
            "ticket_id": ticket_ids,
            "created_at": _ts(created),
            "updated_at": _ts(updated),
            "channel": channel_text,
            "category": category_text,
            "priority": _pick(PRIORITIES, priority),
            "status": _pick(statuses, status_code),
            "team": _pick(TEAMS, team),
            "agent_id": pc.if_else(pa.array(has_human), _pick(agent_ids, agent), pa.scalar(None, pa.string())),
            "first_response_at": _ts(first_resp, answered),
            "resolved_at": _ts(resolved, is_resolved),
            "closed_at": _ts(resolved + 3 * 86400, closed),
            "escalation_level": pa.array(level_now),
            "escalated_at": _ts(esc1, reached[0]),
            "reopen_count": pa.array(np.where(is_resolved, reopens, 0)),
            "csat": pa.array(csat, mask=~csat_given),
            "customer_id": _ids("C", customer, 8),
            "language": pc.if_else(pa.array(zh), pa.scalar("zh"), pa.scalar("en")),
            "subject": _subjects(rng, category, zh),
            # the e-mail desk's tool reports its own resolution minutes, rounded to the minute
            # (ours agree: reported_agreement on Data health); no other channel reports any
            "resolution_minutes_reported": pa.array(np.rint((resolved - created) / 60).astype(np.float64),
                                                    mask=~(is_resolved & (channel == EMAIL_CODE))),
            **record,
        }))

        # event log for a share of the tickets, consistent with the columns above
        with_events = rng.random(m) < events_share
        log = _EventLog(with_events)
        add = log.add

        all_true = np.ones(m, dtype=bool)
        cust = np.asarray(_ids("C", customer, 8).to_numpy(zero_copy_only=False), dtype=object)
        agent_text = _pick(agent_ids, agent)
        agent_np = np.asarray(agent_text.to_numpy(zero_copy_only=False), dtype=object)
        add(all_true, created, "created", cust, "customer")
        add(bot, bot_reply, "bot_reply", "bot", "bot")
        add(answered, first_resp, "agent_reply", agent_np, "agent")
        follow = answered & (rng.random(m) < 0.6)
        follow_at = first_resp + (rng.uniform(0.1, 0.5, m) * np.maximum(resolved - first_resp, 600)).astype(np.int64)
        follow = follow & (follow_at <= as_of_s) & (~is_resolved | (follow_at < resolved))
        add(follow, follow_at, "customer_reply", cust, "customer")
        add(answered & (rng.random(m) < 0.3), first_resp + 60, "internal_note", agent_np, "agent")
        add(reached[0], esc1, "escalated", agent_np, "agent", "level 1")
        add(reached[1], esc2, "escalated", "S0001", "agent", "level 2")
        add(reached[2], esc3, "escalated", "S0001", "agent", "level 3")
        # a reopened ticket was resolved and reopened before its final resolution
        for k in (1, 2):
            earlier = first_resp + ((resolved - first_resp) * (0.25 * k)).astype(np.int64)
            reopened_at = first_resp + ((resolved - first_resp) * (0.25 * k + 0.1)).astype(np.int64)
            again = is_resolved & (reopens >= k) & answered
            add(again, earlier, "resolved", agent_np, "agent")
            add(again, reopened_at, "reopened", cust, "customer")
        add(is_resolved, resolved, "resolved", np.where(has_human, agent_np, "bot"), "agent")
        add(closed, resolved + 3 * 86400, "closed", "system", "system")
        # the process's stages (docs/DEMO_DATA.md): an agent's question sets some tickets
        # pending until the customer's reply; financial cases wait on hold in the middle; open
        # tickets reach the status they are in; a few reach a wrong agent before their own
        ask = follow & (reopens == 0) & (aux.random(m) < 0.35)
        add(ask, first_resp + (follow_at - first_resp) // 2, "status_change", agent_np, "agent", "status: pending")
        span = resolved - first_resp
        hold = is_resolved & answered & (reopens == 0) & np.isin(category, [2, 3]) & (aux.random(m) < 0.25)
        add(hold, first_resp + (span * 0.55).astype(np.int64), "status_change", agent_np, "agent", "status: on_hold")
        add(hold, first_resp + (span * 0.85).astype(np.int64), "status_change", agent_np, "agent", "status: open")
        since = np.where(answered, first_resp, np.where(bot, bot_reply, created))
        since = np.where(follow, np.maximum(since, follow_at), since)
        now_at = np.minimum(since + 600, as_of_s - 1)
        for code, status in ((2, "status: pending"), (3, "status: on_hold")):
            now = ~is_resolved & (status_code == code)
            add(now & answered, now_at, "status_change", agent_np, "agent", status)
            add(now & ~answered, now_at, "status_change", "system", "system", status)  # the assistant's
        misrouted = answered & (aux.random(m) < 0.06)
        wrong = (agent + 1 + aux.integers(0, n_agents - 1, m)) % n_agents
        wait = first_resp - created
        add(misrouted, created + wait // 3, "assigned", "system", "system",
            np.char.add("assignee: ", agent_ids[wrong]).astype(object))
        add(misrouted, created + 2 * (wait // 3), "assigned", "system", "system",
            np.char.add("assignee: ", agent_ids[agent]).astype(object))
        events = log.table(ticket_ids)
        if events is not None:
            events_w.write(events)

        # QA reviews of a sample of answered tickets, with agent-specific error patterns
        reviewed_at = np.maximum(first_resp, np.where(is_resolved, resolved, first_resp)) + \
            rng.integers(86400, 7 * 86400, m)
        review = answered & (reviewed_at <= as_of_s) & ((rng.random(m) < 0.05) | (level_now >= 2))
        r = np.flatnonzero(review)
        if len(r):
            p = {
                "communication": np.where(is_comm_agent[agent[r]], 0.35, 0.05),
                "product_knowledge": np.where(new_hire[r], 0.24, 0.06),
                "timeliness": 0.03 + 0.35 * breached[r],
                "incomplete_record": np.where(is_incomplete_agent[agent[r]], 0.40, 0.03),
                "policy": np.full(len(r), 0.01),
                "other": np.full(len(r), 0.01),
            }
            found = {k: rng.random(len(r)) < v for k, v in p.items()}
            n_err = sum(f.astype(np.int64) for f in found.values())
            parts = [pc.if_else(pa.array(found[k]), pa.scalar(k), pa.scalar(None, pa.string()))
                     for k in ERROR_TYPES]
            joined = pc.binary_join_element_wise(*parts, ";", null_handling="replace",
                                                 null_replacement="")
            error_text = pc.utf8_trim(pc.replace_substring_regex(joined, ";{2,}", ";"), ";")
            score = np.clip(np.rint(96 - 11 * n_err + 3 * rng.standard_normal(len(r))), 0, 100)
            reviews_w.write(pa.table({
                "review_id": _ids("R", review_seq + np.arange(1, len(r) + 1), 8),
                "ticket_id": pc.take(ticket_ids, pa.array(r)),
                "agent_id": pc.take(agent_text, pa.array(r)),
                "reviewed_at": _ts(reviewed_at[r]),
                "reviewer_id": _ids("Q", rng.integers(1, 7, len(r)), 2),
                "score": pa.array(score.astype(np.int64)),
                "error_types": error_text,
                "comment": pa.array(np.where(n_err > 0, "needs coaching", "ok"), pa.string()),
            }))
            review_seq += len(r)

    for w in (tickets_w, events_w, reviews_w):
        w.close()
    say("writing agents")
    surnames = np.array(["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu"])
    given = np.array(["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Jun", "Yan", "Tao", "Ying", "Hao", "Xin"])
    first = rng.integers(0, len(surnames), n_agents)
    second = rng.integers(0, len(given), n_agents)
    names = pc.binary_join_element_wise(_pick(surnames, first), _pick(given, second), " ")
    team_codes = agents["team"]
    hired = np.datetime_as_string(agents["hired_s"].astype("datetime64[s]"), unit="D")
    pacsv.write_csv(pa.table({
        "agent_id": pa.array(agent_ids),
        "name": names,
        "team": _pick(TEAMS, team_codes),
        "tier": pa.array(np.where(team_codes >= 2, "2", "1")),
        "hired_on": pa.array(hired),
        "languages": pa.array(np.where(team_codes == 1, "en", "zh;en")),
    }), str(out / "agents.csv"))
    files = [out / "tickets.csv", out / "ticket_events.csv", out / "qa_reviews.csv", out / "agents.csv"]
    return GenInfo(tickets=tickets_w.rows, events=events_w.rows, reviews=reviews_w.rows,
                   agents=n_agents, as_of=as_of, files=[f for f in files if f.exists()])
