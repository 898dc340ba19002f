-- The repeat figures of the filtered tickets (ticket_repeats, its macros): tickets with a
-- customer id, repeat-contact rate, first-contact resolution, repeats by another channel.
select count(r.customer_id) as with_customer,
       pct_followed_by_repeat(r.followed_by_repeat) as pct_repeat,
       pct_first_contact_resolved(r.first_contact_resolved, r.is_resolved, r.customer_id) as pct_fcr,
       count(*) filter (where r.is_repeat) as repeats,
       count(*) filter (where r.is_repeat_other_channel) as repeats_other_channel
from ticket_metrics t
join ticket_repeats r using (source, ticket_id)
where {where}
