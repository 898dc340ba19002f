-- "What to automate next" for the filtered tickets (ticket_assistant, the assistant macros of
-- metric_macros.sql, the formula assistant_hours_freed): per category, ranked by the agent
-- hours the slider's target containment ($target, percent) would free. $min_handled: the
-- tickets the assistant must have handled in a category before its reach counts.
with per_category as (
    select
        a.category,
        count(*) as tickets,
        count(*) filter (where a.is_handled) as handled,
        count(*) filter (where a.is_human_handled) as human_handled,
        pct_contained(a.is_contained, true) as contained_pct,
        pct_assistant_reach(a.is_contained, a.is_handled, $min_handled) as reach_pct,
        assistant_human_minutes(a.human_minutes, a.resolution_minutes, a.is_human_handled) as human_minutes_per_ticket,
        assistant_minutes_basis(a.human_minutes, a.is_human_handled) as minutes_basis,
        pct_escalated(a.is_escalated) as escalated_pct,
        pct_csat_satisfied(a.csat) as csat_satisfied_pct
    from ticket_metrics t
    join ticket_assistant a using (source, ticket_id)
    where {where} and a.category is not null
    group by a.category
)
select
    *,
    assistant_hours_freed($target, tickets, contained_pct, reach_pct, human_minutes_per_ticket) as hours_freed
from per_category
order by hours_freed desc nulls last, tickets desc, category
