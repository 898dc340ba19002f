-- materialized: table
-- order: 9
-- grain: one row per ticket (source, ticket_id)
-- ticket_process: one row per ticket: its stages summed up (waiting on the desk, waiting on the
-- customer, on hold; in calendar and business minutes), the stage it is in and the one it spent
-- longest in, its assignments and handoffs between agents and teams, and the moments the
-- process targets are timed from (process_target_results). Materialised like ticket_metrics.
-- Definitions in words: docs/METRICS.md (ticket_process).
with stage_pivot as (
    select
        source, ticket_id,
        max(case when stage = 'new' then minutes end) as new_minutes,
        max(case when stage = 'open' then minutes end) as open_minutes,
        max(case when stage = 'pending' then minutes end) as pending_minutes,
        max(case when stage = 'on_hold' then minutes end) as on_hold_minutes,
        max(case when stage = 'escalated' then minutes end) as escalated_minutes,
        max(case when stage = 'new' then business_minutes end) as new_business,
        max(case when stage = 'open' then business_minutes end) as open_business,
        max(case when stage = 'pending' then business_minutes end) as pending_business,
        max(case when stage = 'on_hold' then business_minutes end) as on_hold_business,
        max(case when stage = 'escalated' then business_minutes end) as escalated_business,
        max(case when is_current then stage end) as current_stage
    from ticket_stage_times_in_scope
    group by source, ticket_id
),

longest as (
    select source, ticket_id, stage as longest_stage
    from (
        select source, ticket_id, stage,
               row_number() over (partition by source, ticket_id order by minutes desc, stage_order) as rank_in_ticket
        from ticket_stage_times_in_scope
        where stage <> 'solved'
    ) ranked
    where rank_in_ticket = 1
),

-- assignments in time order, with the team of the assignee (agents, as last loaded) where the
-- event names no team
assignments as (
    select
        a.source, a.ticket_id, a.assignee,
        coalesce(a.assignee_team, g.team) as assigned_team,
        row_number() over (partition by a.source, a.ticket_id
                           order by a.event_at, a.source_file, a.source_record, a.detail) as seq
    from int_stage_events a
    left join agents g on g.source = a.source and g.agent_id = a.assignee
    where a.kind = 'assigned'
),

assignment_changes as (
    select
        *,
        last_value(assignee ignore nulls) over (partition by source, ticket_id order by seq
                                                rows between unbounded preceding and 1 preceding) as previous_assignee,
        last_value(assigned_team ignore nulls) over (partition by source, ticket_id order by seq
                                                     rows between unbounded preceding and 1 preceding) as previous_team
    from assignments
),

handoffs as (
    select
        source, ticket_id,
        count(*) as assignments,
        count(*) filter (where assignee is not null and previous_assignee is not null
                         and assignee <> previous_assignee) as agent_handoffs,
        count(*) filter (where assigned_team is not null and previous_team is not null
                         and assigned_team <> previous_team) as team_handoffs
    from assignment_changes
    group by source, ticket_id
),

levels as (
    select
        source, ticket_id,
        max(case when level = 2 then reached_at end) as appeal_at,
        max(case when level = 3 then reached_at end) as external_at
    from escalation_steps_in_scope
    group by source, ticket_id
),

-- the first human reply at or after each escalation step
replies_after as (
    select
        m.source, m.ticket_id,
        min(case when r.event_at >= m.escalated_at then r.event_at end) as reply_after_escalated_at,
        min(case when r.event_at >= l.appeal_at then r.event_at end) as reply_after_appeal_at,
        min(case when r.event_at >= l.external_at then r.event_at end) as reply_after_external_at
    from ticket_metrics_in_scope m
    join int_stage_events r on r.source = m.source and r.ticket_id = m.ticket_id and r.kind = 'agent_reply'
    left join levels l on l.source = m.source and l.ticket_id = m.ticket_id
    where m.escalation_level >= 1
    group by m.source, m.ticket_id
)

select
    m.source,
    m.ticket_id,
    m.created_at, m.created_date, m.created_week, m.created_month,
    m.channel, m.category, m.priority, m.status, m.team, m.agent_id, m.schedule_id, m.is_resolved,
    case when m.has_events then 'events' else 'timestamps' end as evidence,
    s.current_stage,
    g.longest_stage,
    -- the sums in a fixed order, so that every engine adds the same numbers alike
    case when s.ticket_id is not null then
        coalesce(s.new_minutes, 0) + coalesce(s.open_minutes, 0) + coalesce(s.escalated_minutes, 0)
        + coalesce(s.on_hold_minutes, 0) end as desk_wait_minutes,
    case when s.ticket_id is not null then coalesce(s.pending_minutes, 0) end as customer_wait_minutes,
    case when s.ticket_id is not null then coalesce(s.on_hold_minutes, 0) end as on_hold_minutes,
    case when s.ticket_id is not null then
        coalesce(s.new_business, 0) + coalesce(s.open_business, 0) + coalesce(s.escalated_business, 0)
        + coalesce(s.on_hold_business, 0) end as desk_wait_business_minutes,
    case when s.ticket_id is not null then coalesce(s.pending_business, 0) end as customer_wait_business_minutes,
    case when s.ticket_id is not null then coalesce(s.on_hold_business, 0) end as on_hold_business_minutes,
    case when m.has_events then coalesce(h.assignments, 0) end as assignments,
    case when m.has_events then coalesce(h.agent_handoffs, 0) end as agent_handoffs,
    case when m.has_events then coalesce(h.team_handoffs, 0) end as team_handoffs,
    m.first_response_at,
    m.escalated_at,
    l.appeal_at,
    l.external_at,
    case when m.is_resolved then m.resolution_at end as solved_at,
    r.reply_after_escalated_at,
    r.reply_after_appeal_at,
    r.reply_after_external_at
from ticket_metrics_in_scope m
left join stage_pivot s on s.source = m.source and s.ticket_id = m.ticket_id
left join longest g on g.source = m.source and g.ticket_id = m.ticket_id
left join handoffs h on h.source = m.source and h.ticket_id = m.ticket_id
left join levels l on l.source = m.source and l.ticket_id = m.ticket_id
left join replies_after r on r.source = m.source and r.ticket_id = m.ticket_id
