-- materialized: summary
-- order: 22
-- grain: one row per ticket (source, ticket_id)
-- ticket_assistant: one row per ticket, and what the AI assistant did with it. A ticket is
-- *handled* by the assistant when it has a bot reply (a bot_reply event, or an agent_reply whose
-- actor is a bot) or was created on the ai_bot channel. Its *handoff* is the first human step
-- after the assistant's first reply (or after creation, without one): a public reply by a human
-- agent (agent_reply, actor_role agent), or an `assigned` event to anyone but a bot; a ticket
-- without events is handed off at its human first response (first_response_at). *Contained* =
-- handled, resolved, no human public reply at any time and no handoff. "Stayed solved" =
-- contained, never reopened, and not followed by a repeat (ticket_repeats). Arrivals outside the
-- human agents' schedule ([assistant] human_schedule, calendar_hours) and "answered at once"
-- (a bot reply within [assistant] answered_within_minutes of creation) are flagged for every
-- ticket. human_minutes estimates the agents' handling time from the events (each human reply
-- or internal note counts the minutes since the ticket's previous event, at most [assistant]
-- action_cap_minutes). Settings are read from warehouse_meta (assistant_*). Recomputed in full
-- at every build (it reads ticket_repeats, which depends on a customer's other tickets).
-- Definitions in words: docs/METRICS.md (ticket_assistant).
with settings as (
    select
        coalesce(max(case when key = 'assistant_human_schedule' then value end), 'default') as human_schedule,
        coalesce(max(case when key = 'assistant_answered_within_minutes' then try_cast(value as double) end), 5) as answered_within,
        coalesce(max(case when key = 'assistant_action_cap_minutes' then try_cast(value as double) end), 30) as action_cap
    from warehouse_meta
),

-- who speaks for the assistant: the actors of the bot's replies, per source
bot_actors as (
    select distinct source, actor_id
    from ticket_events
    where actor_role = 'bot' and actor_id is not null
),

ordered_events as (
    select
        e.source, e.ticket_id, e.event_at, e.event_type, e.actor_role, e.actor_id,
        e.event_type = 'bot_reply' or (e.event_type = 'agent_reply' and e.actor_role = 'bot') as is_bot_reply,
        e.event_type = 'agent_reply' and e.actor_role = 'agent' as is_human_reply,
        -- an assignment names its assignee in detail ("assignee: A12", "team = payments"), else the actor
        case when e.event_type = 'assigned' then
            coalesce(nullif(trim(regexp_replace(coalesce(e.detail, ''), '^.*(=|:|→|->)', '')), ''), e.actor_id)
        end as assignee,
        lag(e.event_at) over (partition by e.source, e.ticket_id
                              order by e.event_at, e.source_file, e.source_record) as previous_at
    from ticket_events e
),

bot_first as (
    select source, ticket_id, min(event_at) as first_bot_at
    from ordered_events
    where is_bot_reply
    group by source, ticket_id
),

event_facts as (
    select
        o.source, o.ticket_id,
        count(*) filter (where o.is_human_reply) as human_replies,
        -- the first human step after the assistant took the ticket
        min(o.event_at) filter (where (o.is_human_reply or (o.event_type = 'assigned' and b.actor_id is null))
                                  and o.event_at >= coalesce(f.first_bot_at, o.event_at)) as handoff_at,
        count(*) filter (where o.event_type = 'assigned' and b.actor_id is null) as human_assignments,
        sum(case when o.actor_role = 'agent' and o.event_type in ('agent_reply', 'internal_note')
                 then least(coalesce((epoch_us(o.event_at) - epoch_us(o.previous_at)) / 60e6, s.action_cap), s.action_cap)
                 else 0 end) as human_minutes
    from ordered_events o
    cross join settings s
    left join bot_first f on f.source = o.source and f.ticket_id = o.ticket_id
    left join bot_actors b on b.source = o.source and b.actor_id = o.assignee
    group by o.source, o.ticket_id
),

tickets as (
    select
        m.source, m.ticket_id, m.created_at, m.created_date, m.created_week, m.channel, m.category,
        m.priority, m.team, m.agent_id, m.customer_id, m.has_events, m.is_resolved, m.resolution_minutes,
        m.first_response_at, m.first_bot_response_at, m.first_bot_response_minutes,
        m.is_escalated, m.reopen_count, m.csat,
        m.first_bot_response_at is not null or coalesce(m.channel = 'ai_bot', false) as is_handled,
        case
            when m.has_events then coalesce(x.human_replies, 0) > 0
            else m.first_response_at is not null
        end as has_human_reply,
        case
            when m.has_events then x.handoff_at
            else m.first_response_at
        end as handoff_at,
        case when m.has_events then coalesce(x.human_minutes, 0) end as human_minutes,
        r.followed_by_repeat,
        -- the hour of the human agents' schedule the ticket arrived in (NULL outside the calendar)
        case when c.hour_epoch is not null then
            not ((epoch_us(m.created_at) - c.hour_epoch * 3600000000) / 60e6 >= c.open_from
                 and (epoch_us(m.created_at) - c.hour_epoch * 3600000000) / 60e6 < c.open_to)
        end as outside_human_hours,
        coalesce(m.first_bot_response_minutes <= s.answered_within, false) as answered_at_once
    from ticket_metrics m
    cross join settings s
    left join event_facts x on x.source = m.source and x.ticket_id = m.ticket_id
    left join ticket_repeats r on r.source = m.source and r.ticket_id = m.ticket_id
    left join calendar_hours c
        on c.schedule_id = s.human_schedule and c.hour_epoch = epoch_us(m.created_at) // 3600000000
),

-- who took the ticket: a human (a public reply or a handoff), or the assistant alone
outcomes as (
    select
        *,
        has_human_reply or handoff_at is not null as is_human_handled,
        is_handled and is_resolved and not (has_human_reply or handoff_at is not null) as is_contained
    from tickets
)

select
    source,
    ticket_id,
    created_at,
    created_date,
    created_week,
    channel,
    category,
    priority,
    team,
    agent_id,
    is_handled,
    first_bot_response_at,
    first_bot_response_minutes,
    answered_at_once,
    outside_human_hours,
    has_human_reply,
    is_handled and is_human_handled as is_handed_off,
    is_human_handled,
    case when is_handled then handoff_at end as handoff_at,
    case when is_handled and handoff_at is not null then
        (epoch_us(handoff_at) - epoch_us(coalesce(least(first_bot_response_at, handoff_at), created_at))) / 60e6
    end as minutes_to_handoff,
    is_resolved,
    is_contained,
    is_contained and coalesce(reopen_count, 0) = 0 and not coalesce(followed_by_repeat, false)
        as is_contained_stayed_solved,
    case
        when not is_handled then null
        when is_contained then 'contained'
        when is_human_handled then 'handed_off'
        else 'unresolved'
    end as outcome,
    is_escalated,
    reopen_count,
    csat,
    customer_id,
    followed_by_repeat,
    has_events,
    human_minutes,
    resolution_minutes
from outcomes
