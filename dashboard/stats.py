"""Statistics the pages need beyond SQL aggregates: Kaplan–Meier survival on binned
durations, a one-sided Fisher exact test, and Holm's correction. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Survival:
    """Kaplan–Meier estimate: S(t) just after each time in `times`."""

    times: np.ndarray
    survival: np.ndarray
    at_risk: np.ndarray

    def median(self) -> float | None:
        """First time at which S(t) ≤ 0.5, or None if the curve never gets there."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.times[below[0]]) if len(below) else None


def kaplan_meier(times: np.ndarray, events: np.ndarray, censored: np.ndarray) -> Survival:
    """KM from grouped data: at each distinct time, `events` resolutions and `censored`
    still-open tickets whose age is that time. Censored at t are at risk at t (the usual
    convention: events before censoring at tied times)."""
    order = np.argsort(times, kind="stable")
    t = np.asarray(times, dtype=float)[order]
    d = np.asarray(events, dtype=float)[order]
    c = np.asarray(censored, dtype=float)[order]
    at_risk = (d + c)[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - d / at_risk, 1.0)
    return Survival(times=t, survival=np.cumprod(factor), at_risk=at_risk)


def fisher_greater(a: int, b: int, c: int, d: int) -> float:
    """One-sided Fisher exact p-value that the first row's rate a/(a+b) is greater than the
    second's c/(c+d): P(X ≥ a) under the hypergeometric distribution with fixed margins."""
    return float(fisher_greater_all([a], [b], [c], [d])[0])


def fisher_greater_all(a: Any, b: Any, c: Any, d: Any) -> np.ndarray:
    """fisher_greater for every table (a[i], b[i], c[i], d[i]) at once: the tail's terms of
    all tables in one array, added up per table. One call for a training list's thousands of
    tests instead of one each."""
    a, b, c, d = (np.asarray(v, dtype=np.int64).reshape(-1) for v in (a, b, c, d))
    p = np.ones(len(a))
    if not len(a):
        return p
    n1, n2, k = a + b, c + d, a + c
    n = n1 + n2
    hi = np.minimum(k, n1)
    tail = np.flatnonzero(a > np.maximum(0, k - n2))  # a at the lowest x possible: P = 1
    if not len(tail):
        return p

    def log_comb(nn: np.ndarray, kk: np.ndarray) -> np.ndarray:
        return _log_factorial(nn) - _log_factorial(kk) - _log_factorial(nn - kk)

    counts = hi[tail] - a[tail] + 1
    which = np.repeat(tail, counts)  # the table of each term
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    x = a[which] + np.arange(len(which)) - np.repeat(starts, counts)
    logs = (log_comb(n1[which], x) + log_comb(n2[which], k[which] - x)
            - log_comb(n[which], k[which]))
    top = np.maximum.reduceat(logs, starts)
    total = np.add.reduceat(np.exp(logs - np.repeat(top, counts)), starts)
    p[tail] = np.minimum(1.0, np.exp(top) * total)
    return p


# log(n!) exactly (math.lgamma) below this n; above it Stirling's series, which from here on
# agrees with lgamma to the last few bits of a double
_EXACT_BELOW = 256
_SMALL_LOG_FACTORIALS = np.array([math.lgamma(i + 1) for i in range(_EXACT_BELOW)])


def _log_factorial(n: np.ndarray) -> np.ndarray:
    """log(n!) of every element of an integer array, as math.lgamma(n + 1) would give it."""
    n = np.asarray(n, dtype=np.int64)
    out = _SMALL_LOG_FACTORIALS[np.minimum(n, _EXACT_BELOW - 1)]
    big = n >= _EXACT_BELOW
    if big.any():
        z = n[big].astype(np.float64) + 1.0
        out = out.copy()
        out[big] = ((z - 0.5) * np.log(z) - z + 0.5 * math.log(2 * math.pi)
                    + 1 / (12 * z) - 1 / (360 * z**3) + 1 / (1260 * z**5))
    return out


def holm(p_values: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def training_list(rates: pd.DataFrame, min_reviews: int, alpha: float = 0.05) -> pd.DataFrame:
    """Agents whose rate of an error type is significantly above the rest of their team.

    `rates`: one row per agent and error type with agent_id, team, error_type, reviews,
    reviews_with_error. For every agent with at least `min_reviews` reviews: a one-sided
    Fisher exact test of the agent against the team without the agent, Holm-corrected over
    all tests; kept where the corrected p < alpha and the agent's rate is the higher."""
    columns = ["error_type", "agent_id", "team", "reviews", "with_error", "rate", "team_rate", "p", "p_holm"]
    # in the order of the tests: by team and error type, agents as given (the order a tie in
    # p_holm keeps in the list)
    rates = rates.dropna(subset=["team", "error_type"]).sort_values(["team", "error_type"], kind="stable")
    by = rates.groupby(["team", "error_type"], sort=False)
    team_with = by["reviews_with_error"].transform("sum")
    team_reviews = by["reviews"].transform("sum")
    a = rates["reviews_with_error"].astype("int64")
    reviews = rates["reviews"].astype("int64")
    c = (team_with - a).astype("int64")
    d = (team_reviews - reviews - c).astype("int64")
    tested = (reviews >= min_reviews) & (c + d > 0)
    if not tested.any():
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({
        "error_type": rates["error_type"], "agent_id": rates["agent_id"], "team": rates["team"],
        "reviews": reviews, "with_error": a, "rate": a / reviews, "team_rate": c / (c + d),
    })[tested].reset_index(drop=True)
    out["p"] = fisher_greater_all(a[tested], (reviews - a)[tested], c[tested], d[tested])
    out["p_holm"] = holm(out["p"].tolist())
    keep = (out["p_holm"] < alpha) & (out["rate"] > out["team_rate"])
    return out[keep].sort_values(["error_type", "p_holm"])[columns].reset_index(drop=True)
