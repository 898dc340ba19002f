-- The chain drill-down: every ticket of the customer (the salted customer_id) of the ticket
-- $ticket of source $source, in order of creation, with its category, channel, creation,
-- resolution and the earlier ticket it repeats (ticket_repeats.previous_ticket_id);
-- in_chain marks the tickets of the chosen chain. {repeats}: ticket_repeats, which carries
-- resolution_at (dashboard/db.py mart_with).
select r.ticket_id, r.category, r.channel, r.created_at, r.resolution_at, r.is_resolved,
       r.previous_ticket_id as repeat_of,
       round(r.days_after_previous_resolution, 1) as days_after_previous_resolution,
       r.is_repeat_other_channel,
       r.chain_first_ticket_id = $ticket as in_chain
from {repeats} r
where r.source = $source
  and r.customer_id = (select customer_id from ticket_repeats where source = $source and ticket_id = $ticket)
order by r.created_at, r.ticket_id
