-- The repeat figures of the filtered tickets (ticket_repeats, its macros): tickets with a
-- customer id, repeat-contact rate, first-contact resolution, repeats by another channel.
-- {repeats}: ticket_repeats, which carries the filter columns (dashboard/db.py mart_with).
select count(t.customer_id) as with_customer,
       pct_followed_by_repeat(t.followed_by_repeat) as pct_repeat,
       pct_first_contact_resolved(t.first_contact_resolved, t.is_resolved, t.customer_id) as pct_fcr,
       count(*) filter (where t.is_repeat) as repeats,
       count(*) filter (where t.is_repeat_other_channel) as repeats_other_channel
from {repeats} t
where {where}
