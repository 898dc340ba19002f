-- Weekly containment of the tickets the assistant handled (ticket_assistant, pct_contained).
select t.created_week,
       count(*) as handled,
       pct_contained(t.is_contained, true) as contained_pct,
       pct_contained(t.is_contained_stayed_solved, true) as stayed_solved_pct
from ticket_assistant t
where {where} and t.is_handled
group by 1
order by 1
