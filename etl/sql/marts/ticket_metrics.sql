-- materialized: table
-- order: 1
-- grain: one row per ticket (source, ticket_id)
-- ticket_metrics: one row per ticket (source, ticket_id). Materialised as a table at every
-- publish (the warehouse does not change between publishes, so the table equals this query).
-- Each column's definition in words: docs/METRICS.md. Judgement calls: docs/DECISIONS.md.
-- tickets_in_scope is the tickets table itself for a full build, or the tickets a load
-- touched plus the still-open ones for an incremental one (etl/warehouse/models.py).
with meta as (
    select
        max(case when key = 'as_of' then cast(value as timestamptz) end) as as_of,
        max(case when key = 'reporting_timezone' then value end) as reporting_tz
    from warehouse_meta
),

-- What the ticket's events say wins over its columns wherever the events hold the fact.
effective as (
    select
        t.source, t.ticket_id, t.created_at, t.updated_at,
        t.channel, t.category, t.subcategory, t.priority, t.status, t.team, t.agent_id,
        t.customer_id, t.language, t.subject,
        coalesce(e.first_agent_reply_at, t.first_response_at) as first_response_at,
        e.first_bot_reply_at as first_bot_response_at,
        coalesce(e.last_resolved_at, t.resolved_at) as resolved_at,
        coalesce(e.last_closed_at, t.closed_at) as closed_at,
        case when e.reopen_events > 0 then e.reopen_events else coalesce(t.reopen_count, 0) end as reopen_count,
        case when e.escalation_level > 0 then e.escalation_level else coalesce(t.escalation_level, 0) end as escalation_level,
        coalesce(e.first_escalated_at, t.escalated_at) as escalated_at,
        t.csat,
        t.frt_sla_reported,
        e.ticket_id is not null as has_events
    from tickets_in_scope t
    left join int_ticket_event_facts e using (source, ticket_id)
),

resolved as (
    select
        *,
        coalesce(resolved_at, closed_at) as resolution_at,
        -- open statuses win over a past resolution time (the ticket was reopened);
        -- without a status, a resolution time means resolved
        case
            when status in ('solved', 'closed') then true
            when status in ('new', 'open', 'pending', 'on_hold') then false
            else coalesce(resolved_at, closed_at) is not null
        end as is_resolved
    from effective
),

with_policy as (
    select r.*, p.schedule_id, p.frt_target_minutes, p.frt_clock
    from resolved r
    left join int_ticket_policy p
        on  p.channel  is not distinct from r.channel
        and p.team     is not distinct from r.team
        and p.priority is not distinct from r.priority
        and p.category is not distinct from r.category
),

-- B(t): open minutes of the ticket's schedule before t (etl/warehouse/calendar.py explains the table).
clock as (
    select
        w.*,
        m.as_of,
        m.reporting_tz,
        c0.cum_open_minutes + greatest(0, least((epoch_us(w.created_at) - c0.hour_epoch * 3600000000) / 60e6, c0.open_to) - c0.open_from) as b_created,
        c1.cum_open_minutes + greatest(0, least((epoch_us(w.first_response_at) - c1.hour_epoch * 3600000000) / 60e6, c1.open_to) - c1.open_from) as b_first_response,
        c2.cum_open_minutes + greatest(0, least((epoch_us(w.resolution_at) - c2.hour_epoch * 3600000000) / 60e6, c2.open_to) - c2.open_from) as b_resolution,
        c3.cum_open_minutes + greatest(0, least((epoch_us(m.as_of) - c3.hour_epoch * 3600000000) / 60e6, c3.open_to) - c3.open_from) as b_as_of
    from with_policy w
    cross join meta m
    left join calendar_hours c0
        on c0.schedule_id = w.schedule_id and c0.hour_epoch = epoch_us(w.created_at) // 3600000000
    left join calendar_hours c1
        on c1.schedule_id = w.schedule_id and c1.hour_epoch = epoch_us(w.first_response_at) // 3600000000
    left join calendar_hours c2
        on c2.schedule_id = w.schedule_id and c2.hour_epoch = epoch_us(w.resolution_at) // 3600000000
    left join calendar_hours c3
        on c3.schedule_id = w.schedule_id and c3.hour_epoch = epoch_us(m.as_of) // 3600000000
),

minutes as (
    select
        *,
        (epoch_us(first_response_at) - epoch_us(created_at)) / 60e6 as first_response_minutes,
        b_first_response - b_created as first_response_business_minutes,
        (epoch_us(first_bot_response_at) - epoch_us(created_at)) / 60e6 as first_bot_response_minutes,
        case when is_resolved then (epoch_us(resolution_at) - epoch_us(created_at)) / 60e6 end as resolution_minutes,
        case when is_resolved then b_resolution - b_created end as resolution_business_minutes,
        -- only an open ticket has an age: a resolved one's figures stay fixed as as_of moves
        case when not is_resolved then (epoch_us(as_of) - epoch_us(created_at)) / 60e6 end as age_minutes,
        case when not is_resolved then b_as_of - b_created end as age_business_minutes
    from clock
),

sla as (
    select
        *,
        -- minutes on the clock the policy names, for the three moments that can stop it
        case frt_clock when 'business' then first_response_business_minutes else first_response_minutes end as frt_clock_response,
        case frt_clock when 'business' then resolution_business_minutes else resolution_minutes end as frt_clock_resolution,
        case frt_clock when 'business' then age_business_minutes else age_minutes end as frt_clock_age
    from minutes
)

select
    source,
    ticket_id,
    created_at,
    timezone(reporting_tz, created_at) as created_local,
    cast(timezone(reporting_tz, created_at) as date) as created_date,
    cast(date_trunc('week', timezone(reporting_tz, created_at)) as date) as created_week,
    cast(date_trunc('month', timezone(reporting_tz, created_at)) as date) as created_month,
    hour(timezone(reporting_tz, created_at)) as created_hour,
    isodow(timezone(reporting_tz, created_at)) as created_weekday,
    channel, category, subcategory, priority, status, team, agent_id, customer_id, language, subject,
    schedule_id,
    first_response_at,
    first_bot_response_at,
    first_response_minutes,
    first_response_business_minutes,
    first_bot_response_minutes,
    frt_target_minutes,
    frt_clock,
    case
        when first_response_at is not null then
            case when frt_clock_response <= frt_target_minutes then 'met' else 'breached' end
        -- no response time, but the source says whether it was timely (a regulator's file)
        when frt_sla_reported is not null then frt_sla_reported
        -- solved before any human reply: the clock stopped at the resolution
        when is_resolved and resolution_at is not null then
            case when frt_clock_resolution <= frt_target_minutes then 'met' else 'breached' end
        when frt_clock_age > frt_target_minutes then 'breached'
        else 'pending'
    end as frt_sla,
    case when first_response_at is null and not is_resolved then age_minutes end as unanswered_wait_minutes,
    resolution_at,
    resolution_minutes,
    resolution_business_minutes,
    is_resolved,
    age_minutes,
    escalation_level,
    escalation_level >= 1 as is_escalated,
    escalated_at,
    reopen_count,
    reopen_count > 0 as is_reopened,
    csat,
    has_events
from sla
