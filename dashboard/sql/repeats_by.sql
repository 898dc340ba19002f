-- Repeat-contact rate and first-contact resolution (ticket_repeats, its macros) by one
-- dimension ({dim}) of the first ticket, over the tickets with a customer id.
select t.{dim} as value,
       count(*) as tickets,
       count(*) filter (where r.followed_by_repeat) as followed,
       pct_followed_by_repeat(r.followed_by_repeat) as pct_repeat,
       pct_first_contact_resolved(r.first_contact_resolved, r.is_resolved, r.customer_id) as pct_fcr
from ticket_metrics t
join ticket_repeats r using (source, ticket_id)
where {where} and t.{dim} is not null and r.customer_id is not null
group by 1
order by pct_repeat desc, followed desc
limit 15
