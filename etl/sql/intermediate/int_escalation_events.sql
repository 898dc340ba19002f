-- materialized: build_view
-- order: 1
-- grain: one row per 'escalated' event (source, ticket_id, event_at)
-- int_escalation_events: one row per 'escalated' event, with the level it reached.
-- (Build-time view: *_in_scope are the whole tables for a full build, or the rows of the
-- tickets a load touched for an incremental one; see etl/warehouse/models.py.)
-- The level is the one its detail names ("level 2", "2级", or just "2"); without one, the
-- n-th escalated event of a ticket reaches level n. Levels stop at 3 (external body).
select
    source,
    ticket_id,
    event_at,
    least(3, coalesce(
        try_cast(regexp_extract(detail, '(?i)level\s*[:=]?\s*([1-3])', 1) as integer),
        try_cast(regexp_extract(detail, '([1-3])\s*级', 1) as integer),
        try_cast(regexp_extract(detail, '^\s*([1-3])\s*$', 1) as integer),
        row_number() over (partition by source, ticket_id order by event_at)
    )) as level
from ticket_events_in_scope
where event_type = 'escalated'
