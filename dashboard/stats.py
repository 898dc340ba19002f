"""Statistics the pages need beyond SQL aggregates: Kaplan–Meier survival on binned
durations, a one-sided Fisher exact test, and Holm's correction. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_greater(a: int, b: int, c: int, d: int) -> float:
    """One-sided Fisher exact p-value that the first row's rate a/(a+b) is greater than the
    second's c/(c+d): P(X ≥ a) under the hypergeometric distribution with fixed margins."""
    n1, n2, k = a + b, c + d, a + c
    n = n1 + n2
    lo, hi = max(0, k - n2), min(k, n1)
    if a <= lo:
        return 1.0
    denominator = _log_comb(n, k)
    logs = [_log_comb(n1, x) + _log_comb(n2, k - x) - denominator for x in range(a, hi + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


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
    rows = []
    for (team, error_type), part in rates.groupby(["team", "error_type"]):
        team_with, team_reviews = part["reviews_with_error"].sum(), part["reviews"].sum()
        for r in part.itertuples(index=False):
            if r.reviews < min_reviews:
                continue
            a, b = int(r.reviews_with_error), int(r.reviews - r.reviews_with_error)
            c = int(team_with - r.reviews_with_error)
            d = int(team_reviews - r.reviews - c)
            if c + d == 0:
                continue
            rows.append({"error_type": error_type, "agent_id": r.agent_id, "team": team,
                         "reviews": int(r.reviews), "with_error": a, "rate": a / r.reviews,
                         "team_rate": c / (c + d), "p": fisher_greater(a, b, c, d)})
    columns = ["error_type", "agent_id", "team", "reviews", "with_error", "rate", "team_rate", "p", "p_holm"]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p"].tolist())
    keep = (out["p_holm"] < alpha) & (out["rate"] > out["team_rate"])
    return out[keep].sort_values(["error_type", "p_holm"])[columns].reset_index(drop=True)
