-- materialized: view
-- order: 31
-- grain: one row per source, month of creation, team and agent
-- completeness_rollup: the share of complete records (ticket_completeness, through the rate
-- macro of metric_macros.sql) per agent and team by month of creation, for the trend and the
-- training list (which items were missing: ticket_completeness.missing_items).
select
    source,
    created_month,
    team,
    agent_id,
    count(*) as tickets,
    count(*) filter (where is_complete) as complete_tickets,
    pct_complete(is_complete) as complete_pct
from ticket_completeness
group by source, created_month, team, agent_id
