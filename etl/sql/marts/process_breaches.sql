-- materialized: view
-- order: 11
-- grain: one row per ticket and process target it breached (source, ticket_id, target)
-- process_breaches: the tickets that breached a time point of the process
-- (process_target_results with verdict breached), with how far past the target they are.
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
    elapsed_minutes - target_minutes as over_minutes,
    stopped_at is null as still_running,
    evidence,
    created_at, created_date, created_week, created_month,
    channel, category, priority, team, agent_id
from process_target_results
where verdict = 'breached'
