-- The AI assistant's figures for the filtered tickets (ticket_assistant, its macros): tickets it
-- handled, containment, handoff rate and median time to handoff, contained and stayed solved,
-- arrivals outside the human agents' schedule and how many of those it answered at once.
select
    count(*) as tickets,
    count(*) filter (where t.is_handled) as handled,
    pct_contained(t.is_contained, t.is_handled) as contained_pct,
    pct_contained(t.is_contained_stayed_solved, t.is_handled) as stayed_solved_pct,
    pct_handed_off(t.is_handed_off, t.is_handled) as handed_off_pct,
    median(t.minutes_to_handoff) as handoff_median_minutes,
    count(*) filter (where t.outside_human_hours) as outside_hours,
    count(*) filter (where t.outside_human_hours and t.answered_at_once) as outside_answered
from ticket_assistant t
where {where}
