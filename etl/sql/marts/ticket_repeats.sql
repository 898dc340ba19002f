-- materialized: summary
-- order: 21
-- grain: one row per ticket (source, ticket_id)
-- ticket_repeats: one row per ticket, and whether its customer came back about the same
-- problem. A ticket is a *repeat* when the same customer (the salted customer_id) opened a
-- ticket of the same category before it, and that previous ticket was still open when this
-- one was created, or was resolved at most [repeats] window_days (warehouse_meta
-- repeat_window_days, default 7) before. A follow-up on another channel (phone after
-- e-mail) is a repeat too, flagged as such. A chain is a first ticket and the repeats that
-- follow it; first-contact resolution = resolved, never reopened, and not followed by a
-- repeat. Tickets without a customer id have no previous ticket and no chain.
-- Recomputed in full at every build (a ticket's repeat status depends on the customer's
-- other tickets, not only on its own row).
with window_days as (
    select coalesce(max(case when key = 'repeat_window_days' then try_cast(value as double) end), 7) as days
    from warehouse_meta
),
ordered as (
    select
        m.source, m.ticket_id, m.customer_id, m.category, m.channel, m.priority, m.team, m.agent_id,
        m.created_at, m.created_date, m.created_week, m.resolution_at, m.is_resolved, m.reopen_count,
        case when m.customer_id is not null then lag(m.ticket_id) over w end as previous_ticket_id,
        case when m.customer_id is not null then lag(m.channel) over w end as previous_channel,
        case when m.customer_id is not null then lag(m.resolution_at) over w end as previous_resolution_at
    from ticket_metrics m
    window w as (partition by m.source, m.customer_id, m.category order by m.created_at, m.ticket_id)
),
flagged as (
    select
        o.*,
        o.previous_ticket_id is not null
            and (o.previous_resolution_at is null or o.previous_resolution_at > o.created_at
                 or epoch_us(o.created_at) - epoch_us(o.previous_resolution_at) <= d.days * 86400e6) as is_repeat
    from ordered o
    cross join window_days d
),
chained as (
    select
        *,
        -- a new chain starts at every ticket that is not a repeat
        sum(case when is_repeat then 0 else 1 end) over (
            partition by source, customer_id, category order by created_at, ticket_id
            rows between unbounded preceding and current row) as chain_no
    from flagged
)
select
    source,
    ticket_id,
    customer_id,
    category,
    channel,
    priority,
    team,
    agent_id,
    created_at,
    created_date,
    created_week,
    resolution_at,
    is_resolved,
    case when is_repeat then previous_ticket_id end as previous_ticket_id,
    case when is_repeat then
        case when previous_resolution_at is null or previous_resolution_at > created_at then 0
             else (epoch_us(created_at) - epoch_us(previous_resolution_at)) / 86400e6 end
    end as days_after_previous_resolution,
    is_repeat,
    is_repeat and channel is distinct from previous_channel as is_repeat_other_channel,
    case when customer_id is not null then
        coalesce(lead(is_repeat) over (partition by source, customer_id, category order by created_at, ticket_id), false)
    end as followed_by_repeat,
    case when customer_id is not null then
        first_value(ticket_id) over (partition by source, customer_id, category, chain_no order by created_at, ticket_id)
    end as chain_first_ticket_id,
    case when customer_id is not null then
        row_number() over (partition by source, customer_id, category, chain_no order by created_at, ticket_id)
    end as chain_position,
    is_resolved
        and coalesce(reopen_count, 0) = 0
        and not coalesce(lead(is_repeat) over (partition by source, customer_id, category order by created_at, ticket_id), false)
        as first_contact_resolved
from chained
