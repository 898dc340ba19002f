-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: share of first responses within the SLA
-- label_zh: 首次响应达标率
-- unit: percent
-- from: ticket_metrics, the tickets created in the window (created_at)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: decided tickets (met or breached)
-- behind: the breached tickets
-- empty: null
-- pct_frt_within_sla (etl/sql/marts/metric_macros.sql): met / (met + breached); pending
-- tickets are not yet decided and left out. Placeholders: {subject} the rule's per field (or
-- NULL), {filter} its where (bound lists); $start/$end the window, $max_tickets the cap.
select
    {subject} as subject,
    pct_frt_within_sla(t.frt_sla) as value,
    count(*) filter (where t.frt_sla in ('met', 'breached')) as basis,
    count(*) filter (where t.frt_sla = 'breached') as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.created_at desc)
        filter (where t.frt_sla = 'breached'))[1:$max_tickets] as tickets
from ticket_metrics t
where t.created_at >= $start and t.created_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
