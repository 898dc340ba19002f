-- materialized: summary
-- order: 10
-- grain: one row per ticket and process target that applies to it (source, ticket_id, target)
-- process_target_results: the time points of the complaint process, judged per ticket: the
-- first response ([sla.first_response]; its verdict is ticket_metrics.frt_sla, the one
-- definition) and every [[process.targets]] rule (table process_targets) that matches the
-- ticket (the first of each name that matches). A clock starts at the target's start moment
-- (a ticket that never reached it has no row) and stops at its stop moment, or at the
-- resolution if that comes first; without either it runs to as_of: breached once past the
-- target, pending before. A resolved ticket whose stop is not known (no resolution time) is
-- not judged. A table recomputed in full at every build (summary): it reads as_of and the
-- targets, both written at every publish, so a changed target needs a load, not a rebuild;
-- stored, because the Process page reads it on every filter change.
-- Definitions in words: docs/METRICS.md (process_target_results).
with meta as (
    select max(case when key = 'as_of' then cast(value as timestamptz) end) as as_of
    from warehouse_meta
),

configured as (
    select
        p.source, p.ticket_id, r.name as target, r.start, r.stop, r.target_minutes, r.clock,
        row_number() over (partition by p.source, p.ticket_id, r.name order by r.target_order) as match_order
    from ticket_process p
    join process_targets r
        on  (r.priority is null or r.priority = p.priority)
        and (r.category is null or r.category = p.category)
        and (r.channel is null or r.channel = p.channel)
        and (r.team is null or r.team = p.team)
),

applied as (
    select source, ticket_id, 'first_response' as target, 'created' as start, 'first_response' as stop,
           frt_target_minutes as target_minutes, frt_clock as clock, frt_sla as judged
    from ticket_metrics
    union all
    select source, ticket_id, target, start, stop, target_minutes, clock, cast(null as varchar) as judged
    from configured
    where match_order = 1
),

timed as (
    select
        a.source, a.ticket_id, a.target, a.start, a.stop, a.target_minutes, a.clock, a.judged,
        p.schedule_id, p.is_resolved, p.solved_at,
        p.created_at, p.created_date, p.created_week, p.created_month,
        p.channel, p.category, p.priority, p.team, p.agent_id, p.evidence,
        case a.start
            when 'created' then p.created_at
            when 'escalated' then p.escalated_at
            when 'appeal' then p.appeal_at
            when 'external_body' then p.external_at
        end as started_at,
        case a.stop
            when 'first_response' then p.first_response_at
            when 'solved' then p.solved_at
            when 'escalated' then p.escalated_at
            when 'solved_or_escalated' then
                case when p.escalated_at is null or p.solved_at < p.escalated_at then p.solved_at else p.escalated_at end
            when 'reply' then
                case a.start
                    when 'created' then p.first_response_at
                    when 'escalated' then p.reply_after_escalated_at
                    when 'appeal' then p.reply_after_appeal_at
                    when 'external_body' then p.reply_after_external_at
                end
        end as stop_point_at
    from applied a
    join ticket_process p on p.source = a.source and p.ticket_id = a.ticket_id
),

stopped as (
    select
        *,
        -- the stop moment, or the resolution if it comes first (moments before the start do not stop it)
        case
            when stop_point_at >= started_at
                 and (solved_at is null or solved_at < started_at or stop_point_at <= solved_at) then stop_point_at
            when solved_at >= started_at then solved_at
        end as stopped_at
    from timed
    where started_at is not null
),

clocked as (
    select
        s.*,
        case when s.stopped_at is not null then s.stopped_at else m.as_of end as clock_end
    from stopped s
    cross join meta m
    where s.judged is not null or s.stopped_at is not null or not s.is_resolved
),

-- B(t): open minutes of the ticket's schedule before t (etl/warehouse/calendar.py explains the table)
elapsed as (
    select
        k.*,
        case k.clock
            when 'business' then
                (c1.cum_open_minutes + greatest(0, least((epoch_us(k.clock_end) - c1.hour_epoch * 3600000000) / 60e6, c1.open_to) - c1.open_from))
                - (c0.cum_open_minutes + greatest(0, least((epoch_us(k.started_at) - c0.hour_epoch * 3600000000) / 60e6, c0.open_to) - c0.open_from))
            else (epoch_us(k.clock_end) - epoch_us(k.started_at)) / 60e6
        end as elapsed_minutes
    from clocked k
    left join calendar_hours c0
        on k.clock = 'business' and c0.schedule_id = k.schedule_id and c0.hour_epoch = epoch_us(k.started_at) // 3600000000
    left join calendar_hours c1
        on k.clock = 'business' and c1.schedule_id = k.schedule_id and c1.hour_epoch = epoch_us(k.clock_end) // 3600000000
)

select
    source,
    ticket_id,
    target,
    start,
    stop,
    clock,
    target_minutes,
    started_at,
    stopped_at,
    elapsed_minutes,
    coalesce(judged, case
        when stopped_at is not null then case when elapsed_minutes <= target_minutes then 'met' else 'breached' end
        when elapsed_minutes > target_minutes then 'breached'
        else 'pending'
    end) as verdict,
    evidence,
    created_at, created_date, created_week, created_month,
    channel, category, priority, team, agent_id
from elapsed
