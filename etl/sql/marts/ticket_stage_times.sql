-- materialized: table
-- order: 8
-- grain: one row per ticket and stage it entered (source, ticket_id, stage)
-- ticket_stage_times: how long each ticket spent in each stage of the process (new, open,
-- pending, on_hold, escalated, solved), in calendar and business minutes. Materialised like
-- ticket_metrics: in full, or for the tickets in scope (etl/warehouse/models.py).
-- Definitions in words: docs/METRICS.md (ticket_stage_times).
--
-- A ticket's timeline is its creation (stage new) and the events of int_stage_events in time
-- order; what the events do not say, the ticket's time stamps do (for a ticket without events,
-- all of it): its first response opens it, its escalated_at escalates it, its resolved_at and
-- closed_at solve and close it. Each point holds its state until the next point; the last
-- state holds until as_of while the ticket is not resolved (ticket_metrics.is_resolved), and
-- is not counted once it is (a solved ticket not yet closed: its wait for the closing is not
-- known yet), so that a resolved ticket's figures do not move with as_of.
-- Business minutes: B(t2) − B(t1) on calendar_hours of the ticket's schedule, the formula
-- ticket_metrics uses (etl/warehouse/calendar.py); each interval is rounded to the microsecond
-- before it is added up, so that every engine adds the same integers.
with meta as (
    select max(case when key = 'as_of' then cast(value as timestamptz) end) as as_of
    from warehouse_meta
),

tickets as (
    select
        m.source, m.ticket_id, m.created_at, m.created_date, m.created_week, m.created_month,
        m.channel, m.category, m.priority, m.team, m.agent_id, m.schedule_id, m.is_resolved,
        m.has_events, m.first_response_at, m.escalated_at,
        t.resolved_at as stored_resolved_at, t.closed_at as stored_closed_at
    from ticket_metrics_in_scope m
    join tickets_in_scope t on t.source = m.source and t.ticket_id = m.ticket_id
),

-- which moments the events hold, per ticket
event_kinds as (
    select
        source, ticket_id,
        count(*) filter (where kind = 'agent_reply') as replies,
        count(*) filter (where kind = 'escalated') as escalations,
        count(*) filter (where kind = 'resolved') as resolutions,
        count(*) filter (where kind = 'closed') as closings
    from int_stage_events
    group by source, ticket_id
),

points as (
    -- every ticket starts new at its creation
    select source, ticket_id, created_at as point_at, 0 as kind_order, 'created' as kind, 'new' as to_state,
           cast(null as varchar) as source_file, cast(null as bigint) as source_record, cast(null as varchar) as detail
    from tickets
    union all
    select source, ticket_id, event_at, kind_order, kind, to_state, source_file, source_record, detail
    from int_stage_events
    union all
    -- the ticket's time stamps, where its events hold no such moment
    select t.source, t.ticket_id, t.first_response_at, 2, 'agent_reply', cast(null as varchar),
           cast(null as varchar), cast(null as bigint), cast(null as varchar)
    from tickets t left join event_kinds k on k.source = t.source and k.ticket_id = t.ticket_id
    where t.first_response_at is not null and coalesce(k.replies, 0) = 0
    union all
    select t.source, t.ticket_id, t.escalated_at, 3, 'escalated', cast(null as varchar),
           cast(null as varchar), cast(null as bigint), cast(null as varchar)
    from tickets t left join event_kinds k on k.source = t.source and k.ticket_id = t.ticket_id
    where t.escalated_at is not null and coalesce(k.escalations, 0) = 0
    union all
    select t.source, t.ticket_id, t.stored_resolved_at, 6, 'resolved', 'solved',
           cast(null as varchar), cast(null as bigint), cast(null as varchar)
    from tickets t left join event_kinds k on k.source = t.source and k.ticket_id = t.ticket_id
    where t.is_resolved and t.stored_resolved_at is not null and coalesce(k.resolutions, 0) = 0
    union all
    select t.source, t.ticket_id, t.stored_closed_at, 8, 'closed', 'closed',
           cast(null as varchar), cast(null as bigint), cast(null as varchar)
    from tickets t left join event_kinds k on k.source = t.source and k.ticket_id = t.ticket_id
    where t.is_resolved and t.stored_closed_at is not null and coalesce(k.closings, 0) = 0
),

-- in time order; a point before the creation (clocks of two systems) counts from the creation.
-- point_key orders the points: the instant, then the kind (kind_order; opening acts come before
-- the points that set a state at the same instant)
keyed as (
    select
        p.source, p.ticket_id, p.kind, p.to_state, p.source_file, p.source_record, p.detail,
        t.schedule_id, t.is_resolved,
        case when p.point_at < t.created_at then t.created_at else p.point_at end as point_at,
        epoch_us(case when p.point_at < t.created_at then t.created_at else p.point_at end) * 16
            + p.kind_order as point_key
    from points p
    join tickets t on t.source = p.source and t.ticket_id = p.ticket_id
),

-- one pass in time order, at each point: the state last set outright and when, and the
-- latest act that opens a ticket: an agent's reply, an assignment or an escalation opens a new
-- one, the customer's reply a pending one; whether it was escalated
running as (
    select
        source, ticket_id, schedule_id, is_resolved, point_at, point_key, source_file, source_record, detail,
        last_value(to_state ignore nulls) over upto_now as set_state,
        max(case when to_state is not null then point_key end) over upto_now as set_key,
        max(case when kind in ('agent_reply', 'assigned', 'escalated') then point_key end) over upto_now as opened_key,
        max(case when kind = 'customer_reply' then point_key end) over upto_now as answered_key,
        max(case when kind = 'escalated' then 1 else 0 end) over upto_now as escalated,
        lead(point_at) over (partition by source, ticket_id order by point_key, source_file, source_record, detail) as next_at
    from keyed
    window
        upto_now as (partition by source, ticket_id order by point_key, source_file, source_record, detail
                     rows between unbounded preceding and current row)
),

-- the stage from each point on: a new ticket that was acted on and a pending one the customer
-- answered are open; closed is no stage; an escalated ticket being worked on is in the
-- escalated stage. The stage before a point is the previous point's (lag): its state held
-- until this one
intervals as (
    select
        s.source, s.ticket_id, s.schedule_id, s.point_at, s.next_at, s.stage,
        lag(s.stage) over (partition by s.source, s.ticket_id
                           order by s.point_key, s.source_file, s.source_record, s.detail) as previous_stage,
        case
            when s.next_at is not null then s.next_at
            when not s.is_resolved then case when m.as_of > s.point_at then m.as_of else s.point_at end
        end as ended_at
    from (
        select
            *,
            case
                when set_state = 'closed' then cast(null as varchar)
                when set_state = 'open' or (set_state = 'new' and opened_key > set_key)
                     or (set_state = 'pending' and answered_key > set_key)
                then case when escalated > 0 then 'escalated' else 'open' end
                else set_state
            end as stage
        from running
    ) s
    cross join meta m
),

-- B(t): open minutes of the ticket's schedule before t (etl/warehouse/calendar.py explains the table)
clocked as (
    select
        i.source, i.ticket_id, i.stage, i.point_at, i.ended_at, i.next_at, i.previous_stage,
        epoch_us(i.ended_at) - epoch_us(i.point_at) as calendar_us,
        cast(round(((c1.cum_open_minutes + greatest(0, least((epoch_us(i.ended_at) - c1.hour_epoch * 3600000000) / 60e6, c1.open_to) - c1.open_from))
                  - (c0.cum_open_minutes + greatest(0, least((epoch_us(i.point_at) - c0.hour_epoch * 3600000000) / 60e6, c0.open_to) - c0.open_from)))
                 * 60e6) as bigint) as business_us
    from intervals i
    left join calendar_hours c0
        on c0.schedule_id = i.schedule_id and c0.hour_epoch = epoch_us(i.point_at) // 3600000000
    left join calendar_hours c1
        on c1.schedule_id = i.schedule_id and c1.hour_epoch = epoch_us(i.ended_at) // 3600000000
    where i.stage is not null and i.ended_at is not null
),

per_stage as (
    select
        source, ticket_id, stage,
        sum(calendar_us) / 60e6 as minutes,
        sum(business_us) / 60e6 as business_minutes,
        count(*) filter (where previous_stage is null or previous_stage <> stage) as visits,
        min(point_at) as entered_at,
        max(ended_at) as left_at,
        max(case when next_at is null then 1 else 0 end) = 1 as is_current
    from clocked
    group by source, ticket_id, stage
)

select
    s.source,
    s.ticket_id,
    s.stage,
    case s.stage
        when 'new' then 1 when 'open' then 2 when 'pending' then 3 when 'on_hold' then 4
        when 'escalated' then 5 when 'solved' then 6
    end as stage_order,
    s.minutes,
    s.business_minutes,
    s.visits,
    s.entered_at,
    s.left_at,
    s.is_current,
    case when t.has_events then 'events' else 'timestamps' end as evidence,
    t.created_at, t.created_date, t.created_week, t.created_month,
    t.channel, t.category, t.priority, t.team, t.agent_id
from per_stage s
join tickets t on t.source = s.source and t.ticket_id = s.ticket_id
