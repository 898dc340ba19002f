-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: share of QA reviews that found the error type
-- label_zh: 发现该类错误的质检占比
-- unit: percent
-- from: qa_reviews_scored, the reviews made in the window (reviewed_at)
-- fields: source, agent_id, team, reviewer_id, category, channel, priority
-- parameter: error_type
-- basis: QA reviews
-- behind: the reviewed tickets whose review found the error type
-- empty: null
-- pct_reviews_with (etl/sql/marts/metric_macros.sql): reviews that found $error_type / reviews,
-- the error rate per reviewed ticket (an agent's incomplete-record share: per = "agent_id").
select
    {subject} as subject,
    pct_reviews_with(t.error_types, $error_type) as value,
    count(*) as basis,
    count(*) filter (where list_contains(t.error_types, $error_type)) as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.reviewed_at desc)
        filter (where list_contains(t.error_types, $error_type)))[1:$max_tickets] as tickets
from qa_reviews_scored t
where t.reviewed_at >= $start and t.reviewed_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
