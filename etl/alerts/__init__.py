"""Alerts: rules over the metrics, evaluated on every published state, delivered by e-mail or webhook.

A rule (settings `[[alerts.rules]]`, checked when the settings load: etl/core/alert_settings.py)
names a metric (a file of etl/sql/alerts/metrics/), a filter, a window relative to the data's
as_of, and a condition: a threshold, or a move against the previous window of the same length.
It *fires* once when it starts to hold and once when it clears, per subject (each value of its
`per` field, or the rule as a whole), never in between.

Where it runs, and why there. The dashboard opens the warehouse read-only and every state is
published atomically (copy → build file → version → symlink swap, etl/warehouse/publish.py),
so nothing may write into the live file. The rules are therefore evaluated *inside the build*,
on the finished build state just before it is published (`InBuild`, the `before_publish`
hook of etl/load/run.load, which the refresh passes): the firings are rows of that same state,
published atomically with the data they describe, and the state of each rule (its last
firing) travels with the warehouse, rollback included. A build that fails publishes neither.
Delivery comes after the publish (and after the writer lock is released): a message is only
ever sent about a published state, and a slow or failing mail server cannot hold up, fail or
change the refresh; its outcome is logged (JSON lines) and recorded in `alert-deliveries.jsonl`
beside the warehouse, which the Alerts page shows. `python -m etl alerts check` does the same
on its own: evaluated read only on the live state first, then, only when a rule starts or
clears, a build of it (same publish path), evaluated again, published, and delivered.

An evaluation error (a bug, a metric's SQL failing) is logged and leaves the build without
firings: it never stops the refresh from publishing the data.

Modules: windows (window bounds), evaluate (readings, state, firings, their storage),
messages (the text and JSON of a message), deliver (SMTP, webhook, retries, the deliveries
log), check (the hook, `alerts check`, `alerts test`, `alerts list`), digest (the weekly
digest, read only, sent by the same delivery). docs/ALERTS.md.
"""
