-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: CSAT (share of answers 4–5)
-- label_zh: 满意度(4–5 分占比)
-- unit: percent
-- from: ticket_metrics, the tickets created in the window (created_at)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: CSAT answers
-- behind: the tickets rated 1–3
-- empty: null
-- pct_csat_satisfied (etl/sql/marts/metric_macros.sql): answers of 4 or 5 / answers.
select
    {subject} as subject,
    pct_csat_satisfied(t.csat) as value,
    count(t.csat) as basis,
    count(*) filter (where t.csat < 4) as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.created_at desc)
        filter (where t.csat < 4))[1:$max_tickets] as tickets
from ticket_metrics t
where t.created_at >= $start and t.created_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
