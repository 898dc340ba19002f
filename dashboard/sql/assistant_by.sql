-- Containment and handoff of the tickets the assistant handled, by one dimension ({dim}) of
-- the filtered tickets (ticket_assistant, its macros).
select t.{dim} as value,
       count(*) as handled,
       count(*) filter (where t.is_contained) as contained,
       count(*) filter (where t.is_handed_off) as handed_off,
       pct_contained(t.is_contained, true) as contained_pct,
       pct_handed_off(t.is_handed_off, true) as handed_off_pct,
       median(t.minutes_to_handoff) as handoff_median_minutes
from ticket_assistant t
where {where} and t.is_handled and t.{dim} is not null
group by 1
order by handled desc
limit 15
