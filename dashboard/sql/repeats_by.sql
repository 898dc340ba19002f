-- Repeat-contact rate and first-contact resolution (ticket_repeats, its macros) by one
-- dimension ({dim}) of the first ticket, over the tickets with a customer id.
-- {repeats}: ticket_repeats, which carries the filter columns (dashboard/db.py mart_with).
select t.{dim} as value,
       count(*) as tickets,
       count(*) filter (where t.followed_by_repeat) as followed,
       pct_followed_by_repeat(t.followed_by_repeat) as pct_repeat,
       pct_first_contact_resolved(t.first_contact_resolved, t.is_resolved, t.customer_id) as pct_fcr
from {repeats} t
where {where} and t.{dim} is not null and t.customer_id is not null
group by 1
order by pct_repeat desc, followed desc
limit 15
