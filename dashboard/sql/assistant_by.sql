-- Containment and handoff of the tickets the assistant handled, by one dimension ({dim}) of
-- the filtered tickets (ticket_assistant, its macros).
select t.{dim} as value,
       count(*) as handled,
       count(*) filter (where a.is_contained) as contained,
       count(*) filter (where a.is_handed_off) as handed_off,
       pct_contained(a.is_contained, true) as contained_pct,
       pct_handed_off(a.is_handed_off, true) as handed_off_pct,
       median(a.minutes_to_handoff) as handoff_median_minutes
from ticket_metrics t
join ticket_assistant a using (source, ticket_id)
where {where} and a.is_handled and t.{dim} is not null
group by 1
order by handled desc
limit 15
