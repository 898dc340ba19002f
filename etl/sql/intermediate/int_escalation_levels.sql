-- materialized: build_view
-- order: 3
-- grain: one row per ticket and escalation level reached (source, ticket_id, level)
-- int_escalation_levels: one row per ticket and escalation level it reached (1..3), with
-- (Build-time view: *_in_scope are the whole tables for a full build, or the rows of the
-- tickets a load touched for an incremental one; see etl/warehouse/models.py.)
-- the time it reached it where known. From events: the first escalated event at that level
-- or above. Without events: the ticket's escalated_at is the time of level 1; the times of
-- higher levels are unknown (NULL).
with event_levels as (
    select e.source, e.ticket_id, l.level, min(e.event_at) as reached_at
    from int_escalation_events e
    join (select unnest([1, 2, 3]) as level) l on e.level >= l.level
    group by all
),

column_levels as (
    select t.source, t.ticket_id, l.level,
           case when l.level = 1 then t.escalated_at end as reached_at
    from tickets_in_scope t
    join (select unnest([1, 2, 3]) as level) l on t.escalation_level >= l.level
    where not exists (
        select 1 from event_levels e where e.source = t.source and e.ticket_id = t.ticket_id
    )
)

select source, ticket_id, level, reached_at, 'events' as evidence from event_levels
union all
select source, ticket_id, level, reached_at, 'ticket' as evidence from column_levels
