-- The AI assistant's figures for the filtered tickets (ticket_assistant, its macros): tickets it
-- handled, containment, handoff rate and median time to handoff, contained and stayed solved,
-- arrivals outside the human agents' schedule and how many of those it answered at once.
select
    count(*) as tickets,
    count(*) filter (where a.is_handled) as handled,
    pct_contained(a.is_contained, a.is_handled) as contained_pct,
    pct_contained(a.is_contained_stayed_solved, a.is_handled) as stayed_solved_pct,
    pct_handed_off(a.is_handed_off, a.is_handled) as handed_off_pct,
    median(a.minutes_to_handoff) as handoff_median_minutes,
    count(*) filter (where a.outside_human_hours) as outside_hours,
    count(*) filter (where a.outside_human_hours and a.answered_at_once) as outside_answered
from ticket_metrics t
join ticket_assistant a using (source, ticket_id)
where {where}
