-- materialized: table
-- order: 3
-- grain: one row per QA review (source, review_id)
-- qa_reviews_scored: one row per QA review, with the reviewed ticket's dimensions, the
-- agent's team, and the number of errors found. Materialised like ticket_metrics: in full,
-- or for the tickets a load touched (qa_reviews_in_scope; etl/warehouse/models.py).
select
    q.source,
    q.review_id,
    q.ticket_id,
    coalesce(q.agent_id, t.agent_id) as agent_id,
    coalesce(a.team, t.team) as team,
    q.reviewer_id,
    q.reviewed_at,
    cast(timezone(m.reporting_tz, q.reviewed_at) as date) as reviewed_date,
    cast(date_trunc('month', timezone(m.reporting_tz, q.reviewed_at)) as date) as reviewed_month,
    cast(date_trunc('week', timezone(m.reporting_tz, q.reviewed_at)) as date) as reviewed_week,
    q.score,
    q.error_types,
    array_length(q.error_types) as error_count,
    array_length(q.error_types) > 0 as has_error,
    q.comment,
    t.category,
    t.channel,
    t.priority,
    t.created_at as ticket_created_at
from qa_reviews_in_scope q
cross join (select max(value) filter (where key = 'reporting_timezone') as reporting_tz from warehouse_meta) m
left join ticket_metrics_in_scope t on t.source = q.source and t.ticket_id = q.ticket_id
left join agents a on a.source = q.source and a.agent_id = coalesce(q.agent_id, t.agent_id)
