-- The chains with repeats among the filtered tickets (ticket_repeats): each first ticket
-- whose customer came back, with the chain's length; the longest and newest first.
-- {repeats}: ticket_repeats, which carries the filter columns (dashboard/db.py mart_with).
select r.source, r.chain_first_ticket_id as ticket_id, any_value(r.category) as category,
       min(r.created_at) as created_at, count(*) as tickets
from ticket_repeats r
where r.chain_first_ticket_id is not null
  and (r.source, r.chain_first_ticket_id) in (
      select t.source, t.ticket_id from {repeats} t
      where {where} and t.chain_position = 1 and t.followed_by_repeat)
group by r.source, r.chain_first_ticket_id
order by tickets desc, created_at desc
limit 200
