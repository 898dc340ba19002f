-- "What to automate next" for the filtered tickets (ticket_assistant, the assistant macros of
-- metric_macros.sql, the formula assistant_hours_freed): per category, ranked by the agent
-- hours the slider's target containment ($target, percent) would free. $min_handled: the
-- tickets the assistant must have handled in a category before its reach counts.
with per_category as (
    select
        t.category,
        count(*) as tickets,
        count(*) filter (where t.is_handled) as handled,
        count(*) filter (where t.is_human_handled) as human_handled,
        pct_contained(t.is_contained, true) as contained_pct,
        pct_assistant_reach(t.is_contained, t.is_handled, $min_handled) as reach_pct,
        assistant_human_minutes(t.human_minutes, t.resolution_minutes, t.is_human_handled) as human_minutes_per_ticket,
        assistant_minutes_basis(t.human_minutes, t.is_human_handled) as minutes_basis,
        pct_escalated(t.is_escalated) as escalated_pct,
        pct_csat_satisfied(t.csat) as csat_satisfied_pct
    from ticket_assistant t
    where {where} and t.category is not null
    group by t.category
)
select
    *,
    assistant_hours_freed($target, tickets, contained_pct, reach_pct, human_minutes_per_ticket) as hours_freed
from per_category
order by hours_freed desc nulls last, tickets desc, category
